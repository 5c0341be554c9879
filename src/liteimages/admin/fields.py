"""Read typed fields from decoded JSON or YAML documents, with contract-style errors.

Each reader raises `InvalidArgument` naming the field, so the HTTP API and the
catalog file importer report the same rule for the same mistake. A field that is
absent, or null, returns `default`, or raises when no default is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from liteimages.errors import InvalidArgument

E = TypeVar("E", bound=StrEnum)
MISSING: Any = object()


class _Absent(Exception):
    pass


def _value(document: Mapping[str, Any], name: str, default: Any) -> Any:
    # null in an optional field means "not set", as exported documents write it.
    if name in document and (document[name] is not None or default is MISSING):
        return document[name]
    if default is MISSING:
        raise InvalidArgument(name, "is required")
    raise _Absent


def text(
    document: Mapping[str, Any],
    name: str,
    max_length: int,
    *,
    default: Any = MISSING,
    min_length: int = 0,
) -> Any:
    """Return the string field `name`."""
    try:
        value = _value(document, name, default)
    except _Absent:
        return default
    if not isinstance(value, str) or not min_length <= len(value) <= max_length:
        raise InvalidArgument(name, f"must be a string of {min_length} to {max_length} characters")
    # PostgreSQL cannot store NUL in text columns.
    if "\x00" in value:
        raise InvalidArgument(name, "must not contain NUL characters")
    return value


def choice(document: Mapping[str, Any], name: str, enum: type[E], *, default: Any = MISSING) -> Any:
    """Return the enumeration field `name`, matched case-insensitively."""
    try:
        value = _value(document, name, default)
    except _Absent:
        return default
    if isinstance(value, str):
        for member in enum:
            if value.isascii() and value.casefold() == member.value.casefold():
                return member
    allowed = ", ".join(member.value for member in enum)
    raise InvalidArgument(name, f"must be one of {allowed}, got {value!r}")


def boolean(document: Mapping[str, Any], name: str, *, default: Any = MISSING) -> Any:
    """Return the boolean field `name`."""
    try:
        value = _value(document, name, default)
    except _Absent:
        return default
    if not isinstance(value, bool):
        raise InvalidArgument(name, "must be true or false")
    return value


def integer(
    document: Mapping[str, Any], name: str, low: int, high: int, *, default: Any = MISSING
) -> Any:
    """Return the integer field `name`, within [low, high]."""
    try:
        value = _value(document, name, default)
    except _Absent:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidArgument(name, f"must be a whole number from {low} to {high}")
    return value


def string_list(
    document: Mapping[str, Any],
    name: str,
    max_items: int,
    max_length: int,
    *,
    default: Any = MISSING,
) -> Any:
    """Return the list-of-strings field `name`."""
    try:
        value = _value(document, name, default)
    except _Absent:
        return default
    if (
        not isinstance(value, list)
        or len(value) > max_items
        or not all(isinstance(item, str) and 1 <= len(item) <= max_length for item in value)
    ):
        raise InvalidArgument(
            name, f"must be a list of at most {max_items} strings of 1 to {max_length} characters"
        )
    return value


def reject_unknown(document: Mapping[str, Any], known: frozenset[str]) -> None:
    """Raise for the first field that is not in `known`."""
    for name in document:
        if name not in known:
            known_list = ", ".join(sorted(known))
            raise InvalidArgument(str(name), f"is not a known field; known fields: {known_list}")


def require_object(document: Any, what: str) -> Mapping[str, Any]:
    """Return `document` if it is an object (a mapping), else raise."""
    if not isinstance(document, Mapping):
        raise InvalidArgument(what, "must be an object")
    return document
