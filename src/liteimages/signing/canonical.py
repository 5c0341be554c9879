"""Canonical forms of the request parts that an SDK-HMAC-SHA256 signature covers.

Every function takes the request target exactly as it arrived, still percent-encoded.
HTTP requires an ASCII request target, and any other character is taken as UTF-8.
Components are decoded to bytes and encoded again, so invalid UTF-8 in a percent-encoded
sequence does not raise. Only ``canonical_query_from_pairs`` raises, on lone surrogates.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from urllib.parse import quote_from_bytes, unquote_to_bytes

from liteimages.signing.errors import MissingSignedHeader

__all__ = [
    "CONTENT_SHA256_HEADER",
    "EMPTY_PAYLOAD_HASH",
    "canonical_headers",
    "canonical_query",
    "canonical_query_from_pairs",
    "canonical_query_orders",
    "canonical_request",
    "canonical_request_tail",
    "canonical_uri",
    "encode_text",
    "encoded_order_query",
    "payload_hash",
    "received_header_value",
    "received_request_tail",
    "sdk_canonical_uri",
]

EMPTY_PAYLOAD_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
"""Hex SHA-256 of an empty body."""

CONTENT_SHA256_HEADER = "x-sdk-content-sha256"
"""Header whose value replaces the body hash, for example ``UNSIGNED-PAYLOAD``."""

_EMPTY_PAYLOAD_HASH_BYTES = EMPTY_PAYLOAD_HASH.encode("ascii")
_CONTENT_SHA256_HEADER_BYTES = CONTENT_SHA256_HEADER.encode("ascii")

# The ASCII characters that str.strip() removes; bytes.strip() alone keeps \x1c-\x1f.
_ASCII_WHITESPACE = b" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"

# Characters that the canonical form leaves unencoded (RFC 3986 unreserved).
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")

# A query parameter as (decoded key, decoded value, encoded key, encoded value).
_QueryItem = tuple[bytes, bytes, str, str]

_encoded_sort_key = itemgetter(2, 3)


def encode_text(text: str) -> bytes:
    """Encode text as UTF-8 without raising on lone surrogates.

    Surrogates from a ``surrogateescape`` decoding become the original bytes again, and any
    other surrogate is encoded as if it were a character.
    """
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _unquote(component: str) -> bytes:
    return unquote_to_bytes(encode_text(component))


def _quote(raw: bytes) -> str:
    return quote_from_bytes(raw, safe="~")


def _normalize(component: str) -> str:
    """Percent-decode a component and encode it again with only unreserved characters bare."""
    if _UNRESERVED.issuperset(component):
        return component
    return _quote(_unquote(component))


def _with_trailing_slash(uri: str) -> str:
    return uri if uri.endswith("/") else uri + "/"


def canonical_uri(raw_path: str) -> str:
    """Build the canonical URI by normalizing each ``/``-separated segment of the path.

    An encoded slash (``%2F``) stays inside its segment as ``%2F``. The result always ends
    with ``/``.
    """
    segments = [_normalize(segment) for segment in raw_path.split("/")]
    return _with_trailing_slash("/".join(segments))


def sdk_canonical_uri(raw_path: str) -> str:
    """Build the canonical URI the way huaweicloudsdkcore 3.1.219 does.

    The SDK decodes the whole path before it splits it, so ``%2F`` becomes a segment
    separator. For any other path the result equals ``canonical_uri(raw_path)``.
    """
    segments = [_quote(segment) for segment in _unquote(raw_path).split(b"/")]
    return _with_trailing_slash("/".join(segments))


def _query_item(piece: str) -> _QueryItem:
    key, _, value = piece.partition("=")
    if _UNRESERVED.issuperset(key):
        raw_key, encoded_key = key.encode("ascii"), key
    else:
        raw_key = _unquote(key)
        encoded_key = _quote(raw_key)
    if _UNRESERVED.issuperset(value):
        raw_value, encoded_value = value.encode("ascii"), value
    else:
        raw_value = _unquote(value)
        encoded_value = _quote(raw_value)
    return raw_key, raw_value, encoded_key, encoded_value


def _parse_query(raw_query: str) -> list[_QueryItem]:
    """Split a raw query into parameters, skipping empty pieces.

    A ``+`` is a literal plus sign, and a piece without ``=`` is a key with an empty value.
    """
    return [_query_item(piece) for piece in raw_query.split("&") if piece]


def _join_query(items: Iterable[_QueryItem]) -> str:
    return "&".join([f"{item[2]}={item[3]}" for item in items])


def canonical_query_orders(raw_query: str) -> tuple[str, str | None]:
    """Build the canonical query in decoded order and, if it differs, in encoded order.

    Returns:
        The decoded-order query, and the encoded-order query or None when both orders
        give the same string.
    """
    items = _parse_query(raw_query)
    by_decoded = sorted(items)
    by_encoded = sorted(items, key=_encoded_sort_key)
    decoded_query = _join_query(by_decoded)
    if by_encoded == by_decoded:
        return decoded_query, None
    return decoded_query, _join_query(by_encoded)


def canonical_query(raw_query: str) -> str:
    """Build the canonical query string with parameters sorted by decoded key, then value.

    This is the order of huaweicloudsdkcore, which sorts the decoded pairs as Python strings
    (the same order as their UTF-8 bytes).
    """
    return _join_query(sorted(_parse_query(raw_query)))


def encoded_order_query(raw_query: str) -> str:
    """Build the canonical query string with parameters sorted by encoded key, then value.

    Some signers sort after encoding. The order differs from ``canonical_query`` only when
    a key or value contains characters that are encoded.
    """
    return _join_query(sorted(_parse_query(raw_query), key=_encoded_sort_key))


def received_order_query(raw_query: str) -> str:
    """Build the canonical query string with parameters in the order they were received."""
    return _join_query(_parse_query(raw_query))


def canonical_query_from_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """Build the canonical query string from decoded parameters, in decoded order.

    Raises:
        UnicodeEncodeError: A key or value contains a lone surrogate.
    """
    items = []
    for key, value in pairs:
        raw_key = key.encode("utf-8")
        raw_value = value.encode("utf-8")
        items.append((raw_key, raw_value, _quote(raw_key), _quote(raw_value)))
    return _join_query(sorted(items))


def canonical_headers(headers: Mapping[str, str], signed_headers: Sequence[str]) -> str:
    """Build the canonical header block, one ``name:value`` line per signed header.

    Args:
        headers: Request headers keyed by lower-case name.
        signed_headers: Lower-case names to include, in signing order.

    Returns:
        The lines, each followed by a newline, with values stripped of surrounding whitespace.

    Raises:
        MissingSignedHeader: A signed header is absent from ``headers``.
    """
    lines = []
    for name in signed_headers:
        value = headers.get(name)
        if value is None:
            raise MissingSignedHeader(name)
        lines.append(f"{name}:{value.strip()}\n")
    return "".join(lines)


def payload_hash(body: bytes, headers: Mapping[str, str]) -> str:
    """Return the hex SHA-256 of the body, or the declared X-Sdk-Content-Sha256 value.

    As in huaweicloudsdkcore, the declared value is used only when the body is not empty,
    and an empty body always hashes to ``EMPTY_PAYLOAD_HASH``.

    NOTE: A declared value such as ``UNSIGNED-PAYLOAD`` leaves the body unauthenticated.

    Args:
        body: Request body.
        headers: Request headers keyed by lower-case name.
    """
    if not body:
        return EMPTY_PAYLOAD_HASH
    declared = headers.get(CONTENT_SHA256_HEADER)
    if declared:
        return declared
    return hashlib.sha256(body).hexdigest()


def canonical_request(
    method: str,
    uri: str,
    query: str,
    header_lines: str,
    signed_headers: Sequence[str],
    hashed_payload: str,
) -> str:
    """Join the canonical parts into the canonical request.

    Args:
        method: HTTP method, upper-cased here.
        uri: Result of ``canonical_uri`` or ``sdk_canonical_uri``.
        query: Result of ``canonical_query`` or ``encoded_order_query``.
        header_lines: Result of ``canonical_headers``, which ends with a newline.
        signed_headers: Lower-case names of the signed headers, in signing order.
        hashed_payload: Result of ``payload_hash``.
    """
    return f"{method.upper()}\n{uri}\n{query}" + canonical_request_tail(
        header_lines, signed_headers, hashed_payload
    )


def canonical_request_tail(
    header_lines: str, signed_headers: Sequence[str], hashed_payload: str
) -> str:
    """Return the end of the canonical request: everything after the query line.

    A verifier that tries several URI and query forms builds this part once.
    """
    return f"\n{header_lines}\n{';'.join(signed_headers)}\n{hashed_payload}"


def received_header_value(value: bytes) -> bytes:
    """Strip a header value as received, as huaweicloudsdkcore strips the text it signs.

    A non-ASCII value is taken as UTF-8, and bytes that are not valid UTF-8 stay as they are.
    """
    if value.isascii():
        return value.strip(_ASCII_WHITESPACE)
    return encode_text(value.decode("utf-8", "surrogateescape").strip())


@functools.lru_cache(maxsize=256)
def _signed_names(signed_headers: tuple[str, ...]) -> tuple[tuple[tuple[bytes, bytes], ...], bytes]:
    """Return each signed name with its line start ``name:``, and the SignedHeaders line."""
    names = tuple((encode_text(name), encode_text(name + ":")) for name in signed_headers)
    return names, encode_text(";".join(signed_headers))


def received_request_tail(
    headers: Mapping[bytes, bytes], signed_headers: tuple[str, ...], body: bytes
) -> bytes:
    """Return the canonical request after its query line, from a request as received.

    The result is the UTF-8 form of ``canonical_request_tail`` without its first newline,
    built from header values as bytes.

    Args:
        headers: Header values as received, keyed by lower-case name.
        signed_headers: Lower-case names of the signed headers, in signing order.
        body: Request body.

    Raises:
        MissingSignedHeader: A signed header is absent from ``headers``.
    """
    names, signed_line = _signed_names(signed_headers)
    lines = []
    for name, start in names:
        value = headers.get(name)
        if value is None:
            raise MissingSignedHeader(name.decode("utf-8", "surrogateescape"))
        if value.isascii():
            lines.append(start + value.strip(_ASCII_WHITESPACE))
        else:
            lines.append(start + received_header_value(value))
    lines += (b"", signed_line, _received_payload_hash(body, headers))
    return b"\n".join(lines)


def _received_payload_hash(body: bytes, headers: Mapping[bytes, bytes]) -> bytes:
    """Return ``payload_hash`` of a request whose header values are bytes, as bytes."""
    if not body:
        return _EMPTY_PAYLOAD_HASH_BYTES
    declared = headers.get(_CONTENT_SHA256_HEADER_BYTES)
    if declared:
        return declared
    return hashlib.sha256(body).hexdigest().encode("ascii")
