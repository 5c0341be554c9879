"""Paging maths of the list calls: current, pages, size, total and the page slice."""

from __future__ import annotations

import json

import pytest

from liteimages.catalog.paging import Page, paginate
from liteimages.catalog.query import PageRequest

FIVE = [b'"%d"' % number for number in range(5)]


@pytest.mark.parametrize(
    ("total", "limit", "offset", "current", "pages", "size", "first", "count"),
    [
        (0, None, 0, 1, 0, 0, 0, 0),
        (5, None, 0, 1, 1, 5, 0, 5),
        (5, None, 3, 1, 1, 5, 3, 2),
        (5, None, 9, 1, 1, 5, 5, 0),
        (0, 10, 0, 1, 0, 10, 0, 0),
        (0, 10, 30, 4, 0, 10, 0, 0),
        (5, 2, 0, 1, 3, 2, 0, 2),
        (5, 2, 2, 2, 3, 2, 2, 2),
        (5, 2, 4, 3, 3, 2, 4, 1),
        (5, 2, 3, 2, 3, 2, 3, 2),
        (5, 2, 10, 6, 3, 2, 5, 0),
        (5, 5, 0, 1, 1, 5, 0, 5),
        (5, 1024, 0, 1, 1, 1024, 0, 5),
        (5, 1, 4, 5, 5, 1, 4, 1),
        (4, 2, 0, 1, 2, 2, 0, 2),
    ],
)
def test_paginate_numbers(
    total: int,
    limit: int | None,
    offset: int,
    current: int,
    pages: int,
    size: int,
    first: int,
    count: int,
) -> None:
    page = paginate(FIVE[:total], PageRequest(limit=limit, offset=offset))

    assert page.current == current
    assert page.pages == pages
    assert page.size == size
    assert page.total == total
    assert list(page.items) == FIVE[first : first + count]


def test_offset_past_end_keeps_total() -> None:
    page = paginate(FIVE, PageRequest(limit=3, offset=2_147_483_647))

    assert list(page.items) == []
    assert page.total == 5
    assert page.pages == 2


def test_encode_gives_paged_json() -> None:
    page = Page(current=2, pages=3, size=2, total=5, items=[b'{"a":1}', b'{"a":2}'])

    assert json.loads(page.encode()) == {
        "current": 2,
        "data": [{"a": 1}, {"a": 2}],
        "pages": 3,
        "size": 2,
        "total": 5,
    }


def test_encode_empty_page() -> None:
    page = paginate([], PageRequest())

    assert page.encode() == b'{"current":1,"data":[],"pages":0,"size":0,"total":0}'
