"""Canonical URI, query, header and payload forms."""

from __future__ import annotations

import hashlib

import pytest

from liteimages.signing import (
    EMPTY_PAYLOAD_HASH,
    MissingSignedHeader,
    canonical_headers,
    canonical_query,
    canonical_query_from_pairs,
    canonical_query_orders,
    canonical_request,
    canonical_uri,
    encoded_order_query,
    payload_hash,
    sdk_canonical_uri,
)

URI_CASES = [
    ("/v1/images", "/v1/images/"),
    ("/v1/images/", "/v1/images/"),
    ("/", "/"),
    ("", "/"),
    ("/v1/my%20image", "/v1/my%20image/"),
    ("/v1/%7Euser/~x", "/v1/~user/~x/"),
    ("/v1/%e5%90%8d%E7%A7%B0", "/v1/%E5%90%8D%E7%A7%B0/"),
    ("/v1/a+b", "/v1/a%2Bb/"),
    ("/v1/a%2Fb", "/v1/a%2Fb/"),
    ("/v1/a%2fb/", "/v1/a%2Fb/"),
    ("/v1//x", "/v1//x/"),
    ("/v1/a:b@c!", "/v1/a%3Ab%40c%21/"),
    ("/v1/%FF%C3", "/v1/%FF%C3/"),
    ("/v1/%zz/%", "/v1/%25zz/%25/"),
]


@pytest.mark.parametrize(("raw_path", "expected"), URI_CASES)
def test_canonical_uri_table(raw_path: str, expected: str) -> None:
    assert canonical_uri(raw_path) == expected


SDK_URI_CASES = [
    ("/v1/a%2Fb", "/v1/a/b/"),
    ("/v1/a%2fb%20c/", "/v1/a/b%20c/"),
    ("/v1/my%20image", "/v1/my%20image/"),
    ("/v1/%FF", "/v1/%FF/"),
]


@pytest.mark.parametrize(("raw_path", "expected"), SDK_URI_CASES)
def test_sdk_canonical_uri_table(raw_path: str, expected: str) -> None:
    assert sdk_canonical_uri(raw_path) == expected


QUERY_CASES = [
    ("", ""),
    ("b=2&a=1", "a=1&b=2"),
    ("a=1&&b=2&", "a=1&b=2"),
    ("a", "a="),
    ("a=", "a="),
    ("q=a+b", "q=a%2Bb"),
    ("q=a%2Bb", "q=a%2Bb"),
    ("q=a%20b", "q=a%20b"),
    ("q=%7E~", "q=~~"),
    ("t=b&t=a&t=a%20b", "t=a&t=a%20b&t=b"),
    ("b=1&B=2&a=3", "B=2&a=3&b=1"),
    ("a==b", "a=%3Db"),
    ("%E5%90%8D%E7%A7%B0=%c3%a9", "%E5%90%8D%E7%A7%B0=%C3%A9"),
    ("%FF=%FE&%zz=%", "%25zz=%25&%FF=%FE"),
    ("k=~&k=%C3%A9", "k=~&k=%C3%A9"),
]


@pytest.mark.parametrize(("raw_query", "expected"), QUERY_CASES)
def test_canonical_query_table(raw_query: str, expected: str) -> None:
    assert canonical_query(raw_query) == expected


ORDER_CASES = [
    ("k=~&k=%C3%A9", "k=~&k=%C3%A9", "k=%C3%A9&k=~"),
    ("k=_&k=%7B", "k=_&k=%7B", "k=%7B&k=_"),
    ("a%20=1&a-=2", "a%20=1&a-=2", "a%20=1&a-=2"),
]


@pytest.mark.parametrize(("raw_query", "decoded", "encoded"), ORDER_CASES)
def test_query_orders_table(raw_query: str, decoded: str, encoded: str) -> None:
    decoded_order, encoded_order = canonical_query_orders(raw_query)

    assert canonical_query(raw_query) == decoded
    assert encoded_order_query(raw_query) == encoded
    assert decoded_order == decoded
    assert encoded_order == (None if encoded == decoded else encoded)


def test_query_from_pairs_encodes() -> None:
    pairs = [("名称", "é"), ("a", "b c"), ("a", "+"), ("x", "")]

    assert canonical_query_from_pairs(pairs) == "a=%2B&a=b%20c&x=&%E5%90%8D%E7%A7%B0=%C3%A9"


def test_query_from_pairs_matches_raw() -> None:
    raw_query = "name=my%20image&limit=10&%E5%90%8D=%7E"
    pairs = [("name", "my image"), ("limit", "10"), ("名", "~")]

    assert canonical_query_from_pairs(pairs) == canonical_query(raw_query)


def test_canonical_headers_strips_values() -> None:
    headers = {"host": "127.0.0.1:8080", "x-sdk-date": "20240301T120000Z", "x-a": "  v  "}

    block = canonical_headers(headers, ["host", "x-a", "x-sdk-date"])

    assert block == "host:127.0.0.1:8080\nx-a:v\nx-sdk-date:20240301T120000Z\n"


def test_canonical_headers_missing_raises() -> None:
    with pytest.raises(MissingSignedHeader, match="x-security-token") as caught:
        canonical_headers({"host": "h"}, ["host", "x-security-token"])

    assert caught.value.name == "x-security-token"


PAYLOAD_CASES = [
    (b"", {}, EMPTY_PAYLOAD_HASH),
    (b"", {"x-sdk-content-sha256": "UNSIGNED-PAYLOAD"}, EMPTY_PAYLOAD_HASH),
    (b"{}", {"x-sdk-content-sha256": "UNSIGNED-PAYLOAD"}, "UNSIGNED-PAYLOAD"),
    (b"{}", {"x-sdk-content-sha256": ""}, hashlib.sha256(b"{}").hexdigest()),
    (b"{}", {}, hashlib.sha256(b"{}").hexdigest()),
]


@pytest.mark.parametrize(("body", "headers", "expected"), PAYLOAD_CASES)
def test_payload_hash_table(body: bytes, headers: dict[str, str], expected: str) -> None:
    assert payload_hash(body, headers) == expected


def test_empty_payload_hash_constant() -> None:
    assert hashlib.sha256(b"").hexdigest() == EMPTY_PAYLOAD_HASH


def test_canonical_request_layout() -> None:
    header_lines = "host:h\nx-sdk-date:d\n"

    result = canonical_request("get", "/v1/", "a=1", header_lines, ["host", "x-sdk-date"], "H")

    assert result == "GET\n/v1/\na=1\nhost:h\nx-sdk-date:d\n\nhost;x-sdk-date\nH"
