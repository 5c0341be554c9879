"""Encoded response bodies with their entity tags, gzip variants and response headers."""

from __future__ import annotations

import functools
import gzip
import hashlib

# Smaller bodies fit in one TCP segment anyway; compressing them only costs time.
GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 6

Headers = list[tuple[bytes, bytes]]
_JSON = (b"content-type", b"application/json")
_VARY = (b"vary", b"Accept-Encoding")
_GZIP = (b"content-encoding", b"gzip")


class Representation:
    """A response body, its strong ETag, and its gzip encoding made on first request.

    The header lists of a 200 and of a 304 are built once per body, so a response
    only adds its X-Request-Id to them.
    """

    __slots__ = ("_gzip_headers", "_gzipped", "body", "etag", "headers", "not_modified_headers")

    def __init__(self, body: bytes, etag: bytes) -> None:
        self.body = body
        self.etag = etag
        self._gzipped: bytes | None = None
        self._gzip_headers: Headers | None = None
        vary = [_VARY] if self.compressible else []
        self.headers: Headers = [
            (b"etag", etag),
            *vary,
            _JSON,
            (b"content-length", b"%d" % len(body)),
        ]
        self.not_modified_headers: Headers = [(b"etag", etag), *vary]

    @classmethod
    def of(cls, body: bytes) -> Representation:
        """Wrap `body` with an ETag computed from its bytes."""
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        return cls(body, b'"' + digest.encode("ascii") + b'"')

    @property
    def compressible(self) -> bool:
        """Return whether the body is large enough to be sent gzipped."""
        return len(self.body) >= GZIP_MIN_BYTES

    @property
    def gzip_etag(self) -> bytes:
        """Return the ETag of the gzip variant, which differs from the identity one."""
        return self.etag[:-1] + b'-gzip"'

    def gzipped(self) -> bytes:
        """Return the body compressed with gzip, compressing it once."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)
        return self._gzipped

    @property
    def gzip_headers(self) -> Headers:
        """Return the headers of a 200 with the gzipped body."""
        if self._gzip_headers is None:
            self._gzip_headers = [
                (b"etag", self.gzip_etag),
                _VARY,
                _JSON,
                (b"content-length", b"%d" % len(self.gzipped())),
                _GZIP,
            ]
        return self._gzip_headers

    @property
    def gzip_not_modified_headers(self) -> Headers:
        """Return the headers of a 304 for the gzip variant."""
        return [(b"etag", self.gzip_etag), _VARY]

    def matches(self, if_none_match: str, *, gzipped: bool) -> bool:
        """Return whether an If-None-Match value names the variant that would be sent.

        `gzipped` selects that variant. A tag of the other variant does not match, because
        a 304 would then carry a validator that the client's stored response lacks.
        """
        if if_none_match.strip() == "*":
            return True
        tag = (self.gzip_etag if gzipped else self.etag).decode()
        return any(item.strip().removeprefix("W/") == tag for item in if_none_match.split(","))


@functools.lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: bytes) -> bool:
    """Return whether an Accept-Encoding value allows gzip (q above zero).

    An entry for gzip decides, wherever it is in the list. Without one, an entry for
    `*` decides (RFC 9110, section 12.5.3). When a coding is listed twice, the first entry
    counts. Clients send the same few values, so the results are cached.
    """
    qualities: dict[str, bool] = {}
    for item in accept_encoding.decode("latin-1").split(","):
        coding, _, params = item.strip().partition(";")
        qualities.setdefault(coding.strip().lower(), _quality_above_zero(params))
    if "gzip" in qualities:
        return qualities["gzip"]
    return qualities.get("*", False)


def _quality_above_zero(params: str) -> bool:
    """Return whether the parameters of one Accept-Encoding entry give it a q above 0."""
    quality = params.strip().lower()
    if not quality.startswith("q="):
        return True
    try:
        return float(quality[2:]) > 0
    except ValueError:
        return False
