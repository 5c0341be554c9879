"""The three catalog reads through the official SDK, against the demo catalog."""

from __future__ import annotations

import pytest
from e2e_support import IMAGE_ID, SdkCaller, image_ids
from huaweicloudsdkmodelarts.v1 import ListDevServerImagesResponse
from sqlalchemy import select

from liteimages.catalog.models import Flavor, Image, ImageFlavor
from liteimages.db.engine import Database

DOCUMENTED_IMAGES = [
    ("d7811cdb-b0c6-44fe-9931-1f3b2b6ef477",
     "ModelArts_Lite Server-Euler2.8_aarch64_CPU-20220913175531", "ARM"),
    ("83f4aa72-53ec-4806-85b5-3f84082ba964",
     "ModelArts_Lite Server-custom_x86_64_NPU-20230207093857", "X86"),
]  # fmt: skip
BARE_METAL_FLAVOR = "physical.kat2.48xlarge.8.313t.ei"
LINKED_IMAGE = "HCE2.0-Arm-64bit-for-Snt9B-BareMetal-with-CANN8.0.0-20250110"
UNLINKED_IMAGE = "HCE2.0-Arm-64bit-for-Snt9B-BareMetal-with-CANN8.1.RC1-20250423"
IMAGE_FIELDS = {"arch", "image_id", "name", "server_type", "status"}
FLAVOR_FIELDS = {
    "flavor", "arch", "server_type", "availability_zone", "charging_mode", "count",
    "flavor_type", "roce_num", "sku_code", "specification", "status", "is_sold_out",
}  # fmt: skip


@pytest.fixture(scope="module")
def everything(demo: SdkCaller) -> ListDevServerImagesResponse:
    """Return the unfiltered image list of the demo project."""
    return demo.list_images()


def linked_image_ids(database: Database, flavor_name: str) -> set[str]:
    """Return the ids of the images that the database links to a flavor."""
    query = (
        select(Image.id)
        .join(ImageFlavor, ImageFlavor.image_id == Image.id)
        .join(Flavor, Flavor.id == ImageFlavor.flavor_id)
        .where(Flavor.name == flavor_name)
    )
    with database.read() as session:
        return set(session.scalars(query))


def test_list_without_filter_pages(everything: ListDevServerImagesResponse) -> None:
    assert everything.status_code == 200
    assert everything.total == len(everything.data)
    assert everything.total > 0
    assert everything.current == 1
    assert everything.pages == 1
    assert everything.size == everything.total


def test_list_items_have_five_fields(demo: SdkCaller) -> None:
    demo.list_images()
    assert demo.recorder.last is not None
    for item in demo.recorder.last.json()["data"]:
        assert set(item) == IMAGE_FIELDS


def test_list_item_values_follow_rules(everything: ListDevServerImagesResponse) -> None:
    for image in everything.data:
        assert IMAGE_ID.fullmatch(image.image_id), image.image_id
        assert image.arch in ("ARM", "X86")
        assert image.server_type in ("BMS", "ECS", "HPS")
        assert image.status in ("ACTIVE", "INACTIVE")
        assert 1 <= len(image.name) <= 256


def test_list_returns_both_statuses(everything: ListDevServerImagesResponse) -> None:
    statuses = {image.status for image in everything.data}
    assert statuses == {"ACTIVE", "INACTIVE"}


def test_list_ids_are_unique(everything: ListDevServerImagesResponse) -> None:
    ids = image_ids(everything)
    assert len(set(ids)) == len(ids)


def test_list_sorted_by_name_then_id(everything: ListDevServerImagesResponse) -> None:
    keys = [(image.name, image.image_id) for image in everything.data]
    assert keys == sorted(keys)


def test_list_contains_documented_images(everything: ListDevServerImagesResponse) -> None:
    by_id = {image.image_id: image for image in everything.data}
    for image_id, name, _ in DOCUMENTED_IMAGES:
        assert by_id[image_id].name == name


@pytest.mark.parametrize("server_type", ["BMS", "ECS", "HPS"])
def test_list_by_server_type(
    demo: SdkCaller, everything: ListDevServerImagesResponse, server_type: str
) -> None:
    expected = [image.image_id for image in everything.data if image.server_type == server_type]
    response = demo.list_images(server_type=server_type)
    assert expected
    assert image_ids(response) == expected
    assert response.total == len(expected)
    assert response.size == len(expected)
    assert response.pages == 1
    assert response.current == 1


@pytest.mark.parametrize("spelling", ["bms", "Bms", "bMs"])
def test_list_server_type_any_case(
    demo: SdkCaller, everything: ListDevServerImagesResponse, spelling: str
) -> None:
    expected = [image.image_id for image in everything.data if image.server_type == "BMS"]
    response = demo.list_images(server_type=spelling)
    assert image_ids(response) == expected
    assert {image.server_type for image in response.data} == {"BMS"}


def test_list_by_flavor_matches_links(
    demo: SdkCaller, everything: ListDevServerImagesResponse, server_database: Database
) -> None:
    visible = set(image_ids(everything))
    expected = linked_image_ids(server_database, BARE_METAL_FLAVOR) & visible
    response = demo.list_images(flavor_name=BARE_METAL_FLAVOR)
    assert expected
    assert set(image_ids(response)) == expected
    assert response.total == len(expected)


def test_list_by_flavor_linked_image_in(demo: SdkCaller) -> None:
    names = [image.name for image in demo.list_images(flavor_name=BARE_METAL_FLAVOR).data]
    assert LINKED_IMAGE in names


def test_list_by_flavor_unlinked_image_out(
    demo: SdkCaller, everything: ListDevServerImagesResponse
) -> None:
    names = [image.name for image in demo.list_images(flavor_name=BARE_METAL_FLAVOR).data]
    assert UNLINKED_IMAGE in [image.name for image in everything.data]
    assert UNLINKED_IMAGE not in names


def test_list_by_flavor_and_server_type(demo: SdkCaller) -> None:
    both = demo.list_images(server_type="BMS", flavor_name=BARE_METAL_FLAVOR)
    flavor_only = demo.list_images(flavor_name=BARE_METAL_FLAVOR)
    assert image_ids(both) == image_ids(flavor_only)


def test_list_filter_without_match_is_empty(demo: SdkCaller) -> None:
    response = demo.list_images(server_type="HPS", flavor_name=BARE_METAL_FLAVOR)
    assert response.status_code == 200
    assert response.data == []
    assert response.total == 0
    assert response.pages == 0
    assert response.current == 1
    assert response.size == 0


def test_list_ignores_unknown_parameters(
    demo: SdkCaller, everything: ListDevServerImagesResponse
) -> None:
    response = demo.list_images(extra=[("marker", "x"), ("foo", "bar")])
    assert image_ids(response) == image_ids(everything)


@pytest.mark.parametrize(("image_id", "name", "arch"), DOCUMENTED_IMAGES)
def test_get_documented_image(demo: SdkCaller, image_id: str, name: str, arch: str) -> None:
    image = demo.get_image(image_id)
    assert image.status_code == 200
    assert image.image_id == image_id
    assert image.name == name
    assert image.arch == arch
    assert image.server_type == "ECS"
    assert image.status == "ACTIVE"


def test_get_image_has_five_fields(demo: SdkCaller) -> None:
    demo.get_image(DOCUMENTED_IMAGES[0][0])
    assert demo.recorder.last is not None
    assert set(demo.recorder.last.json()) == IMAGE_FIELDS


def test_get_matches_list_entry(demo: SdkCaller, everything: ListDevServerImagesResponse) -> None:
    for listed in everything.data:
        image = demo.get_image(listed.image_id)
        fields = (image.image_id, image.name, image.arch, image.server_type, image.status)
        assert fields == (
            listed.image_id,
            listed.name,
            listed.arch,
            listed.server_type,
            listed.status,
        )


def test_flavors_without_filter(demo: SdkCaller) -> None:
    response = demo.list_flavors()
    assert response.status_code == 200
    assert response.total == len(response.data)
    assert response.total > 0
    assert response.current == 1
    assert response.pages == 1
    assert response.size == response.total


def test_flavor_items_have_all_fields(demo: SdkCaller) -> None:
    demo.list_flavors()
    assert demo.recorder.last is not None
    for item in demo.recorder.last.json()["data"]:
        assert set(item) == FLAVOR_FIELDS
        assert isinstance(item["is_sold_out"], bool)


def test_flavors_include_linked_flavor(demo: SdkCaller) -> None:
    names = [flavor.flavor for flavor in demo.list_flavors().data]
    assert BARE_METAL_FLAVOR in names


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("server_type", "BMS"),
        ("server_type", "ECS"),
        ("server_type", "HPS"),
        ("arch", "ARM"),
        ("arch", "X86"),
        ("charging_mode", "PRE_PAID"),
        ("charging_mode", "POST_PAID"),
    ],
)
def test_flavors_by_filter(demo: SdkCaller, field: str, value: str) -> None:
    everything = demo.list_flavors().data
    expected = [flavor.flavor for flavor in everything if getattr(flavor, field) == value]
    filters: dict[str, str | None] = {"server_type": None, "arch": None, "charging_mode": None}
    filters[field] = value.lower()
    response = demo.list_flavors(filters["server_type"], filters["arch"], filters["charging_mode"])
    assert expected
    assert [flavor.flavor for flavor in response.data] == expected
    assert response.total == len(expected)
    assert response.size == len(expected)


def test_flavors_combined_filters(demo: SdkCaller) -> None:
    everything = demo.list_flavors().data
    expected = [
        flavor.flavor
        for flavor in everything
        if flavor.server_type == "ECS" and flavor.arch == "X86"
        and flavor.charging_mode == "POST_PAID"
    ]  # fmt: skip
    response = demo.list_flavors(server_type="ECS", arch="X86", charging_mode="POST_PAID")
    assert expected
    assert [flavor.flavor for flavor in response.data] == expected


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [("arch", "arm", "arch"), ("arch", "X86", "arch"), ("status", "inactive", "status")],
)
def test_list_extra_enum_filters(
    demo: SdkCaller, everything: ListDevServerImagesResponse, name: str, value: str, field: str
) -> None:
    expected = [
        image.image_id for image in everything.data if getattr(image, field) == value.upper()
    ]
    response = demo.list_images(extra=[(name, value)])
    assert expected
    assert image_ids(response) == expected


def test_list_name_filter_exact(demo: SdkCaller) -> None:
    image_id, name, _ = DOCUMENTED_IMAGES[0]
    assert image_ids(demo.list_images(extra=[("name", name)])) == [image_id]
    assert demo.list_images(extra=[("name", name[:-1])]).data == []


def test_flavors_paged(demo: SdkCaller) -> None:
    everything = [flavor.flavor for flavor in demo.list_flavors().data]
    response = demo.list_flavors(extra=[("limit", "3"), ("offset", "3")])
    assert [flavor.flavor for flavor in response.data] == everything[3:6]
    assert response.size == 3
    assert response.current == 2
    assert response.total == len(everything)
    assert response.pages == -(-len(everything) // 3)
