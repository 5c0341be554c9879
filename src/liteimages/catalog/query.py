"""Parse and validate the query parameters of the catalog list calls.

Input is the decoded `(name, value)` pairs of a query string, in order. Unknown
names are ignored; a known name given twice, an empty value or a value that
breaks its rule raises `InvalidArgument` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from liteimages.catalog.enums import (
    Arch,
    ChargingMode,
    ImageStatus,
    ServerType,
    SortDir,
    SortKey,
)
from liteimages.errors import InvalidArgument

MAX_LIMIT = 1024
MAX_OFFSET = 2_147_483_647
MAX_FLAVOR_NAME = 128
MAX_IMAGE_NAME = 256

# `resource_flavor_name` is what Huawei's Terraform provider sends for `flavor_name`.
FLAVOR_ALIASES = {"flavor_name": "flavor_name", "resource_flavor_name": "flavor_name"}
IMAGE_PARAMETERS = frozenset(
    {"server_type", "arch", "status", "name", "limit", "offset", "sort_key", "sort_dir"}
    | FLAVOR_ALIASES.keys()
)
FLAVOR_PARAMETERS = frozenset({"server_type", "arch", "charging_mode", "limit", "offset"})

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The slice of the matches to return; a `limit` of None means all of them."""

    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True, slots=True)
class ImageQuery:
    """Filters, order and page of a ListDevServerImages call."""

    server_type: ServerType | None = None
    flavor_name: str | None = None
    arch: Arch | None = None
    status: ImageStatus | None = None
    name: str | None = None
    sort_key: SortKey = SortKey.NAME
    sort_dir: SortDir = SortDir.ASC
    page: PageRequest = PageRequest()
    # The spelling the caller used for the flavor filter, for error messages.
    flavor_parameter: str = "flavor_name"

    @property
    def filters(
        self,
    ) -> tuple[ServerType | None, str | None, Arch | None, ImageStatus | None, str | None]:
        """Return the filters as one hashable key."""
        return (self.server_type, self.flavor_name, self.arch, self.status, self.name)


@dataclass(frozen=True, slots=True)
class FlavorQuery:
    """Filters and page of a ListDevServerFlavors call."""

    server_type: ServerType | None = None
    arch: Arch | None = None
    charging_mode: ChargingMode | None = None
    page: PageRequest = PageRequest()


def parse_image_query(pairs: Iterable[tuple[str, str]]) -> ImageQuery:
    """Build an `ImageQuery` from decoded query pairs."""
    pairs = list(pairs)
    values = _collect(pairs, IMAGE_PARAMETERS, FLAVOR_ALIASES)
    # Errors name the flavor parameter as the caller spelled it.
    flavor_parameter = next(
        (given for given, _ in pairs if FLAVOR_ALIASES.get(given) == "flavor_name"), "flavor_name"
    )
    return ImageQuery(
        server_type=_enum(values, "server_type", ServerType),
        flavor_name=_text(values, "flavor_name", MAX_FLAVOR_NAME, shown=flavor_parameter),
        flavor_parameter=flavor_parameter,
        arch=_enum(values, "arch", Arch),
        status=_enum(values, "status", ImageStatus),
        name=_text(values, "name", MAX_IMAGE_NAME),
        sort_key=_enum(values, "sort_key", SortKey) or SortKey.NAME,
        sort_dir=_enum(values, "sort_dir", SortDir) or SortDir.ASC,
        page=_page(values),
    )


def parse_flavor_query(pairs: Iterable[tuple[str, str]]) -> FlavorQuery:
    """Build a `FlavorQuery` from decoded query pairs."""
    values = _collect(pairs, FLAVOR_PARAMETERS, {})
    return FlavorQuery(
        server_type=_enum(values, "server_type", ServerType),
        arch=_enum(values, "arch", Arch),
        charging_mode=_enum(values, "charging_mode", ChargingMode),
        page=_page(values),
    )


def _collect(
    pairs: Iterable[tuple[str, str]], known: frozenset[str], aliases: dict[str, str]
) -> dict[str, str]:
    values: dict[str, str] = {}
    for given, value in pairs:
        if given not in known:
            continue
        name = aliases.get(given, given)
        if name in values:
            raise InvalidArgument(given, _repeated_rule(name, aliases))
        values[name] = value
    return values


def _repeated_rule(name: str, aliases: dict[str, str]) -> str:
    synonyms = sorted(alias for alias, target in aliases.items() if target == name)
    if len(synonyms) > 1:
        return f"must be given at most once ({' and '.join(synonyms)} are synonyms)"
    return "must be given at most once"


def _enum(values: dict[str, str], name: str, enum: type[E]) -> E | None:
    raw = values.get(name)
    if raw is None:
        return None
    members: Sequence[E] = list(enum)
    for member in members:
        # ASCII only: casefold would also map "ſ" (long s) to "s".
        if raw.isascii() and raw.casefold() == member.value.casefold():
            return member
    allowed = ", ".join(member.value for member in members)
    raise InvalidArgument(name, f"must be one of {allowed}, got {_quote(raw)}")


def _text(
    values: dict[str, str], name: str, max_length: int, shown: str | None = None
) -> str | None:
    raw = values.get(name)
    if raw is None:
        return None
    if not 1 <= len(raw) <= max_length:
        rule = f"must be 1 to {max_length} characters, got {len(raw)}"
        raise InvalidArgument(shown or name, rule)
    return raw


def _page(values: dict[str, str]) -> PageRequest:
    limit = _whole_number(values, "limit", 1, MAX_LIMIT)
    offset = _whole_number(values, "offset", 0, MAX_OFFSET)
    return PageRequest(limit=limit, offset=offset or 0)


def _whole_number(values: dict[str, str], name: str, low: int, high: int) -> int | None:
    raw = values.get(name)
    if raw is None:
        return None
    rule = f"must be a whole number from {low} to {high}, got {_quote(raw)}"
    # isdecimal() also accepts non-ASCII digits such as "٣", which int() would take.
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > 12:
        raise InvalidArgument(name, rule)
    number = int(raw)
    if not low <= number <= high:
        raise InvalidArgument(name, rule)
    return number


def _quote(raw: str) -> str:
    shown = raw if len(raw) <= 64 else raw[:61] + "..."
    return repr(shown)
