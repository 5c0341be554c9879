"""Raw ASGI helpers and the mapping of core errors to HTTP responses."""

from __future__ import annotations

import json

import pytest

from liteimages.errors import (
    Conflict,
    Forbidden,
    InvalidArgument,
    LiteImagesError,
    NoImageAvailable,
    NotFound,
    ProjectMismatch,
)
from liteimages.identity.errors import (
    AccessKeyLocked,
    AuthenticationError,
    IamError,
    SignatureMismatch,
    TokenExpired,
)
from liteimages.web.asgi import (
    BodyTooLarge,
    Message,
    Receive,
    declares_body,
    new_request_id,
    query_pairs,
    raw_header_map,
    read_body,
    request_id_of,
    use_forwarded_host,
)
from liteimages.web.errors import error_body, render_error, status_of

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("raw", "pairs"),
    [
        ("", []),
        ("a=1&b=2", [("a", "1"), ("b", "2")]),
        ("a=1&a=2", [("a", "1"), ("a", "2")]),
        ("server_type=", [("server_type", "")]),
        ("flag", [("flag", "")]),
        ("&&a=1&", [("a", "1")]),
        ("a=1+2", [("a", "1+2")]),
        ("a=1%2B2", [("a", "1+2")]),
        ("a=b%20c", [("a", "b c")]),
        ("a=x=y", [("a", "x=y")]),
        ("a=%3A%2C", [("a", ":,")]),
        ("a=%E5%90%8D", [("a", "名")]),
        ("a=%FF", [("a", "\ufffd")]),
        ("a=%ZZ", [("a", "%ZZ")]),
        ("%6Cimit=1", [("limit", "1")]),
    ],
)
def test_query_pairs(raw: str, pairs: list[tuple[str, str]]) -> None:
    assert query_pairs(raw) == pairs


def test_raw_header_map_keeps_bytes() -> None:
    raw = [(b"host", b"h"), (b"x-name", "名称".encode()), (b"x-bad", b"\xff")]

    assert raw_header_map(raw) == {b"host": b"h", b"x-name": "名称".encode(), b"x-bad": b"\xff"}


def test_raw_header_map_lowers_and_joins() -> None:
    raw = [(b"Host", b"h"), (b"x-custom", b"a"), (b"X-Custom", b"b"), (b"X-Bad", b"\xff")]

    assert raw_header_map(raw) == {b"host": b"h", b"x-custom": b"a,b", b"x-bad": b"\xff"}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, False),
        ({b"content-length": b"0"}, False),
        ({b"content-length": b" 0 "}, False),
        ({b"content-length": b"3"}, True),
        ({b"transfer-encoding": b"chunked"}, True),
    ],
)
def test_declares_body(headers: dict[bytes, bytes], expected: bool) -> None:
    assert declares_body(headers) is expected


def test_request_ids_unique_across_batches() -> None:
    ids = [new_request_id() for _ in range(1000)]

    assert len(set(ids)) == len(ids)
    assert all(len(value) == 32 and int(value, 16) >= 0 for value in ids)


@pytest.mark.parametrize(
    ("forwarded", "host"),
    [
        (b"proxy.example:443", b"proxy.example:443"),
        (b"a.example, b.example", b"a.example"),
        (b"", b"h"),
    ],
)
def test_use_forwarded_host(forwarded: bytes, host: bytes) -> None:
    headers = {b"host": b"h", b"x-forwarded-host": forwarded}

    use_forwarded_host(headers)

    assert headers[b"host"] == host


def test_request_id_made_once() -> None:
    scope: dict[str, object] = {}

    first = request_id_of(scope)

    assert request_id_of(scope) == first
    assert len(first) == 32
    assert request_id_of({}) != first


def receiver(chunks: list[bytes], disconnect: bool = False) -> Receive:
    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]
    if disconnect:
        messages[-1]["more_body"] = True
        messages.append({"type": "http.disconnect"})

    async def receive() -> Message:
        return messages.pop(0)

    return receive


async def test_read_body_joins_chunks() -> None:
    assert await read_body(receiver([b"ab", b"", b"cd"])) == b"abcd"


async def test_read_body_stops_at_disconnect() -> None:
    assert await read_body(receiver([b"ab"], disconnect=True)) == b"ab"


async def test_read_body_limit() -> None:
    assert await read_body(receiver([b"12", b"34"]), limit=4) == b"1234"
    with pytest.raises(BodyTooLarge):
        await read_body(receiver([b"12", b"345"]), limit=4)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (AuthenticationError("x"), 401),
        (SignatureMismatch("c", "s"), 401),
        (AccessKeyLocked(10), 401),
        (TokenExpired(), 401),
        (InvalidArgument("p", "rule"), 400),
        (ProjectMismatch(), 403),
        (Forbidden("Op"), 403),
        (NotFound("x"), 404),
        (NoImageAvailable(), 404),
        (Conflict("x"), 409),
        (IamError(418, "IAM.9999", "x"), 418),
        (LiteImagesError("x"), 500),
    ],
)
def test_status_of(error: LiteImagesError, status: int) -> None:
    assert status_of(error) == status


def test_gateway_error_body_has_request_id() -> None:
    body = json.loads(error_body("APIGW.0301", "message", "r" * 32))

    assert body == {"error_code": "APIGW.0301", "error_msg": "message", "request_id": "r" * 32}


def test_service_error_body_has_no_request_id() -> None:
    body = json.loads(error_body("ModelArts.0101", "message", "r" * 32))

    assert body == {"error_code": "ModelArts.0101", "error_msg": "message"}


def test_render_locked_key() -> None:
    status, body, headers = render_error(AccessKeyLocked(42), "r" * 32)

    assert status == 401
    assert headers == [(b"retry-after", b"42")]
    assert json.loads(body)["error_code"] == "APIGW.0301"


def test_render_signature_mismatch() -> None:
    status, body, headers = render_error(SignatureMismatch("GET\n/", "SDK"), "r" * 32)

    assert status == 401
    assert headers == []
    assert json.loads(body)["canonical_request"] == "GET\n/"
    assert json.loads(body)["string_to_sign"] == "SDK"


def test_error_body_escapes_surrogates() -> None:
    body = error_body("APIGW.0301", "header caf\udce9", "rid", canonical_request="x:\udcff")

    assert json.loads(body) == {
        "error_code": "APIGW.0301",
        "error_msg": "header caf\\udce9",
        "request_id": "rid",
        "canonical_request": "x:\\udcff",
    }
