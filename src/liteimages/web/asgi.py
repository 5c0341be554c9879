"""Small helpers over raw ASGI messages, used by the fast path and the middleware."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import unquote

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON_CONTENT_TYPE = (b"content-type", b"application/json")
REQUEST_ID_KEY = "liteimages.request_id"
MAX_BODY_BYTES = 1 << 20


class BodyTooLarge(Exception):
    """The request body is larger than the route accepts."""


def new_request_id() -> str:
    """Return a new request id: 32 lower-case hex characters, as the API gateway uses."""
    return secrets.token_hex(16)


def request_id_of(scope: Scope) -> str:
    """Return the request id of `scope`, creating it on first use."""
    request_id: str | None = scope.get(REQUEST_ID_KEY)
    if request_id is None:
        request_id = new_request_id()
        scope[REQUEST_ID_KEY] = request_id
    return request_id


def header_map(raw_headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Return headers by lower-case name; repeated headers are joined with commas."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in raw_headers:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("utf-8", "replace")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def use_forwarded_host(headers: dict[str, str]) -> None:
    """Replace Host with the first X-Forwarded-Host value, if there is one."""
    forwarded = headers.get("x-forwarded-host")
    if forwarded:
        headers["host"] = forwarded.split(",", 1)[0].strip()


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    """Split a raw query string into decoded pairs; `+` stays a literal plus."""
    pairs = []
    for piece in raw_query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((unquote(name, errors="replace"), unquote(value, errors="replace")))
    return pairs


async def read_body(receive: Receive, limit: int = MAX_BODY_BYTES) -> bytes:
    """Read the whole request body, raising `BodyTooLarge` past `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def send_response(
    send: Send,
    status: int,
    body: bytes,
    request_id: str,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    """Send a complete JSON response with Content-Length and X-Request-Id."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                JSON_CONTENT_TYPE,
                (b"content-length", b"%d" % len(body)),
                (b"x-request-id", request_id.encode("ascii")),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
