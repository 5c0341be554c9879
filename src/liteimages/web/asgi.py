"""Small helpers over raw ASGI messages, used by the fast path and the middleware."""

from __future__ import annotations

import os
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
# Request ids are cut from one read of this many random bytes, 16 bytes per id.
_RANDOM_BATCH_BYTES = 4096


class BodyTooLarge(Exception):
    """The request body is larger than the route accepts."""


_unused_request_ids: list[str] = []
# A forked child must not hand out the ids that its parent still holds.
os.register_at_fork(after_in_child=_unused_request_ids.clear)


def new_request_id() -> str:
    """Return a new request id: 32 lower-case hex characters, as the API gateway uses.

    The ids come from os.urandom, read 256 ids at a time, so that most requests
    make no system call for theirs.
    """
    if not _unused_request_ids:
        random_hex = os.urandom(_RANDOM_BATCH_BYTES).hex()
        _unused_request_ids.extend(
            random_hex[start : start + 32] for start in range(0, len(random_hex), 32)
        )
    return _unused_request_ids.pop()


def request_id_of(scope: Scope) -> str:
    """Return the request id of `scope`, creating it on first use."""
    request_id: str | None = scope.get(REQUEST_ID_KEY)
    if request_id is None:
        request_id = new_request_id()
        scope[REQUEST_ID_KEY] = request_id
    return request_id


def raw_header_map(raw_headers: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """Return header values as received, by lower-case name; repeated headers are joined.

    Servers such as uvicorn send lower-case names, each once in most requests, and then
    this is one dictionary construction. The values of a repeated header are joined with
    commas, byte for byte.
    """
    headers = dict(raw_headers)
    if len(headers) == len(raw_headers) and b"".join(headers).islower():
        return headers
    headers = {}
    for raw_name, value in raw_headers:
        name = raw_name.lower()
        known = headers.get(name)
        headers[name] = value if known is None else known + b"," + value
    return headers


def declares_body(headers: dict[bytes, bytes]) -> bool:
    """Return whether the request has a body, which in HTTP/1.1 only these two headers declare."""
    length = headers.get(b"content-length")
    return (length is not None and length.strip() != b"0") or b"transfer-encoding" in headers


def use_forwarded_host(headers: dict[bytes, bytes]) -> None:
    """Replace Host with the first X-Forwarded-Host value, if there is one."""
    forwarded = headers.get(b"x-forwarded-host")
    if forwarded:
        headers[b"host"] = forwarded.split(b",", 1)[0].strip()


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
