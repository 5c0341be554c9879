"""The catalog file format, and the checks that need no database.

A catalog file is `{"version": 1, "flavors": [...], "images": [...]}`. Every flavor and
image entry is a document of the admin API, read by `parse_flavor` and `parse_image`, so
the file and the API apply the same field rules. docs/catalog-files.md describes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from liteimages.admin.flavors import parse_flavor
from liteimages.admin.images import parse_image, parse_time
from liteimages.catalog.enums import Visibility
from liteimages.catalog.files.formats import FileFormat, parse_text
from liteimages.catalog.files.problems import CatalogFileError, Problem, from_invalid_argument
from liteimages.catalog.ids import is_image_id
from liteimages.catalog.service import FlavorSpec, ImageSpec
from liteimages.errors import InvalidArgument

T = TypeVar("T")

VERSION = 1
TOP_LEVEL_FIELDS = ("version", "flavors", "images")
# Valid stand-ins for required fields that are invalid, so that parsing goes on to
# report the entry's other invalid fields too.
PLACEHOLDERS: Mapping[str, Any] = {"name": "placeholder", "arch": "ARM", "server_type": "BMS"}


@dataclass(frozen=True)
class FlavorEntry:
    """A valid flavor entry of the file."""

    label: str
    spec: FlavorSpec
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class ImageEntry:
    """A valid image entry of the file; `spec.id` is None when the entry gives no id."""

    label: str
    spec: ImageSpec
    flavors: list[str]
    shared_with: list[str]


@dataclass
class CatalogDocument:
    """A decoded catalog file: its valid entries and the problems of the others."""

    source: str
    flavors: list[FlavorEntry] = field(default_factory=list)
    images: list[ImageEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Every flavor name and image id the file lists, including those of invalid entries,
    # so that the database checks do not also report them as missing from the file.
    # Both map to the label of the entry that lists the name or id first.
    listed_flavor_names: dict[str, str] = field(default_factory=dict)
    listed_image_ids: dict[str, str] = field(default_factory=dict)

    def flavor_named(self) -> dict[str, FlavorEntry]:
        """Return the valid flavor entries by name."""
        return {entry.spec.name: entry for entry in self.flavors}


def read_document(path: Path, file_format: FileFormat) -> CatalogDocument:
    """Read and check the file at `path`; malformed or unreadable files raise `CatalogFileError`.

    Rule violations do not raise: they are collected in `problems`, so that the database
    checks can add theirs before everything is reported at once.
    """
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CatalogFileError(source, [Problem("", None, f"cannot be read: {error}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = f"is not valid UTF-8 text (invalid byte at offset {error.start})"
        raise CatalogFileError(source, [Problem("", None, message)]) from None
    return parse_document(parse_text(text, file_format, source), source)


def parse_document(data: Any, source: str) -> CatalogDocument:
    """Check a decoded file and return its valid entries and problems."""
    if not isinstance(data, Mapping):
        message = "must be an object with the fields version, flavors and images"
        raise CatalogFileError(source, [Problem("", None, message)])
    document = CatalogDocument(source)
    _check_top_level(document, data)
    for index, item in enumerate(_entry_list(document, data, "flavors")):
        _add_flavor(document, index, item)
    for index, item in enumerate(_entry_list(document, data, "images")):
        _add_image(document, index, item)
    _check_image_names(document)
    _check_file_links(document)
    return document


def _check_top_level(document: CatalogDocument, data: Mapping[Any, Any]) -> None:
    for key in data:
        if key not in TOP_LEVEL_FIELDS:
            known = ", ".join(TOP_LEVEL_FIELDS)
            document.problems.append(
                Problem("", str(key), f"is not a known top-level field; known fields: {known}")
            )
    version = data.get("version")
    if isinstance(version, bool) or version != VERSION:
        message = f"must be {VERSION}, got {version!r}" if "version" in data else "is required"
        document.problems.append(Problem("", "version", message))


def _entry_list(document: CatalogDocument, data: Mapping[Any, Any], name: str) -> list[Any]:
    value = data.get(name, [])
    if isinstance(value, list):
        return value
    document.problems.append(Problem("", name, "must be a list"))
    return []


def _add_flavor(document: CatalogDocument, index: int, item: Any) -> None:
    label = entry_label("flavors", index, item)
    if not isinstance(item, Mapping):
        document.problems.append(Problem(label, None, "must be an object"))
        return
    name = item.get("name")
    if isinstance(name, str):
        if name in document.listed_flavor_names:
            message = f"duplicates the name of {document.listed_flavor_names[name]}"
            document.problems.append(Problem(label, "name", message))
            return
        document.listed_flavor_names[name] = label
    parsed = _parse_fields(document, label, item, _parse_flavor_entry)
    if parsed is None:
        return
    spec, created_at, updated_at = parsed
    document.flavors.append(FlavorEntry(label, spec, created_at, updated_at))


def _parse_flavor_entry(
    item: Mapping[str, Any],
) -> tuple[FlavorSpec, datetime | None, datetime | None]:
    return parse_flavor(item), parse_time(item, "created_at"), parse_time(item, "updated_at")


def _add_image(document: CatalogDocument, index: int, item: Any) -> None:
    label = entry_label("images", index, item)
    if not isinstance(item, Mapping):
        document.problems.append(Problem(label, None, "must be an object"))
        return
    image_id = item.get("id")
    if isinstance(image_id, str):
        if image_id in document.listed_image_ids:
            message = f"duplicates the id of {document.listed_image_ids[image_id]}"
            document.problems.append(Problem(label, "id", message))
            return
        document.listed_image_ids[image_id] = label
    parsed = _parse_fields(document, label, dict(item), parse_image)
    if parsed is None:
        return
    spec, flavors, shared_with = parsed
    entry = ImageEntry(label, spec, flavors, shared_with)
    problems = _image_problems(entry)
    document.problems += problems
    if not problems:
        document.images.append(entry)


def _parse_fields(
    document: CatalogDocument,
    label: str,
    item: Mapping[Any, Any],
    parse: Callable[[Mapping[str, Any]], T],
) -> T | None:
    """Return `parse(item)`, or record every invalid field of `item` and return None.

    An invalid field is dropped (or replaced by a placeholder when it is required) and
    the entry is parsed again, until nothing more is invalid.
    """
    current = dict(item)
    reported: set[str] = set()
    while True:
        try:
            result = parse(current)
        except InvalidArgument as error:
            if error.parameter in reported:
                return None
            reported.add(error.parameter)
            document.problems.append(from_invalid_argument(label, error))
            for key in [key for key in current if str(key) == error.parameter]:
                del current[key]
            if error.parameter in PLACEHOLDERS:
                current[error.parameter] = PLACEHOLDERS[error.parameter]
            continue
        return None if reported else result


def _image_problems(entry: ImageEntry) -> list[Problem]:
    spec, label = entry.spec, entry.label
    problems = []
    if spec.id is not None and not is_image_id(spec.id):
        message = "must be a lower-case RFC 4122 UUID of version 1 to 5"
        problems.append(Problem(label, "id", message))
    if spec.visibility is Visibility.PRIVATE and spec.owner_project_id is None:
        problems.append(Problem(label, "owner_project_id", "is required for a private image"))
    if spec.visibility is Visibility.PUBLIC and spec.owner_project_id is not None:
        problems.append(Problem(label, "owner_project_id", "must be null for a public image"))
    if spec.visibility is Visibility.PUBLIC and entry.shared_with:
        message = "must be empty for a public image; only private images are shared"
        problems.append(Problem(label, "shared_with", message))
    if spec.owner_project_id is not None and spec.owner_project_id in entry.shared_with:
        message = f"lists the owner project {spec.owner_project_id}, which needs no share"
        problems.append(Problem(label, "shared_with", message))
    for name, values in (("flavors", entry.flavors), ("shared_with", entry.shared_with)):
        for value in _repeated(values):
            problems.append(Problem(label, name, f"lists {value!r} more than once"))
    return problems


def _repeated(values: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


def _check_image_names(document: CatalogDocument) -> None:
    """Report entries without an id whose name another entry shares.

    An entry without an id is matched to a stored image by name, which works only when
    the name identifies one image.
    """
    first_by_name: dict[str, ImageEntry] = {}
    for entry in document.images:
        first_by_name.setdefault(entry.spec.name, entry)
    counts: dict[str, int] = {}
    for entry in document.images:
        counts[entry.spec.name] = counts.get(entry.spec.name, 0) + 1
    for entry in document.images:
        if entry.spec.id is None and counts[entry.spec.name] > 1:
            other = next(
                other.label
                for other in document.images
                if other.spec.name == entry.spec.name and other is not entry
            )
            message = f"is also the name of {other}; an entry without an id needs a unique name"
            document.problems.append(Problem(entry.label, "name", message))


def _check_file_links(document: CatalogDocument) -> None:
    """Report links to flavors of the file whose server type or architecture differ."""
    flavors = document.flavor_named()
    for entry in document.images:
        for name in entry.flavors:
            flavor = flavors.get(name)
            if flavor is None:
                continue
            message = link_mismatch(name, flavor.spec, entry.spec)
            if message:
                document.problems.append(Problem(entry.label, "flavors", message))


def link_mismatch(name: str, flavor: FlavorSpec, image: ImageSpec) -> str | None:
    """Return why the image cannot boot the flavor, or None when their types match."""
    if flavor.arch == image.arch and flavor.server_type == image.server_type:
        return None
    return (
        f"flavor {name!r} is {flavor.server_type}/{flavor.arch} "
        f"but the image is {image.server_type}/{image.arch}"
    )


def entry_label(section: str, index: int, item: Any) -> str:
    """Return `images[3] (id ..., name '...')`: the position and what identifies the entry."""
    label = f"{section}[{index}]"
    if not isinstance(item, Mapping):
        return label
    keys = [key for key in ("id", "name") if isinstance(item.get(key), str)]
    details = [f"id {item['id']}" if key == "id" else f"name {item['name']!r}" for key in keys]
    return f"{label} ({', '.join(details)})" if details else label
