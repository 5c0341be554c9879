"""The in-memory catalog view: order, paging walks, visibility, filters and caching."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from liteimages.catalog import view as view_module
from liteimages.catalog.enums import (
    Arch,
    ChargingMode,
    ImageStatus,
    ServerType,
    SortDir,
    SortKey,
    Visibility,
)
from liteimages.catalog.query import (
    FlavorQuery,
    ImageQuery,
    PageRequest,
    parse_flavor_query,
    parse_image_query,
)
from liteimages.catalog.records import FlavorRecord, ImageRecord, encode_flavor, encode_image
from liteimages.catalog.view import CatalogView
from liteimages.errors import InvalidArgument, NoImageAvailable, NotFound

OWNER = "owner-project"
GUEST = "guest-project"
STRANGER = "stranger-project"
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def image(
    name: str,
    *,
    image_id: str | None = None,
    arch: Arch = Arch.ARM,
    server_type: ServerType = ServerType.BMS,
    status: ImageStatus = ImageStatus.ACTIVE,
    owner: str | None = None,
    shared_with: frozenset[str] = frozenset(),
    flavors: frozenset[str] = frozenset(),
    created_minutes: int = 0,
    updated_minutes: int = 0,
) -> ImageRecord:
    record = ImageRecord(
        id=image_id or str(uuid.uuid4()),
        name=name,
        arch=arch,
        server_type=server_type,
        status=status,
        visibility=Visibility.PRIVATE if owner else Visibility.PUBLIC,
        owner_project_id=owner,
        shared_with=shared_with,
        flavor_names=flavors,
        created_at=EPOCH + timedelta(minutes=created_minutes),
        updated_at=EPOCH + timedelta(minutes=updated_minutes),
    )
    return replace(record, wire=encode_image(record))


def flavor(
    name: str,
    arch: Arch = Arch.ARM,
    server_type: ServerType = ServerType.BMS,
    charging_mode: ChargingMode = ChargingMode.PRE_PAID,
) -> FlavorRecord:
    record = FlavorRecord(
        name=name,
        arch=arch,
        server_type=server_type,
        availability_zone="az1",
        charging_mode=charging_mode,
        count=1,
        flavor_type="GPU",
        roce_num=0,
        sku_code="sku",
        specification="spec",
        status="normal",
        is_sold_out=False,
    )
    return replace(record, wire=encode_flavor(record))


def listed_ids(view: CatalogView, project: str, query: ImageQuery | None = None) -> list[str]:
    page = view.list_images(project, query or ImageQuery())
    return [json.loads(item)["image_id"] for item in page.items]


def ids_of(records: list[ImageRecord]) -> list[str]:
    return [record.id for record in records]


def test_default_order_name_then_id() -> None:
    low = image("same", image_id="00000000-0000-4000-8000-000000000001")
    high = image("same", image_id="ffffffff-0000-4000-8000-000000000001")
    first = image("aaa", image_id="99999999-0000-4000-8000-000000000001")
    view = CatalogView(1, [high, low, first], [])

    assert listed_ids(view, STRANGER) == ids_of([first, low, high])


def test_wire_has_five_fields() -> None:
    record = image("n", arch=Arch.X86, server_type=ServerType.ECS, status=ImageStatus.INACTIVE)
    view = CatalogView(1, [record], [])

    assert json.loads(view.list_images(STRANGER, ImageQuery()).items[0]) == {
        "arch": "X86",
        "image_id": record.id,
        "name": "n",
        "server_type": "ECS",
        "status": "INACTIVE",
    }


@pytest.mark.parametrize(
    ("sort_key", "sort_dir", "expected"),
    [
        ("name", "ASC", ["a", "b", "c"]),
        ("name", "DESC", ["c", "b", "a"]),
        ("created_at", "ASC", ["b", "c", "a"]),
        ("created_at", "DESC", ["a", "c", "b"]),
        ("updated_at", "ASC", ["c", "a", "b"]),
        ("updated_at", "DESC", ["b", "a", "c"]),
    ],
)
def test_sort_key_and_direction(sort_key: str, sort_dir: str, expected: list[str]) -> None:
    images = [
        image("a", created_minutes=30, updated_minutes=20),
        image("b", created_minutes=10, updated_minutes=30),
        image("c", created_minutes=20, updated_minutes=10),
    ]
    view = CatalogView(1, images, [])
    query = parse_image_query([("sort_key", sort_key), ("sort_dir", sort_dir)])

    names = [json.loads(item)["name"] for item in view.list_images(STRANGER, query).items]

    assert names == expected


def test_created_at_ties_broken_by_id() -> None:
    ids = sorted(str(uuid.uuid4()) for _ in range(6))
    images = [image(f"n{index}", image_id=value) for index, value in enumerate(reversed(ids))]
    view = CatalogView(1, images, [])
    query = parse_image_query([("sort_key", "created_at")])

    assert listed_ids(view, STRANGER, query) == ids


def random_catalog(rng: random.Random) -> list[ImageRecord]:
    """Build a catalog with many ties in name and time, and mixed visibility."""
    images = []
    for _ in range(rng.randint(0, 40)):
        owner = rng.choice([None, None, OWNER, GUEST])
        shared: frozenset[str] = frozenset()
        if owner:
            shared = frozenset(rng.sample([GUEST, STRANGER], rng.randint(0, 2)))
        images.append(
            image(
                rng.choice(["a", "b", "c"]),
                image_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                owner=owner,
                shared_with=shared,
                created_minutes=rng.randint(0, 3),
                updated_minutes=rng.randint(0, 3),
            )
        )
    return images


def test_paging_walk_returns_each_image_once() -> None:
    rng = random.Random(20240601)
    for _ in range(300):
        images = random_catalog(rng)
        view = CatalogView(1, images, [])
        project = rng.choice([OWNER, GUEST, STRANGER])
        visible = {record.id for record in images if record.visible_to(project)}
        if not visible:
            with pytest.raises(NoImageAvailable):
                view.list_images(project, ImageQuery())
            continue
        sort_key = rng.choice(list(SortKey))
        sort_dir = rng.choice(list(SortDir))
        limit = rng.randint(1, 7)
        whole = listed_ids(view, project, ImageQuery(sort_key=sort_key, sort_dir=sort_dir))
        walked: list[str] = []
        for offset in range(0, len(visible), limit):
            query = ImageQuery(
                sort_key=sort_key, sort_dir=sort_dir, page=PageRequest(limit=limit, offset=offset)
            )
            walked.extend(listed_ids(view, project, query))

        assert walked == whole
        assert len(walked) == len(set(walked))
        assert set(walked) == visible


def test_descending_is_reverse_of_ascending() -> None:
    rng = random.Random(7)
    for _ in range(50):
        images = random_catalog(rng) + [image("public")]
        view = CatalogView(1, images, [])
        for sort_key in SortKey:
            ascending = listed_ids(view, OWNER, ImageQuery(sort_key=sort_key))
            reverse = ImageQuery(sort_key=sort_key, sort_dir=SortDir.DESC)
            descending = listed_ids(view, OWNER, reverse)

            assert descending == ascending[::-1]


def visibility_view() -> tuple[CatalogView, dict[str, ImageRecord]]:
    records = {
        "public": image("public"),
        "private": image("private", owner=OWNER),
        "shared": image("shared", owner=OWNER, shared_with=frozenset({GUEST})),
    }
    return CatalogView(1, list(records.values()), []), records


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        (OWNER, ["private", "public", "shared"]),
        (GUEST, ["public", "shared"]),
        (STRANGER, ["public"]),
    ],
)
def test_visibility_by_project(project: str, expected: list[str]) -> None:
    view, _ = visibility_view()

    names = [json.loads(item)["name"] for item in view.list_images(project, ImageQuery()).items]

    assert names == expected


@pytest.mark.parametrize(
    ("project", "name"),
    [(STRANGER, "private"), (STRANGER, "shared"), (GUEST, "private")],
)
def test_get_image_hidden_from_other_project(project: str, name: str) -> None:
    view, records = visibility_view()

    with pytest.raises(NotFound) as caught:
        view.get_image(project, records[name].id)

    assert caught.value.message == f"Object ({records[name].id}) does not exist"


@pytest.mark.parametrize(
    ("project", "name"),
    [(OWNER, "private"), (OWNER, "shared"), (GUEST, "shared"), (STRANGER, "public")],
)
def test_get_image_visible(project: str, name: str) -> None:
    view, records = visibility_view()

    assert view.get_image(project, records[name].id) == records[name]


def test_get_unknown_image() -> None:
    view, _ = visibility_view()

    with pytest.raises(NotFound):
        view.get_image(OWNER, str(uuid.uuid4()))


def flavor_view() -> CatalogView:
    images = [
        image("boots-both", flavors=frozenset({"f1", "f2"})),
        image("boots-f1", flavors=frozenset({"f1"})),
        image("boots-none"),
        image("private-f1", owner=OWNER, flavors=frozenset({"f1"})),
    ]
    flavors = [flavor("f1"), flavor("f2"), flavor("f-unused")]
    return CatalogView(1, images, flavors)


@pytest.mark.parametrize(
    ("project", "flavor_name", "expected"),
    [
        (STRANGER, "f1", ["boots-both", "boots-f1"]),
        (OWNER, "f1", ["boots-both", "boots-f1", "private-f1"]),
        (STRANGER, "f2", ["boots-both"]),
        (STRANGER, "f-unused", []),
    ],
)
def test_flavor_filter_follows_links(project: str, flavor_name: str, expected: list[str]) -> None:
    query = parse_image_query([("flavor_name", flavor_name)])

    page = flavor_view().list_images(project, query)

    assert [json.loads(item)["name"] for item in page.items] == expected
    assert page.total == len(expected)


@pytest.mark.parametrize("parameter", ["flavor_name", "resource_flavor_name"])
def test_unknown_flavor_rejected(parameter: str) -> None:
    query = parse_image_query([(parameter, "no-such-flavor")])

    with pytest.raises(InvalidArgument) as caught:
        flavor_view().list_images(STRANGER, query)

    assert caught.value.parameter == parameter
    assert "'no-such-flavor'" in caught.value.message


def test_empty_catalog_raises_no_image() -> None:
    view = CatalogView(0, [], [flavor("f1")])

    with pytest.raises(NoImageAvailable) as caught:
        view.list_images(STRANGER, ImageQuery())

    assert caught.value.message == "No Lite Server image is available"
    assert caught.value.error_code == "ModelArts.5058"


def test_only_foreign_private_images_raises_no_image() -> None:
    view = CatalogView(1, [image("p", owner=OWNER)], [])

    with pytest.raises(NoImageAvailable):
        view.list_images(STRANGER, ImageQuery())


def test_empty_catalog_checked_before_flavor() -> None:
    view = CatalogView(0, [], [])

    with pytest.raises(NoImageAvailable):
        view.list_images(STRANGER, parse_image_query([("flavor_name", "unknown")]))


def filter_view() -> CatalogView:
    return CatalogView(
        1,
        [
            image("arm-bms", arch=Arch.ARM, server_type=ServerType.BMS),
            image("x86-bms", arch=Arch.X86, server_type=ServerType.BMS),
            image("x86-ecs", arch=Arch.X86, server_type=ServerType.ECS),
            image("arm-hps-off", server_type=ServerType.HPS, status=ImageStatus.INACTIVE),
            image("a:b,c"),
        ],
        [],
    )


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([("server_type", "bms")], ["a:b,c", "arm-bms", "x86-bms"]),
        ([("server_type", "ECS")], ["x86-ecs"]),
        ([("arch", "x86")], ["x86-bms", "x86-ecs"]),
        ([("status", "inactive")], ["arm-hps-off"]),
        ([("name", "x86-ecs")], ["x86-ecs"]),
        ([("name", "x86")], []),
        ([("name", "a:b,c")], ["a:b,c"]),
        ([("server_type", "bms"), ("arch", "x86")], ["x86-bms"]),
        ([("server_type", "hps"), ("status", "active")], []),
    ],
)
def test_filters(pairs: list[tuple[str, str]], expected: list[str]) -> None:
    page = filter_view().list_images(STRANGER, parse_image_query(pairs))

    assert [json.loads(item)["name"] for item in page.items] == expected


def test_filter_matching_nothing_is_empty_page() -> None:
    page = filter_view().list_images(STRANGER, parse_image_query([("name", "none")]))

    assert page.encode() == b'{"current":1,"data":[],"pages":0,"size":0,"total":0}'


def test_flavor_list_sorted_and_filtered() -> None:
    view = CatalogView(
        1,
        [],
        [
            flavor("z-arm", Arch.ARM, ServerType.BMS, ChargingMode.PRE_PAID),
            flavor("a-x86", Arch.X86, ServerType.ECS, ChargingMode.POST_PAID),
            flavor("m-arm", Arch.ARM, ServerType.ECS, ChargingMode.POST_PAID),
        ],
    )

    def names(pairs: list[tuple[str, str]]) -> list[str]:
        page = view.list_flavors(parse_flavor_query(pairs))
        return [json.loads(item)["flavor"] for item in page.items]

    assert names([]) == ["a-x86", "m-arm", "z-arm"]
    assert names([("arch", "arm")]) == ["m-arm", "z-arm"]
    assert names([("server_type", "ecs")]) == ["a-x86", "m-arm"]
    assert names([("charging_mode", "pre_paid")]) == ["z-arm"]
    assert names([("limit", "1"), ("offset", "1")]) == ["m-arm"]


def test_flavor_list_on_empty_catalog() -> None:
    page = CatalogView(0, [], []).list_flavors(FlavorQuery())

    assert page.total == 0
    assert page.pages == 0


def test_has_flavor() -> None:
    view = flavor_view()

    assert view.has_flavor("f1")
    assert not view.has_flavor("f3")
    assert not view.has_flavor("f" * 200)


def test_counts() -> None:
    view = flavor_view()

    assert view.image_count == 4
    assert view.flavor_count == 3


def all_queries(rng: random.Random) -> list[tuple[str, ImageQuery]]:
    queries = []
    for _ in range(400):
        pairs = [("sort_key", rng.choice(["name", "created_at", "updated_at"]))]
        pairs.append(("sort_dir", rng.choice(["asc", "desc"])))
        if rng.random() < 0.5:
            pairs.append(("name", rng.choice(["a", "b", "c"])))
        if rng.random() < 0.3:
            pairs.append(("limit", str(rng.randint(1, 5))))
        queries.append((rng.choice([OWNER, GUEST, STRANGER]), parse_image_query(pairs)))
    return queries


def test_match_cache_bound_keeps_results(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(99)
    images = [*random_catalog(rng), *random_catalog(rng), image("public")]
    queries = all_queries(rng)
    expected = [CatalogView(1, images, []).list_images(p, q).encode() for p, q in queries]
    bound = 12
    monkeypatch.setattr(view_module, "MAX_CACHED_REFERENCES", bound)
    bounded = CatalogView(1, images, [])

    results = [bounded.list_images(project, query).encode() for project, query in queries]
    # The same queries again, now partly served from the cache.
    repeated = [bounded.list_images(project, query).encode() for project, query in queries]

    assert results == expected
    assert repeated == expected
    assert bounded._cached_references <= max(bound, len(images))
