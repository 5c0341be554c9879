"""Query parameter and image id rules, and special characters in flavor names."""

from __future__ import annotations

import re

import pytest
from e2e_support import (
    SdkCaller,
    build_caller,
    check_error,
    create_tenant,
    image_ids,
    invalid_argument,
    wait_until,
)

from liteimages.catalog.enums import Arch, ServerType, Visibility
from liteimages.catalog.service import FlavorSpec, ImageSpec, add_flavor, add_image, link_flavor
from liteimages.db.engine import Database
from support.server import LiveServer

KNOWN_FLAVOR = "physical.kat2.48xlarge.8.313t.ei"
SPECIAL_FLAVOR = "名称 a+b~:,"
SPECIAL_FLAVORS = ["名称", "a+b", "a b", "~", "a:b,c", "a&b=c", "%41", "*", "a/b", "é?#"]


def unknown_flavor(name: str) -> re.Pattern[str]:
    """Return the pattern of the unknown-flavor message naming `name`."""
    prefix = re.escape("Invalid argument. parameter [flavor_name] ")
    return re.compile(prefix + ".*" + re.escape(name) + ".*", re.DOTALL)


# server_type


@pytest.mark.parametrize("value", ["XYZ", "BMS,ECS", "BM", "BMS ", "*"])
def test_bad_server_type_rejected(demo: SdkCaller, value: str) -> None:
    error = demo.error_of(lambda: demo.list_images(server_type=value))
    check_error(error, 400, "ModelArts.0101", invalid_argument("server_type"))


def test_bad_server_type_lists_allowed(demo: SdkCaller) -> None:
    error = demo.error_of(lambda: demo.list_images(server_type="XYZ"))
    for allowed in ("BMS", "ECS", "HPS"):
        assert allowed in error.error_msg


@pytest.mark.parametrize("name", ["server_type", "flavor_name"])
def test_empty_value_rejected(demo: SdkCaller, name: str) -> None:
    error = demo.error_of(lambda: demo.list_images(extra=[(name, "")]))
    check_error(error, 400, "ModelArts.0101", invalid_argument(name))


def test_empty_server_type_from_request(demo: SdkCaller) -> None:
    error = demo.error_of(lambda: demo.list_images(server_type=""))
    check_error(error, 400, "ModelArts.0101", invalid_argument("server_type"))


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("server_type", ("BMS", "ECS")),
        ("server_type", ("BMS", "BMS")),
        ("flavor_name", (KNOWN_FLAVOR, KNOWN_FLAVOR)),
    ],
)
def test_repeated_parameter_rejected(demo: SdkCaller, name: str, values: tuple[str, str]) -> None:
    error = demo.error_of(lambda: demo.list_images(extra=[(name, value) for value in values]))
    check_error(error, 400, "ModelArts.0101", invalid_argument(name))


def test_flavor_and_alias_together_rejected(demo: SdkCaller) -> None:
    pairs = [("flavor_name", KNOWN_FLAVOR), ("resource_flavor_name", KNOWN_FLAVOR)]
    error = demo.error_of(lambda: demo.list_images(extra=pairs))
    assert error.status_code == 400
    assert error.error_code == "ModelArts.0101"


def test_flavor_alias_filters(demo: SdkCaller) -> None:
    expected = image_ids(demo.list_images(flavor_name=KNOWN_FLAVOR))
    response = demo.list_images(extra=[("resource_flavor_name", KNOWN_FLAVOR)])
    assert expected
    assert image_ids(response) == expected


def test_flavor_alias_unknown_flavor(demo: SdkCaller) -> None:
    error = demo.error_of(lambda: demo.list_images(extra=[("resource_flavor_name", "nope.1")]))
    assert error.status_code == 400
    assert "nope.1" in error.error_msg


# flavor_name length and unknown flavors


def test_flavor_name_too_long(demo: SdkCaller) -> None:
    error = demo.error_of(lambda: demo.list_images(flavor_name="f" * 129))
    check_error(error, 400, "ModelArts.0101", invalid_argument("flavor_name"))


def test_flavor_name_counts_characters(demo: SdkCaller) -> None:
    longest = "名" * 128
    too_long = "名" * 129
    check_error(
        demo.error_of(lambda: demo.list_images(flavor_name=longest)),
        400,
        "ModelArts.0101",
        unknown_flavor(longest),
    )
    check_error(
        demo.error_of(lambda: demo.list_images(flavor_name=too_long)),
        400,
        "ModelArts.0101",
        invalid_argument("flavor_name"),
    )


def test_flavor_name_longest_unknown(demo: SdkCaller) -> None:
    name = "f" * 128
    error = demo.error_of(lambda: demo.list_images(flavor_name=name))
    check_error(error, 400, "ModelArts.0101", unknown_flavor(name))


def test_unknown_flavor_named(demo: SdkCaller) -> None:
    error = demo.error_of(lambda: demo.list_images(flavor_name="no.such.flavor"))
    check_error(error, 400, "ModelArts.0101", unknown_flavor("no.such.flavor"))


def test_flavor_matched_literally(demo: SdkCaller) -> None:
    pattern = "physical.kat2.48xlarge.8.313t.*"
    error = demo.error_of(lambda: demo.list_images(flavor_name=pattern))
    check_error(error, 400, "ModelArts.0101", unknown_flavor(pattern))


def test_flavor_matched_case_sensitively(demo: SdkCaller) -> None:
    upper = KNOWN_FLAVOR.upper()
    error = demo.error_of(lambda: demo.list_images(flavor_name=upper))
    check_error(error, 400, "ModelArts.0101", unknown_flavor(upper))


@pytest.mark.parametrize("name", SPECIAL_FLAVORS)
def test_special_flavor_reaches_server(demo: SdkCaller, name: str) -> None:
    error = demo.error_of(lambda: demo.list_images(flavor_name=name))
    check_error(error, 400, "ModelArts.0101", unknown_flavor(name))


@pytest.fixture(scope="module")
def special_flavor_owner(
    live_server: LiveServer, server_database: Database
) -> tuple[SdkCaller, str]:
    """Register a flavor named with special characters and a private image that boots it.

    The image is private to a new project, so the demo project's list stays unchanged.
    All rows are written in one transaction, so the server's next view has the image and
    its link together. Returns the owner project's caller and the image id.
    """
    tenant = create_tenant(server_database)
    caller = build_caller(live_server, tenant.credential)
    before = caller.list_images().total
    flavor = FlavorSpec(name=SPECIAL_FLAVOR, arch=Arch.X86, server_type=ServerType.ECS)
    image = ImageSpec(
        name="special-flavor-image",
        arch=Arch.X86,
        server_type=ServerType.ECS,
        visibility=Visibility.PRIVATE,
        owner_project_id=tenant.project_id,
    )
    with server_database.write() as session:
        add_flavor(session, flavor)
        image_id = add_image(session, image).id
        link_flavor(session, image_id, SPECIAL_FLAVOR)
    wait_until(lambda: caller.list_images().total == before + 1)
    return caller, image_id


def test_special_flavor_filters(special_flavor_owner: tuple[SdkCaller, str]) -> None:
    caller, image_id = special_flavor_owner
    assert image_ids(caller.list_images(flavor_name=SPECIAL_FLAVOR)) == [image_id]


def test_special_flavor_in_flavor_list(
    demo: SdkCaller, special_flavor_owner: tuple[SdkCaller, str]
) -> None:
    assert SPECIAL_FLAVOR in [flavor.flavor for flavor in demo.list_flavors().data]


# Flavor list parameters


@pytest.mark.parametrize(
    ("name", "value"),
    [("server_type", "XYZ"), ("arch", "AMD64"), ("charging_mode", "FREE"), ("arch", "")],
)
def test_bad_flavor_filter_rejected(demo: SdkCaller, name: str, value: str) -> None:
    error = demo.error_of(lambda: demo.list_flavors(extra=[(name, value)]))
    check_error(error, 400, "ModelArts.0101", invalid_argument(name))


# Image ids


@pytest.mark.parametrize(
    "image_id",
    [
        "not-a-uuid",
        "D7811CDB-B0C6-44FE-9931-1F3B2B6EF477",
        "d7811cdb-b0c6-64fe-9931-1f3b2b6ef477",
        "d7811cdb-b0c6-44fe-c931-1f3b2b6ef477",
        "d7811cdbb0c644fe99311f3b2b6ef477",
        "d7811cdb-b0c6-44fe-9931-1f3b2b6ef4777",
        "名称",
        "a b",
        "a/b",
        "%41",
    ],
)
def test_malformed_image_id(demo: SdkCaller, image_id: str) -> None:
    error = demo.error_of(lambda: demo.get_image(image_id))
    check_error(error, 400, "ModelArts.0101", invalid_argument("id"))


def test_unknown_image_id(demo: SdkCaller) -> None:
    image_id = "00000000-0000-4000-8000-000000000000"
    error = demo.error_of(lambda: demo.get_image(image_id))
    check_error(error, 404, "ModelArts.5058", f"Object ({image_id}) does not exist")
