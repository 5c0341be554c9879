"""Query parameter rules of ListDevServerImages and ListDevServerFlavors."""

from __future__ import annotations

import pytest

from liteimages.catalog.enums import Arch, ChargingMode, ImageStatus, ServerType, SortDir, SortKey
from liteimages.catalog.query import (
    MAX_FLAVOR_NAME,
    MAX_IMAGE_NAME,
    FlavorQuery,
    ImageQuery,
    PageRequest,
    parse_flavor_query,
    parse_image_query,
)
from liteimages.errors import InvalidArgument


def test_no_parameters_gives_defaults() -> None:
    assert parse_image_query([]) == ImageQuery()


def test_defaults_sort_by_name_ascending() -> None:
    query = parse_image_query([])

    assert query.sort_key is SortKey.NAME
    assert query.sort_dir is SortDir.ASC
    assert query.page == PageRequest(limit=None, offset=0)


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("limit", "1", 1),
        ("limit", "10", 10),
        ("limit", "1024", 1024),
        ("limit", "0010", 10),
        ("offset", "0", 0),
        ("offset", "7", 7),
        ("offset", "2147483647", 2_147_483_647),
    ],
)
def test_page_numbers_in_range(name: str, raw: str, expected: int) -> None:
    page = parse_image_query([(name, raw)]).page

    assert getattr(page, name) == expected


LIMIT_RULE = "must be a whole number from 1 to 1024"
OFFSET_RULE = "must be a whole number from 0 to 2147483647"
NOT_WHOLE_NUMBERS = ["", "+1", "-1", "1.0", " 1", "1 ", "١", "٣", "１", "1e3", "0x10", "abc", "1_0"]


@pytest.mark.parametrize("raw", [*NOT_WHOLE_NUMBERS, "0", "1025", "99999999999999999999"])
def test_limit_rejects_value(raw: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_image_query([("limit", raw)])

    assert caught.value.parameter == "limit"
    assert LIMIT_RULE in caught.value.message
    assert repr(raw) in caught.value.message


@pytest.mark.parametrize("raw", [*NOT_WHOLE_NUMBERS, "2147483648", "9" * 30])
def test_offset_rejects_value(raw: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_image_query([("offset", raw)])

    assert caught.value.parameter == "offset"
    assert OFFSET_RULE in caught.value.message


def test_invalid_argument_message_shape() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_image_query([("limit", "0")])

    assert caught.value.message == (
        "Invalid argument. parameter [limit] must be a whole number from 1 to 1024, got '0'"
    )
    assert caught.value.error_code == "ModelArts.0101"


def test_long_value_is_shortened_in_message() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_image_query([("limit", "x" * 500)])

    assert "x" * 61 + "..." in caught.value.message
    assert "x" * 62 not in caught.value.message


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("server_type", "BMS", ServerType.BMS),
        ("server_type", "bms", ServerType.BMS),
        ("server_type", "Ecs", ServerType.ECS),
        ("server_type", "hPs", ServerType.HPS),
        ("arch", "x86", Arch.X86),
        ("arch", "Arm", Arch.ARM),
        ("status", "active", ImageStatus.ACTIVE),
        ("status", "INACTIVE", ImageStatus.INACTIVE),
        ("sort_key", "NAME", SortKey.NAME),
        ("sort_key", "created_at", SortKey.CREATED_AT),
        ("sort_key", "Updated_At", SortKey.UPDATED_AT),
        ("sort_dir", "desc", SortDir.DESC),
        ("sort_dir", "Asc", SortDir.ASC),
    ],
)
def test_enum_matches_case_insensitively(name: str, raw: str, expected: object) -> None:
    assert getattr(parse_image_query([(name, raw)]), name) is expected


@pytest.mark.parametrize(("raw", "expected"), [("bms", "BMS"), ("ecs", "ECS"), ("Hps", "HPS")])
def test_enum_value_returned_upper_case(raw: str, expected: str) -> None:
    server_type = parse_image_query([("server_type", raw)]).server_type

    assert server_type is not None
    assert server_type.value == expected


@pytest.mark.parametrize(
    ("name", "raw", "allowed"),
    [
        ("server_type", "XYZ", "BMS, ECS, HPS"),
        ("server_type", "", "BMS, ECS, HPS"),
        ("server_type", "BMS,ECS", "BMS, ECS, HPS"),
        ("server_type", " BMS", "BMS, ECS, HPS"),
        ("server_type", "BM*", "BMS, ECS, HPS"),
        ("arch", "aarch64", "ARM, X86"),
        ("status", "DELETED", "ACTIVE, INACTIVE"),
        ("sort_key", "id", "name, created_at, updated_at"),
        ("sort_dir", "up", "ASC, DESC"),
    ],
)
def test_enum_rejects_value_listing_allowed(name: str, raw: str, allowed: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_image_query([(name, raw)])

    assert caught.value.parameter == name
    assert f"must be one of {allowed}, got {raw!r}" in caught.value.message


def test_alias_sets_flavor_name() -> None:
    query = parse_image_query([("resource_flavor_name", "c7.4xlarge.2")])

    assert query.flavor_name == "c7.4xlarge.2"


def test_empty_alias_named_as_given() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_image_query([("resource_flavor_name", "")])

    assert caught.value.parameter == "resource_flavor_name"


def test_alias_and_name_together_rejected() -> None:
    pairs = [("flavor_name", "a"), ("resource_flavor_name", "a")]

    with pytest.raises(InvalidArgument) as caught:
        parse_image_query(pairs)

    assert caught.value.parameter == "resource_flavor_name"
    assert "flavor_name and resource_flavor_name are synonyms" in caught.value.message


def test_alias_repeated_rejected() -> None:
    pairs = [("resource_flavor_name", "a"), ("resource_flavor_name", "b")]

    with pytest.raises(InvalidArgument) as caught:
        parse_image_query(pairs)

    assert caught.value.parameter == "resource_flavor_name"


@pytest.mark.parametrize(
    "name", ["server_type", "flavor_name", "arch", "status", "name", "limit", "offset"]
)
def test_repeated_parameter_rejected(name: str) -> None:
    value = {"server_type": "BMS", "arch": "ARM", "status": "ACTIVE"}.get(name, "1")

    with pytest.raises(InvalidArgument) as caught:
        parse_image_query([(name, value), (name, value)])

    assert caught.value.parameter == name
    assert "must be given at most once" in caught.value.message


def test_repeated_check_precedes_value_check() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_image_query([("limit", ""), ("limit", "5")])

    assert "at most once" in caught.value.message


@pytest.mark.parametrize(("name", "max_length"), [("flavor_name", 128), ("name", 256)])
def test_empty_text_rejected(name: str, max_length: int) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_image_query([(name, "")])

    assert caught.value.parameter == name
    assert f"must be 1 to {max_length} characters, got 0" in caught.value.message


@pytest.mark.parametrize(
    ("name", "max_length"), [("flavor_name", MAX_FLAVOR_NAME), ("name", MAX_IMAGE_NAME)]
)
def test_text_length_bounds(name: str, max_length: int) -> None:
    longest = "名" * max_length

    assert getattr(parse_image_query([(name, longest)]), name) == longest
    with pytest.raises(InvalidArgument):
        parse_image_query([(name, longest + "x")])


@pytest.mark.parametrize(
    "value", ["a:b", "a,b", "physical.kat2.48xlarge.8.313t.ei", "名称-ü", "*", "%", "a b", "+"]
)
def test_flavor_name_taken_literally(value: str) -> None:
    assert parse_image_query([("flavor_name", value)]).flavor_name == value


def test_name_filter_taken_literally() -> None:
    assert parse_image_query([("name", "a:b,c*")]).name == "a:b,c*"


@pytest.mark.parametrize(
    "pairs",
    [
        [("foo", "bar")],
        [("foo", "1"), ("foo", "2")],
        [("Server_Type", "nonsense")],
        [("LIMIT", "0")],
        [("charging_mode", "nonsense")],
        [("", "")],
        [("project_id", "x")],
    ],
)
def test_unknown_parameters_ignored(pairs: list[tuple[str, str]]) -> None:
    assert parse_image_query(pairs) == ImageQuery()


def test_all_image_parameters_together() -> None:
    query = parse_image_query(
        [
            ("server_type", "bms"),
            ("flavor_name", "f"),
            ("arch", "arm"),
            ("status", "active"),
            ("name", "n"),
            ("sort_key", "created_at"),
            ("sort_dir", "desc"),
            ("limit", "5"),
            ("offset", "10"),
        ]
    )

    assert query.filters == (ServerType.BMS, "f", Arch.ARM, ImageStatus.ACTIVE, "n")
    assert query.sort_key is SortKey.CREATED_AT
    assert query.sort_dir is SortDir.DESC
    assert query.page == PageRequest(limit=5, offset=10)


def test_flavor_query_parameters() -> None:
    query = parse_flavor_query(
        [
            ("server_type", "ecs"),
            ("arch", "x86"),
            ("charging_mode", "pre_paid"),
            ("limit", "2"),
            ("offset", "4"),
        ]
    )

    assert query == FlavorQuery(
        server_type=ServerType.ECS,
        arch=Arch.X86,
        charging_mode=ChargingMode.PRE_PAID,
        page=PageRequest(limit=2, offset=4),
    )


@pytest.mark.parametrize(
    "pairs", [[("flavor_name", "")], [("sort_key", "bad")], [("status", "bad")], [("name", "")]]
)
def test_flavor_query_ignores_image_parameters(pairs: list[tuple[str, str]]) -> None:
    assert parse_flavor_query(pairs) == FlavorQuery()


@pytest.mark.parametrize(
    ("pairs", "parameter"),
    [
        ([("charging_mode", "free")], "charging_mode"),
        ([("charging_mode", "")], "charging_mode"),
        ([("limit", "0")], "limit"),
        ([("arch", "x86"), ("arch", "x86")], "arch"),
    ],
)
def test_flavor_query_rejects(pairs: list[tuple[str, str]], parameter: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_flavor_query(pairs)

    assert caught.value.parameter == parameter


def test_charging_mode_lists_allowed_values() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_flavor_query([("charging_mode", "free")])

    assert "must be one of PRE_PAID, POST_PAID, got 'free'" in caught.value.message
