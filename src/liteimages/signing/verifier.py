"""Verification of SDK-HMAC-SHA256 signatures on requests as they were received.

A server has header values as bytes. The canonical request is built from those bytes
directly, so a verified request decodes no header value and encodes no canonical request.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from liteimages.signing.authorization import Authorization
from liteimages.signing.canonical import (
    canonical_query_orders,
    canonical_uri,
    encode_text,
    received_order_query,
    received_request_tail,
    sdk_canonical_uri,
)
from liteimages.signing.errors import MalformedDate
from liteimages.signing.signer import SignableRequest, SigningKey, encoded_string_to_sign

__all__ = ["ReceivedRequest", "Verification", "verify", "verify_received"]

_DATE_HEADER = b"x-sdk-date"


# Not frozen: one is made per request, and a frozen dataclass takes about four times as
# long to construct. Treat it as read-only.
@dataclass(slots=True)
class ReceivedRequest:
    """HTTP request as a server received it.

    Attributes:
        method: HTTP method.
        raw_path: Path exactly as on the wire, still percent-encoded.
        raw_query: Query string exactly as on the wire without the ``?``.
        headers: Header values as received, keyed by lower-case name, a repeated header's
            values joined by commas.
        body: Request body.
    """

    method: str
    raw_path: str
    raw_query: str
    headers: Mapping[bytes, bytes]
    body: bytes = b""

    @classmethod
    def of(cls, request: SignableRequest) -> ReceivedRequest:
        """Return the request whose header values are the UTF-8 form of `request`'s."""
        headers = {encode_text(name): encode_text(value) for name, value in request.headers.items()}
        return cls(request.method, request.raw_path, request.raw_query, headers, request.body)

    def header(self, name: bytes) -> str | None:
        """Return a header value as text, invalid UTF-8 replaced, or None if it is absent."""
        value = self.headers.get(name)
        return None if value is None else value.decode("utf-8", "replace")


# Not frozen: one is made per request, and a frozen dataclass takes about four times as
# long to construct. Treat it as read-only.
@dataclass(slots=True)
class Verification:
    """Outcome of a signature check.

    Attributes:
        valid: Whether the signature matches one of the canonical request forms.
        encoded_canonical_request: UTF-8 form of the matching canonical request. When none
            matches, this is the form built with ``canonical_uri`` and ``canonical_query``.
        encoded_string_to_sign: UTF-8 form of the string to sign of that canonical request.
    """

    valid: bool
    encoded_canonical_request: bytes
    encoded_string_to_sign: bytes

    @property
    def canonical_request(self) -> str:
        """The canonical request as text, with bytes that are not UTF-8 shown as ``\\xNN``.

        The text is for error messages and debugging, and it encodes as UTF-8 (a JSON
        encoder rejects the lone surrogates of a ``surrogateescape`` decoding).
        """
        return self.encoded_canonical_request.decode("utf-8", "backslashreplace")

    @property
    def string_to_sign(self) -> str:
        """The string to sign as text, for error messages and debugging."""
        return self.encoded_string_to_sign.decode("utf-8", "backslashreplace")


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
def _canonical_heads(method: str, raw_path: str, raw_query: str) -> tuple[bytes, ...]:
    """Return the first three lines of each canonical request form to try, in order.

    The ``canonical_uri`` and ``canonical_query`` form comes first. Clients call the same
    few paths and queries again and again, so the result is cached.
    """
    method_line = method.upper()
    return tuple(
        encode_text(f"{method_line}\n{uri}\n{query}\n")
        for uri in _uri_forms(raw_path)
        for query in _query_forms(raw_query)
    )


def verify_received(
    request: ReceivedRequest, authorization: Authorization, secret_key: str | SigningKey
) -> Verification:
    """Check the signature of a received request.

    The canonical request is built from the received method, path, query, the headers named
    in SignedHeaders and the body hash. The check tries ``canonical_uri`` and then
    ``sdk_canonical_uri`` (only when they differ), each with the decoded-order query, then
    the encoded-order and the received-order query (each only when it differs). The date
    window is not checked here, so the caller can report SignatureExpired separately.

    Args:
        request: Request as received.
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
    tail = received_request_tail(request.headers, authorization.signed_headers, request.body)
    key = secret_key if isinstance(secret_key, SigningKey) else SigningKey(secret_key)
    first: Verification | None = None
    for head in _canonical_heads(request.method, request.raw_path, request.raw_query):
        canonical = head + tail
        to_sign = encoded_string_to_sign(sdk_date, canonical)
        # Both are ASCII: the parser accepts only lower-case hex signatures.
        if hmac.compare_digest(key.signature(to_sign), authorization.signature):
            return Verification(True, canonical, to_sign)
        if first is None:
            first = Verification(False, canonical, to_sign)
    assert first is not None
    return first


def verify(
    request: SignableRequest, authorization: Authorization, secret_key: str | SigningKey
) -> Verification:
    """Check the signature of a request whose header values are text.

    The same check as ``verify_received``, on the UTF-8 form of the header values.

    Raises:
        MalformedDate: The request has no X-Sdk-Date header.
        MissingSignedHeader: A header named in SignedHeaders is absent.
    """
    return verify_received(ReceivedRequest.of(request), authorization, secret_key)
