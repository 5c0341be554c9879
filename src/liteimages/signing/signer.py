"""SDK-HMAC-SHA256 signing of HTTP requests, and the secret key prepared for checks."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from liteimages.signing.authorization import ALGORITHM, format_authorization
from liteimages.signing.canonical import (
    canonical_headers,
    canonical_query,
    canonical_request,
    canonical_uri,
    encode_text,
    payload_hash,
)
from liteimages.signing.dates import format_sdk_date

__all__ = [
    "SignableRequest",
    "SigningKey",
    "compute_signature",
    "encoded_string_to_sign",
    "sign",
    "string_to_sign",
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

    def signature(self, string_to_sign: str | bytes) -> str:
        """Return the hex HMAC-SHA256 of the string to sign, given as text or as UTF-8."""
        mac = self._prepared.copy()
        mac.update(
            encode_text(string_to_sign) if isinstance(string_to_sign, str) else string_to_sign
        )
        return mac.hexdigest()


_ALGORITHM_LINE = f"{ALGORITHM}\n".encode("ascii")


def encoded_string_to_sign(sdk_date: bytes, canonical_request: bytes) -> bytes:
    """Build the UTF-8 string to sign from the X-Sdk-Date value and the canonical request."""
    request_hash = hashlib.sha256(canonical_request).hexdigest().encode("ascii")
    return _ALGORITHM_LINE + sdk_date + b"\n" + request_hash


def string_to_sign(sdk_date: str, canonical_request: str) -> str:
    """Build the string to sign from the X-Sdk-Date value and the canonical request."""
    encoded = encoded_string_to_sign(encode_text(sdk_date), encode_text(canonical_request))
    return encoded.decode("utf-8", "surrogateescape")


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
