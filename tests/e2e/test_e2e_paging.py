"""Paging and sorting of ListDevServerImages through the SDK's own signing.

The SDK request classes have no `limit`, `offset`, `sort_key` or `sort_dir`, so these
parameters are added to the SDK's request description and the SDK still signs them.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from e2e_support import (
    SdkCaller,
    add_images,
    build_caller,
    check_error,
    create_tenant,
    image_ids,
    invalid_argument,
    wait_until,
)
from huaweicloudsdkmodelarts.v1 import ListDevServerImagesResponse
from sqlalchemy import select

from liteimages.catalog.enums import Arch, ServerType, Visibility
from liteimages.catalog.models import Image
from liteimages.catalog.service import ImageSpec
from liteimages.db.engine import Database
from support.server import LiveServer

SAME_TIME_IMAGES = 60
SHARED_CREATED_AT = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def everything(demo: SdkCaller) -> list[str]:
    """Return the ids of every image visible to the demo project, in the default order."""
    return image_ids(demo.list_images())


def page(
    caller: SdkCaller, limit: int | str, offset: int | str, *extra: tuple[str, str]
) -> ListDevServerImagesResponse:
    """Return one page of the image list."""
    pairs = [("limit", str(limit)), ("offset", str(offset)), *extra]
    return caller.list_images(extra=pairs)


def walk(caller: SdkCaller, limit: int, *extra: tuple[str, str]) -> list[str]:
    """Return the ids of every page in turn, checking each page's numbers on the way."""
    first = page(caller, limit, 0, *extra)
    collected: list[str] = []
    for offset in range(0, max(first.total, 1), limit):
        response = page(caller, limit, offset, *extra)
        assert response.total == first.total
        assert response.size == limit
        assert response.current == offset // limit + 1
        assert response.pages == math.ceil(first.total / limit)
        assert len(response.data) == min(limit, first.total - offset)
        collected += image_ids(response)
    return collected


@pytest.mark.parametrize("limit", [1, 2, 5, 7, 18, 19, 20])
def test_walk_pages_covers_all(demo: SdkCaller, everything: list[str], limit: int) -> None:
    assert walk(demo, limit) == everything


def test_page_is_slice_of_list(demo: SdkCaller, everything: list[str]) -> None:
    response = page(demo, 4, 6)
    assert image_ids(response) == everything[6:10]


def test_offset_between_pages(demo: SdkCaller, everything: list[str]) -> None:
    response = page(demo, 5, 3)
    assert response.current == 1
    assert image_ids(response) == everything[3:8]


def test_offset_past_end(demo: SdkCaller, everything: list[str]) -> None:
    offset = len(everything) + 10
    response = page(demo, 5, offset)
    assert response.status_code == 200
    assert response.data == []
    assert response.total == len(everything)
    assert response.current == offset // 5 + 1
    assert response.pages == math.ceil(len(everything) / 5)


def test_largest_limit_one_page(demo: SdkCaller, everything: list[str]) -> None:
    response = page(demo, 1024, 0)
    assert image_ids(response) == everything
    assert response.size == 1024
    assert response.pages == 1
    assert response.current == 1


def test_largest_offset_accepted(demo: SdkCaller, everything: list[str]) -> None:
    response = page(demo, 10, 2_147_483_647)
    assert response.data == []
    assert response.total == len(everything)


def test_limit_with_filter(demo: SdkCaller) -> None:
    bare_metal = image_ids(demo.list_images(server_type="BMS"))
    response = demo.list_images(server_type="BMS", extra=[("limit", "3"), ("offset", "3")])
    assert image_ids(response) == bare_metal[3:6]
    assert response.total == len(bare_metal)
    assert response.pages == math.ceil(len(bare_metal) / 3)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("limit", "0"),
        ("limit", "1025"),
        ("limit", "-1"),
        ("limit", "abc"),
        ("limit", "1.5"),
        ("limit", ""),
        ("offset", "-1"),
        ("offset", "abc"),
        ("offset", "2147483648"),
        ("offset", ""),
    ],
)
def test_bad_paging_parameter_rejected(demo: SdkCaller, name: str, value: str) -> None:
    error = demo.error_of(lambda: demo.list_images(extra=[(name, value)]))
    check_error(error, 400, "ModelArts.0101", invalid_argument(name))


@pytest.mark.parametrize(("name", "low", "high"), [("limit", 1, 1024), ("offset", 0, 2147483647)])
def test_bad_paging_message_names_range(demo: SdkCaller, name: str, low: int, high: int) -> None:
    error = demo.error_of(lambda: demo.list_images(extra=[(name, "-5")]))
    assert str(low) in error.error_msg
    assert str(high) in error.error_msg


@pytest.mark.parametrize("direction", ["ASC", "DESC", "asc", "desc"])
@pytest.mark.parametrize("key", ["name", "created_at", "updated_at"])
def test_sorted_walk_matches_list(demo: SdkCaller, key: str, direction: str) -> None:
    order = [("sort_key", key), ("sort_dir", direction)]
    whole = image_ids(demo.list_images(extra=order))
    assert walk(demo, 4, *order) == whole


def test_sort_by_name_descending(demo: SdkCaller) -> None:
    response = demo.list_images(extra=[("sort_key", "name"), ("sort_dir", "DESC")])
    names = [image.name for image in response.data]
    assert names == sorted(names, reverse=True)


@pytest.mark.parametrize(("name", "value"), [("sort_key", "size"), ("sort_dir", "UP")])
def test_bad_sort_parameter_rejected(demo: SdkCaller, name: str, value: str) -> None:
    error = demo.error_of(lambda: demo.list_images(extra=[(name, value)]))
    check_error(error, 400, "ModelArts.0101", invalid_argument(name))


@pytest.fixture(scope="module")
def same_time_caller(live_server: LiveServer, server_database: Database) -> SdkCaller:
    """Return a caller of a new project that owns many private images created at one instant."""
    tenant = create_tenant(server_database)
    caller = build_caller(live_server, tenant.credential)
    public_total = caller.list_images().total
    specs = [
        ImageSpec(
            name=f"same-time-{index:03d}",
            arch=Arch.X86,
            server_type=ServerType.ECS,
            visibility=Visibility.PRIVATE,
            owner_project_id=tenant.project_id,
            created_at=SHARED_CREATED_AT,
        )
        for index in range(SAME_TIME_IMAGES)
    ]
    add_images(server_database, specs)
    wait_until(lambda: caller.list_images().total == public_total + SAME_TIME_IMAGES)
    return caller


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_same_created_at_walk(same_time_caller: SdkCaller, direction: str) -> None:
    order = [("sort_key", "created_at"), ("sort_dir", direction)]
    whole = image_ids(same_time_caller.list_images(extra=order))
    walked = walk(same_time_caller, 7, *order)
    assert walked == whole
    assert len(set(walked)) == len(walked)


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_same_created_at_stable_order(same_time_caller: SdkCaller, direction: str) -> None:
    order = [("sort_key", "created_at"), ("sort_dir", direction)]
    first = image_ids(same_time_caller.list_images(extra=order))
    second = image_ids(same_time_caller.list_images(extra=[*order, ("limit", "1024")]))
    assert first == second


def test_same_created_at_images_adjacent(same_time_caller: SdkCaller) -> None:
    order = [("sort_key", "created_at"), ("sort_dir", "ASC")]
    names = [image.name for image in same_time_caller.list_images(extra=order).data]
    positions = [index for index, name in enumerate(names) if name.startswith("same-time-")]
    assert len(positions) == SAME_TIME_IMAGES
    assert positions == list(range(positions[0], positions[0] + SAME_TIME_IMAGES))


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("key", ["created_at", "updated_at"])
def test_sort_follows_timestamps(
    demo: SdkCaller, server_database: Database, key: str, direction: str
) -> None:
    response = demo.list_images(extra=[("sort_key", key), ("sort_dir", direction)])
    with server_database.read() as session:
        rows = session.execute(select(Image.id, getattr(Image, key))).all()
    stamps = {image_id: stamp for image_id, stamp in rows}
    listed = [stamps[image_id] for image_id in image_ids(response)]
    assert listed == sorted(listed, reverse=direction == "DESC")
