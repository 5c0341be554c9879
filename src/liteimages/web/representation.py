"""Encoded response bodies with their entity tags and gzip variants."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field

# Smaller bodies fit in one TCP segment anyway; compressing them only costs time.
GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 6


@dataclass(slots=True)
class Representation:
    """A response body, its strong ETag, and its gzip encoding made on first request."""

    body: bytes
    etag: bytes
    _gzipped: bytes | None = field(default=None, repr=False)

    @classmethod
    def of(cls, body: bytes) -> Representation:
        """Wrap `body` with an ETag computed from its bytes."""
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        return cls(body, b'"' + digest.encode("ascii") + b'"')

    @property
    def gzip_etag(self) -> bytes:
        """Return the ETag of the gzip variant, which differs from the identity one."""
        return self.etag[:-1] + b'-gzip"'

    def gzipped(self) -> bytes:
        """Return the body compressed with gzip, compressing it once."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)
        return self._gzipped

    def matches(self, if_none_match: str) -> bool:
        """Return whether an If-None-Match value names either variant of this body."""
        if if_none_match.strip() == "*":
            return True
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return self.etag.decode() in tags or self.gzip_etag.decode() in tags


def accepts_gzip(accept_encoding: str) -> bool:
    """Return whether an Accept-Encoding value allows gzip (q above zero)."""
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "*"):
            continue
        quality = params.strip().lower()
        if quality.startswith("q="):
            try:
                return float(quality[2:]) > 0
            except ValueError:
                return False
        return True
    return False
