"""Slice a list of matches into one page and encode the paged response."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from liteimages.catalog.query import PageRequest


@dataclass(frozen=True, slots=True)
class Page:
    """The numbers of a paged response, plus the encoded items of this page.

    Without a limit every match after the offset comes in one page whose size is
    the total. With a limit, `current` is `offset // limit + 1` and `pages` is the
    total divided by the limit, rounded up.
    """

    current: int
    pages: int
    size: int
    total: int
    items: Sequence[bytes]

    def encode(self) -> bytes:
        """Return the response body: `current`, `data`, `pages`, `size`, `total`."""
        return b"".join(
            (
                b'{"current":%d,"data":[' % self.current,
                b",".join(self.items),
                b'],"pages":%d,"size":%d,"total":%d}' % (self.pages, self.size, self.total),
            )
        )


def paginate(wires: Sequence[bytes], request: PageRequest) -> Page:
    """Return the page of `wires` that `request` selects."""
    total = len(wires)
    offset = request.offset
    if request.limit is None:
        return Page(
            current=1, pages=1 if total else 0, size=total, total=total, items=wires[offset:]
        )
    limit = request.limit
    return Page(
        current=offset // limit + 1,
        pages=-(-total // limit),
        size=limit,
        total=total,
        items=wires[offset : offset + limit],
    )
