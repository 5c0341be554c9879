"""SDK-HMAC-SHA256 signing and verification of HTTP requests."""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from liteimages.signing.authorization import ALGORITHM, Authorization, format_authorization
from liteimages.signing.canonical import (
    canonical_headers,
    canonical_query,
    canonical_query_orders,
    canonical_request,
    canonical_request_tail,
    canonical_uri,
    encode_text,
    payload_hash,
    received_order_query,
    sdk_canonical_uri,
)
from liteimages.signing.dates import format_sdk_date
from liteimages.signing.errors import MalformedDate

__all__ = [
    "SignableRequest",
    "SigningKey",
    "Verification",
    "compute_signature",
    "sign",
    "string_to_sign",
    "verify",
]

_DATE_HEADER = "x-sdk-date"


# Not frozen: one is made per request, and a frozen dataclass takes about four times as
# long to construct. Treat it as read-only.
@dataclass(slots=True)
class SignableRequest:
    """HTTP request in the form that signing and verification read.

    Attributes:
        method: HTTP method.
        raw_path: Path exactly as on the wire, still percent-encoded.
        raw_query: Query string exactly as on the wire without the ``?``, still percent-encoded.
        headers: Headers keyed by lower-case name, with values as received. huaweicloudsdkcore
            sends non-ASCII header values as UTF-8 bytes, so decode header bytes as UTF-8
            (not Latin-1) for those signatures to verify. Use ``errors="surrogateescape"``
            so that invalid UTF-8 gives an invalid signature instead of an error.
        body: Request body.
    """

    method: str
    raw_path: str
    raw_query: str
    headers: Mapping[str, str]
    body: bytes = b""


# Not frozen: one is made per request, and a frozen dataclass takes about four times as
# long to construct. Treat it as read-only.
@dataclass(slots=True)
class Verification:
    """Outcome of a signature check.

    Attributes:
        valid: Whether the signature matches one of the canonical request forms.
        canonical_request: Matching canonical request. When none matches, this is the form
            built with ``canonical_uri`` and ``canonical_query``, for error messages and debugging.
        string_to_sign: String to sign that belongs to ``canonical_request``.
    """

    valid: bool
    canonical_request: str
    string_to_sign: str


class _Mac(Protocol):
    """The methods of an HMAC object that `SigningKey` uses."""

    def copy(self) -> _Mac: ...

    def update(self, message: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...


class SigningKey:
    """A secret key with its HMAC-SHA256 state prepared once, to check many signatures.

    Each check then copies the prepared state instead of setting up HMAC from the key.
    """

    __slots__ = ("_prepared",)

    def __init__(self, secret_key: str) -> None:
        prepared = hmac.new(secret_key.encode("utf-8"), digestmod="sha256")
        # With OpenSSL, hmac.HMAC wraps a C object in `_hmac` with the same copy, update and
        # hexdigest methods. Calling it directly skips three Python-level calls per check,
        # and without that attribute the public object does the same work.
        self._prepared: _Mac = getattr(prepared, "_hmac", None) or prepared

    def __repr__(self) -> str:
        return "SigningKey(...)"

    def signature(self, string_to_sign: str) -> str:
        """Return the hex HMAC-SHA256 of the string to sign."""
        mac = self._prepared.copy()
        mac.update(encode_text(string_to_sign))
        return mac.hexdigest()


def string_to_sign(sdk_date: str, canonical_request: str) -> str:
    """Build the string to sign from the X-Sdk-Date value and the canonical request."""
    request_hash = hashlib.sha256(encode_text(canonical_request)).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{request_hash}"


def compute_signature(secret_key: str, string_to_sign: str) -> str:
    """Compute the hex HMAC-SHA256 of the string to sign, keyed with the secret key."""
    digest = hmac.digest(secret_key.encode("utf-8"), encode_text(string_to_sign), "sha256")
    return digest.hex()


def _headers_to_sign(request: SignableRequest, now: datetime | None) -> dict[str, str]:
    headers = {name.lower(): value for name, value in request.headers.items()}
    if "host" not in headers:
        raise ValueError("cannot sign a request without a Host header: add it to the headers")
    if _DATE_HEADER not in headers:
        headers[_DATE_HEADER] = format_sdk_date(now if now is not None else datetime.now(UTC))
    return headers


def sign(
    request: SignableRequest,
    access_key: str,
    secret_key: str,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """Sign a request and return the headers to add to it.

    Every header of the request is signed, plus X-Sdk-Date. Names that contain ``_`` are left
    out, as huaweicloudsdkcore does, and so is an existing Authorization header because the
    result replaces it. The URI and query use ``canonical_uri`` and ``canonical_query``, so
    send ``raw_path`` and ``raw_query`` unchanged.

    Args:
        request: Request to sign. Its headers must include Host.
        access_key: Access key id (AK).
        secret_key: Secret access key (SK).
        now: Signing time when the request has no X-Sdk-Date header. Defaults to the
            current time.

    Returns:
        ``Authorization``, and ``X-Sdk-Date`` unless the request already has that header.

    Raises:
        ValueError: The request has no Host header.
    """
    headers = _headers_to_sign(request, now)
    signed_headers = sorted(name for name in headers if "_" not in name and name != "authorization")
    canonical = canonical_request(
        request.method,
        canonical_uri(request.raw_path),
        canonical_query(request.raw_query),
        canonical_headers(headers, signed_headers),
        signed_headers,
        payload_hash(request.body, headers),
    )
    sdk_date = headers[_DATE_HEADER]
    signature = compute_signature(secret_key, string_to_sign(sdk_date, canonical))
    added = {"Authorization": format_authorization(access_key, signed_headers, signature)}
    if _DATE_HEADER not in request.headers:
        added["X-Sdk-Date"] = sdk_date
    return added


def _uri_forms(raw_path: str) -> list[str]:
    """Return ``canonical_uri``, then ``sdk_canonical_uri`` if an encoded slash makes it differ."""
    uri = canonical_uri(raw_path)
    if "%2F" not in raw_path and "%2f" not in raw_path:
        return [uri]
    sdk_uri = sdk_canonical_uri(raw_path)
    return [uri] if sdk_uri == uri else [uri, sdk_uri]


def _query_forms(raw_query: str) -> list[str]:
    decoded_order, encoded_order = canonical_query_orders(raw_query)
    forms = [decoded_order] if encoded_order is None else [decoded_order, encoded_order]
    # huaweicloudsdkcore sends the query in the order it signed, which for repeated keys
    # with integer values (sorted as numbers: 9 before 10) matches neither string order.
    received = received_order_query(raw_query)
    if received not in forms:
        forms.append(received)
    return forms


@functools.lru_cache(maxsize=4096)
def _candidate_forms(raw_path: str, raw_query: str) -> tuple[tuple[str, str], ...]:
    """Return the (URI, query) pairs to try, the canonical_uri and canonical_query pair first.

    Clients call the same few paths and queries again and again, so the result is cached.
    """
    queries = _query_forms(raw_query)
    return tuple((uri, query) for uri in _uri_forms(raw_path) for query in queries)


def verify(
    request: SignableRequest, authorization: Authorization, secret_key: str | SigningKey
) -> Verification:
    """Check the signature of a received request.

    The canonical request is built from the received method, path, query, the headers named
    in SignedHeaders and the body hash. The check tries ``canonical_uri`` and then
    ``sdk_canonical_uri`` (only when they differ), each with the decoded-order query, then
    the encoded-order and the received-order query (each only when it differs). The date
    window is not checked here, so the caller can report SignatureExpired separately.

    Args:
        request: Request as received, with headers keyed by lower-case name.
        authorization: Parsed Authorization header.
        secret_key: Secret access key (SK) that belongs to ``authorization.access_key``, or
            its ``SigningKey``.

    Raises:
        MalformedDate: The request has no X-Sdk-Date header.
        MissingSignedHeader: A header named in SignedHeaders is absent.
    """
    sdk_date = request.headers.get(_DATE_HEADER)
    if sdk_date is None:
        raise MalformedDate("missing X-Sdk-Date header: add the signing time as YYYYMMDDTHHMMSSZ")
    header_lines = canonical_headers(request.headers, authorization.signed_headers)
    hashed_payload = payload_hash(request.body, request.headers)
    key = secret_key if isinstance(secret_key, SigningKey) else SigningKey(secret_key)
    # Every form shares the method line and everything after the query line.
    method_line = request.method.upper()
    tail = canonical_request_tail(header_lines, authorization.signed_headers, hashed_payload)
    first: Verification | None = None
    for uri, query in _candidate_forms(request.raw_path, request.raw_query):
        canonical = f"{method_line}\n{uri}\n{query}{tail}"
        to_sign = string_to_sign(sdk_date, canonical)
        # Both are ASCII: the parser accepts only lower-case hex signatures.
        if hmac.compare_digest(key.signature(to_sign), authorization.signature):
            return Verification(True, canonical, to_sign)
        if first is None:
            first = Verification(False, canonical, to_sign)
    assert first is not None
    return first
