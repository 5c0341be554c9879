"""Content negotiation of the catalog bodies: gzip, entity tags and 304 responses."""

from __future__ import annotations

import gzip
from typing import Any

import httpx
import pytest

from liteimages.web.representation import GZIP_MIN_BYTES, Representation, accepts_gzip

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("accept_encoding", "expected"),
    [
        (b"gzip", True),
        (b"GZIP", True),
        (b"gzip, deflate", True),
        (b"br, gzip;q=0.5", True),
        (b"gzip; q=0.001", True),
        (b"gzip;q=0", False),
        (b"gzip;q=0.0", False),
        (b"gzip;q=abc", False),
        (b"*", True),
        (b"*;q=0", False),
        (b"*;q=0, gzip", True),
        (b"gzip;q=0, *", False),
        (b"gzip, gzip;q=0", True),
        (b"identity", False),
        (b"deflate, br", False),
        (b"", False),
    ],
)
def test_accepts_gzip(accept_encoding: bytes, expected: bool) -> None:
    assert accepts_gzip(accept_encoding) is expected


@pytest.fixture
def representation() -> Representation:
    return Representation.of(b"x" * GZIP_MIN_BYTES)


def test_matches_own_variant(representation: Representation) -> None:
    plain = representation.etag.decode()
    zipped = representation.gzip_etag.decode()

    assert representation.matches(plain, gzipped=False)
    assert representation.matches(zipped, gzipped=True)
    assert representation.matches(f"W/{plain}", gzipped=False)
    assert representation.matches(f'"other", {zipped}', gzipped=True)
    assert representation.matches(" * ", gzipped=True)


def test_other_variant_not_matched(representation: Representation) -> None:
    assert not representation.matches(representation.gzip_etag.decode(), gzipped=False)
    assert not representation.matches(representation.etag.decode(), gzipped=True)


def test_gzip_body_and_headers(representation: Representation) -> None:
    headers = dict(representation.gzip_headers)

    assert gzip.decompress(representation.gzipped()) == representation.body
    assert headers[b"content-length"] == b"%d" % len(representation.gzipped())
    assert headers[b"content-encoding"] == b"gzip"
    assert headers[b"vary"] == b"Accept-Encoding"
    assert headers[b"etag"] == representation.gzip_etag


def test_small_body_not_compressible() -> None:
    small = Representation.of(b"{}")

    assert not small.compressible
    assert b"vary" not in dict(small.headers)


async def test_list_sent_gzipped(http: httpx.AsyncClient, seeded: Any) -> None:
    token = {"X-Auth-Token": seeded.token}

    zipped = await http.get(seeded.images_path, headers={**token, "Accept-Encoding": "gzip"})
    plain = await http.get(seeded.images_path, headers={**token, "Accept-Encoding": "identity"})

    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.content == plain.content
    assert "content-encoding" not in plain.headers
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
async def test_not_modified_names_sent_variant(
    http: httpx.AsyncClient, seeded: Any, encoding: str
) -> None:
    headers = {"X-Auth-Token": seeded.token, "Accept-Encoding": encoding}
    first = await http.get(seeded.images_path, headers=headers)
    etag = first.headers["etag"]

    again = await http.get(seeded.images_path, headers={**headers, "If-None-Match": etag})

    assert again.status_code == 304
    assert again.headers["etag"] == etag


async def test_other_variant_tag_gets_body(http: httpx.AsyncClient, seeded: Any) -> None:
    token = {"X-Auth-Token": seeded.token}
    plain = await http.get(seeded.images_path, headers={**token, "Accept-Encoding": "identity"})

    zipped = await http.get(
        seeded.images_path,
        headers={**token, "Accept-Encoding": "gzip", "If-None-Match": plain.headers["etag"]},
    )

    assert zipped.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
