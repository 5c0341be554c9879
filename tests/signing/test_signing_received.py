"""Verification of requests as received, with header values as bytes."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from liteimages.signing import (
    EMPTY_PAYLOAD_HASH,
    MissingSignedHeader,
    ReceivedRequest,
    SignableRequest,
    canonical_headers,
    canonical_request_tail,
    encoded_string_to_sign,
    format_authorization,
    parse_authorization,
    payload_hash,
    received_header_value,
    received_request_tail,
    sign,
    verify,
    verify_received,
)

SECRET_KEY = "W3CLV0DKUT4JSX2UYAI1TEST0SECRET0KEY00000"
ACCESS_KEY = "HPUAEXAMPLEACCESSKEY"
PATH = "/v1/p/dev-servers/images"
SDK_DATE = "20261204T120000Z"

# Values that the text form strips and that bytes.strip() alone would not, and values
# that must not be stripped at all.
HEADER_VALUES = [
    "plain",
    "  padded\t",
    "\x1cfile separators\x1f",
    "\x0bvertical tab\x0c",
    "\u00a0no-break space\u00a0",
    "\u3000ideographic space\u3000",
    "名称 value",
    "inner  spaces kept",
    "",
]


@pytest.mark.parametrize("value", HEADER_VALUES)
def test_header_value_strips_like_text(value: str) -> None:
    assert received_header_value(value.encode()) == value.strip().encode()


def test_header_value_keeps_invalid_utf8() -> None:
    assert received_header_value(b" \xff\xfe ") == b"\xff\xfe"


@pytest.mark.parametrize("value", HEADER_VALUES)
def test_tail_equals_text_form(value: str) -> None:
    headers = {"host": "127.0.0.1:8080", "x-custom": value, "x-sdk-date": SDK_DATE}
    signed = ("host", "x-custom", "x-sdk-date")
    text_tail = canonical_request_tail(
        canonical_headers(headers, signed), signed, payload_hash(b"", headers)
    )
    raw = {name.encode(): header.encode() for name, header in headers.items()}

    tail = received_request_tail(raw, signed, b"")

    # The text tail starts with the newline that ends the query line.
    assert tail == text_tail[1:].encode()


def test_tail_hashes_body() -> None:
    raw = {b"host": b"h"}

    tail = received_request_tail(raw, ("host",), b"{}")

    assert tail.endswith(hashlib.sha256(b"{}").hexdigest().encode())
    assert received_request_tail(raw, ("host",), b"").endswith(EMPTY_PAYLOAD_HASH.encode())


def test_tail_uses_declared_body_hash() -> None:
    raw = {b"host": b"h", b"x-sdk-content-sha256": b"UNSIGNED-PAYLOAD"}

    assert received_request_tail(raw, ("host",), b"{}").endswith(b"\nUNSIGNED-PAYLOAD")


def test_tail_missing_header_raises() -> None:
    with pytest.raises(MissingSignedHeader) as caught:
        received_request_tail({b"host": b"h"}, ("host", "x-absent"), b"")

    assert "x-absent" in str(caught.value)


def signed_received(headers: dict[str, str]) -> tuple[ReceivedRequest, str]:
    """Sign a GET with `headers` and return it as received, with its Authorization value."""
    request = SignableRequest("GET", PATH, "limit=2", {**headers, "x-sdk-date": SDK_DATE})
    authorization = sign(request, ACCESS_KEY, SECRET_KEY)["Authorization"]
    return ReceivedRequest.of(request), authorization


def test_own_signature_verifies() -> None:
    received, authorization = signed_received({"host": "h", "x-name": " 名称 "})

    result = verify_received(received, parse_authorization(authorization), SECRET_KEY)

    assert result.valid


def test_changed_header_byte_rejected() -> None:
    received, authorization = signed_received({"host": "h", "x-name": "value"})
    tampered = ReceivedRequest(
        received.method,
        received.raw_path,
        received.raw_query,
        {**received.headers, b"x-name": b"valuf"},
    )

    result = verify_received(tampered, parse_authorization(authorization), SECRET_KEY)

    assert not result.valid


def test_invalid_utf8_value_signed_as_bytes() -> None:
    # A client that signs the bytes it sends is accepted, whatever their encoding.
    headers = {b"host": b"h", b"x-raw": b"\xff\xfe", b"x-sdk-date": SDK_DATE.encode()}
    signed = ("host", "x-raw", "x-sdk-date")
    canonical = f"GET\n{PATH}/\n\n".encode() + received_request_tail(headers, signed, b"")
    to_sign = encoded_string_to_sign(SDK_DATE.encode(), canonical)
    signature = hmac.new(SECRET_KEY.encode(), to_sign, hashlib.sha256).hexdigest()
    authorization = parse_authorization(format_authorization(ACCESS_KEY, signed, signature))

    result = verify_received(ReceivedRequest("GET", PATH, "", headers), authorization, SECRET_KEY)

    assert result.valid
    assert result.encoded_canonical_request == canonical


def test_text_and_bytes_verification_agree() -> None:
    headers = {"host": "h", "x-name": "\u00a0名称", "x-sdk-date": SDK_DATE}
    request = SignableRequest("GET", PATH, "", headers)
    authorization = parse_authorization(sign(request, ACCESS_KEY, SECRET_KEY)["Authorization"])

    text = verify(request, authorization, SECRET_KEY)
    received = verify_received(ReceivedRequest.of(request), authorization, SECRET_KEY)

    assert text.valid
    assert received.valid
    assert text.canonical_request == received.canonical_request


def test_mismatch_reports_text_forms() -> None:
    received, authorization = signed_received({"host": "h"})
    wrong = parse_authorization(authorization.replace("Signature=", "Signature=0")[:-1])

    result = verify_received(received, wrong, SECRET_KEY)

    assert not result.valid
    assert result.canonical_request.startswith(f"GET\n{PATH}/\nlimit=2\n")
    assert result.string_to_sign.startswith(f"SDK-HMAC-SHA256\n{SDK_DATE}\n")


def test_mismatch_text_escapes_invalid_utf8() -> None:
    headers = {b"host": b"h", b"x-raw": b"caf\xe9", b"x-sdk-date": SDK_DATE.encode()}
    authorization = parse_authorization(format_authorization(ACCESS_KEY, ("x-raw",), "0" * 64))

    result = verify_received(ReceivedRequest("GET", PATH, "", headers), authorization, SECRET_KEY)

    assert not result.valid
    assert "x-raw:caf\\xe9\n" in result.canonical_request
    assert result.canonical_request.encode("utf-8")


def test_header_as_text() -> None:
    received = ReceivedRequest("GET", PATH, "", {b"x-name": "名称".encode(), b"x-bad": b"\xff"})

    assert received.header(b"x-name") == "名称"
    assert received.header(b"x-bad") == "\ufffd"
    assert received.header(b"x-absent") is None
