"""Compare a catalog file with the stored catalog: the checks that need the database, and the diff.

The file lists the whole state of every image and flavor it names: a field the entry
leaves out takes its default, and an image's `flavors` and `shared_with` replace its
stored links and shares. Stored images and flavors the file does not name are kept,
unless `prune` is set, which deletes them.

Timestamps never make a change by themselves, so importing an exported file again finds
nothing to do. A created image or flavor takes `created_at` and `updated_at` from the
file (default: the import time). A changed one takes the file's `created_at` when given,
and the file's `updated_at` when it differs from the stored one, else the import time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from liteimages.admin.images import DESCRIPTIVE
from liteimages.catalog.files.document import CatalogDocument, FlavorEntry, ImageEntry
from liteimages.catalog.files.problems import CatalogFileError, Problem
from liteimages.catalog.files.state import StoredCatalog, load_catalog
from liteimages.catalog.ids import new_image_id
from liteimages.catalog.models import Flavor, Image
from liteimages.catalog.service import FlavorSpec, ImageSpec
from liteimages.db.base import utcnow


@dataclass(frozen=True)
class FieldChange:
    """A field whose stored value the import replaces."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class FlavorChange:
    """A flavor the import creates (`stored` is None) or updates.

    `row` contains the column values to write: every column for a new flavor, and the
    changeable columns with both timestamps for an updated one.
    """

    name: str
    stored: Flavor | None
    row: dict[str, Any]
    changes: list[FieldChange]


@dataclass(frozen=True)
class ImageChange:
    """An image the import creates (`stored` is None) or changes.

    `row` is None when only links or shares change. Otherwise it contains the columns to
    write, as for `FlavorChange`.
    """

    image_id: str
    name: str
    stored: Image | None
    row: dict[str, Any] | None
    changes: list[FieldChange]
    flavors: list[str]
    shared_with: list[str]
    flavors_added: list[str]
    flavors_removed: list[str]
    shares_added: list[str]
    shares_removed: list[str]


@dataclass
class CatalogDiff:
    """Everything an import changes, in the order it is applied."""

    stored: StoredCatalog
    now: datetime
    flavors_created: list[FlavorChange] = field(default_factory=list)
    flavors_updated: list[FlavorChange] = field(default_factory=list)
    flavors_deleted: list[Flavor] = field(default_factory=list)
    images_created: list[ImageChange] = field(default_factory=list)
    images_changed: list[ImageChange] = field(default_factory=list)
    images_deleted: list[Image] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """Return how many flavors, images, links and shares are created, updated or deleted."""
        changes = self.images_created + self.images_changed
        deleted_ids = [image.id for image in self.images_deleted]
        return {
            "flavors": {
                "created": len(self.flavors_created),
                "updated": len(self.flavors_updated),
                "deleted": len(self.flavors_deleted),
            },
            "images": {
                "created": len(self.images_created),
                "updated": sum(1 for change in self.images_changed if change.row is not None),
                "deleted": len(self.images_deleted),
            },
            "links": {
                "added": sum(len(change.flavors_added) for change in changes),
                "removed": sum(len(change.flavors_removed) for change in changes)
                + sum(len(self.stored.flavors_of(image_id)) for image_id in deleted_ids),
            },
            "shares": {
                "added": sum(len(change.shares_added) for change in changes),
                "removed": sum(len(change.shares_removed) for change in changes)
                + sum(len(self.stored.shares_of(image_id)) for image_id in deleted_ids),
            },
        }

    @property
    def is_empty(self) -> bool:
        """Return whether the import would change nothing."""
        return not any(count for kind in self.counts().values() for count in kind.values())

    @property
    def changed_resources(self) -> int:
        """Return the number of flavors and images the import creates, changes or deletes."""
        return (
            len(self.flavors_created)
            + len(self.flavors_updated)
            + len(self.flavors_deleted)
            + len(self.images_created)
            + len(self.images_changed)
            + len(self.images_deleted)
        )


def plan_import(session: Session, document: CatalogDocument, *, prune: bool) -> CatalogDiff:
    """Return the diff that makes the stored catalog match `document`.

    Raises `CatalogFileError` listing the document's own problems together with those
    found against the database. These are unknown projects and flavors, flavors of another
    server type or architecture, images that cannot be matched by name, changes to fixed
    fields, and (with `prune`) protected images the file leaves out.
    """
    stored = load_catalog(session, referenced_projects(document))
    planner = _Planner(document, stored, prune)
    diff = planner.plan()
    problems = document.problems + planner.problems
    if problems:
        raise CatalogFileError(document.source, problems)
    return diff


def referenced_projects(document: CatalogDocument) -> set[str]:
    """Return every project id the file's images name as owner or share."""
    projects: set[str] = set()
    for entry in document.images:
        if entry.spec.owner_project_id is not None:
            projects.add(entry.spec.owner_project_id)
        projects.update(entry.shared_with)
    return projects


class _Planner:
    def __init__(self, document: CatalogDocument, stored: StoredCatalog, prune: bool) -> None:
        self.document = document
        self.stored = stored
        self.prune = prune
        self.problems: list[Problem] = []
        self.diff = CatalogDiff(stored=stored, now=utcnow())
        self.file_flavors = document.flavor_named()

    def plan(self) -> CatalogDiff:
        for flavor_entry in self.document.flavors:
            self._plan_flavor(flavor_entry)
        claimed = set(self.document.listed_image_ids)
        for entry in self.document.images:
            image_id = self._resolve_id(entry)
            if image_id is not None:
                claimed.add(image_id)
                self._plan_image(entry, image_id)
        if self.prune:
            self._plan_pruning(claimed)
        return self.diff

    def _plan_flavor(self, entry: FlavorEntry) -> None:
        spec = entry.spec
        values = flavor_values(spec)
        stored = self.stored.flavors.get(spec.name)
        if stored is None:
            created = entry.created_at or self.diff.now
            row = {
                "id": new_image_id(),
                "name": spec.name,
                "arch": spec.arch.value,
                "server_type": spec.server_type.value,
                **values,
                "created_at": created,
                "updated_at": entry.updated_at or created,
                "version": 1,
            }
            self.diff.flavors_created.append(FlavorChange(spec.name, None, row, []))
            return
        fixed = {"arch": spec.arch.value, "server_type": spec.server_type.value}
        if self._fixed_fields_changed(entry.label, stored, fixed):
            return
        changes = _field_changes(stored, values)
        if not changes:
            return
        times = self._timestamps(stored, entry.created_at, entry.updated_at)
        row = {**values, **times}
        self.diff.flavors_updated.append(FlavorChange(spec.name, stored, row, changes))

    def _resolve_id(self, entry: ImageEntry) -> str | None:
        """Return the id the entry gives, or the stored image its name matches, or a new id."""
        if entry.spec.id is not None:
            return entry.spec.id
        matches = self.stored.image_ids_by_name.get(entry.spec.name, [])
        if not matches:
            return new_image_id()
        if len(matches) > 1:
            listed = ", ".join(sorted(matches)[:5])
            message = (
                f"matches {len(matches)} stored images by name ({listed}); "
                "add the id of the image to update"
            )
            self.problems.append(Problem(entry.label, "name", message))
            return None
        image_id = matches[0]
        other = self.document.listed_image_ids.get(image_id)
        if other is not None:
            message = (
                f"matches stored image {image_id} by name, which {other} lists by id; "
                "add an id to this entry"
            )
            self.problems.append(Problem(entry.label, "name", message))
            return None
        return image_id

    def _plan_image(self, entry: ImageEntry, image_id: str) -> None:
        stored = self.stored.images.get(image_id)
        self._check_references(entry)
        if stored is not None:
            fixed = {"arch": entry.spec.arch.value, "server_type": entry.spec.server_type.value}
            if self._fixed_fields_changed(entry.label, stored, fixed):
                return
        change = self._image_change(entry, image_id, stored)
        if stored is None:
            self.diff.images_created.append(change)
        elif change.row is not None or _touches_links_or_shares(change):
            self.diff.images_changed.append(change)

    def _image_change(self, entry: ImageEntry, image_id: str, stored: Image | None) -> ImageChange:
        spec = entry.spec
        values = image_values(spec)
        old_flavors = self.stored.flavors_of(image_id)
        old_shares = self.stored.shares_of(image_id)
        row: dict[str, Any] | None
        changes: list[FieldChange] = []
        if stored is None:
            created = spec.created_at or self.diff.now
            row = {
                "id": image_id,
                "arch": spec.arch.value,
                "server_type": spec.server_type.value,
                **values,
                "created_at": created,
                "updated_at": spec.updated_at or created,
                "version": 1,
            }
        else:
            changes = _field_changes(stored, values)
            times = self._timestamps(stored, spec.created_at, spec.updated_at)
            row = {**values, **times} if changes else None
        return ImageChange(
            image_id=image_id,
            name=spec.name,
            stored=stored,
            row=row,
            changes=changes,
            flavors=sorted(entry.flavors),
            shared_with=sorted(entry.shared_with),
            flavors_added=sorted(set(entry.flavors) - old_flavors),
            flavors_removed=sorted(old_flavors - set(entry.flavors)),
            shares_added=sorted(set(entry.shared_with) - old_shares),
            shares_removed=sorted(old_shares - set(entry.shared_with)),
        )

    def _check_references(self, entry: ImageEntry) -> None:
        for name in entry.flavors:
            message = self._flavor_problem(name, entry.spec)
            if message:
                self.problems.append(Problem(entry.label, "flavors", message))
        owner = entry.spec.owner_project_id
        if owner is not None and owner not in self.stored.projects:
            message = f"names project {owner}, which does not exist; create the project first"
            self.problems.append(Problem(entry.label, "owner_project_id", message))
        for project_id in entry.shared_with:
            if project_id not in self.stored.projects:
                message = f"names project {project_id}, which does not exist"
                self.problems.append(Problem(entry.label, "shared_with", message))

    def _flavor_problem(self, name: str, image: ImageSpec) -> str | None:
        if name in self.document.listed_flavor_names:
            # The file checks covered flavors the file lists, and reported the invalid ones.
            return None
        flavor = self.stored.flavors.get(name)
        if flavor is None:
            return f"names flavor {name!r}, which is neither in the file nor in the database"
        if self.prune:
            return f"names flavor {name!r}, which is not in the file, so --prune deletes it"
        if flavor.arch == image.arch.value and flavor.server_type == image.server_type.value:
            return None
        return (
            f"flavor {name!r} is {flavor.server_type}/{flavor.arch} "
            f"but the image is {image.server_type}/{image.arch}"
        )

    def _plan_pruning(self, claimed: set[str]) -> None:
        for image in sorted(self.stored.images.values(), key=lambda image: image.id):
            if image.id in claimed:
                continue
            if image.protected:
                message = (
                    "is protected and not in the file, so --prune cannot delete it; "
                    "add it to the file, or set protected to false first"
                )
                self.problems.append(Problem(stored_label(image), None, message))
                continue
            self.diff.images_deleted.append(image)
        for name in sorted(self.stored.flavors):
            if name not in self.document.listed_flavor_names:
                self.diff.flavors_deleted.append(self.stored.flavors[name])

    def _fixed_fields_changed(
        self, label: str, stored: Image | Flavor, fixed: dict[str, str]
    ) -> bool:
        changed = False
        for name, value in fixed.items():
            current = getattr(stored, name)
            if current != value:
                message = (
                    f"cannot change from {current} to {value}; it is fixed when the "
                    f"{type(stored).__name__.lower()} is created"
                )
                self.problems.append(Problem(label, name, message))
                changed = True
        return changed

    def _timestamps(
        self,
        stored: Image | Flavor,
        created_at: datetime | None,
        updated_at: datetime | None,
    ) -> dict[str, datetime]:
        given_updated = updated_at is not None and updated_at != stored.updated_at
        return {
            "created_at": created_at or stored.created_at,
            "updated_at": updated_at if updated_at is not None and given_updated else self.diff.now,
        }


def image_values(spec: ImageSpec) -> dict[str, Any]:
    """Return the changeable columns of an image entry, as stored."""
    return {
        "name": spec.name,
        "status": spec.status.value,
        "visibility": spec.visibility.value,
        "owner_project_id": spec.owner_project_id,
        **{name: getattr(spec, name) for name in DESCRIPTIVE},
        "description": spec.description,
        "tags": list(spec.tags),
        "protected": spec.protected,
    }


def flavor_values(spec: FlavorSpec) -> dict[str, Any]:
    """Return the changeable columns of a flavor entry, as stored."""
    return {
        "charging_mode": spec.charging_mode.value,
        "availability_zone": spec.availability_zone,
        "count": spec.count,
        "flavor_type": spec.flavor_type,
        "roce_num": spec.roce_num,
        "sku_code": spec.sku_code,
        "specification": spec.specification,
        "status": spec.status,
        "is_sold_out": spec.is_sold_out,
    }


def _field_changes(stored: Image | Flavor, values: dict[str, Any]) -> list[FieldChange]:
    changes = []
    for name, value in values.items():
        current = getattr(stored, name)
        if name == "tags":
            current = list(current or [])
        if current != value:
            changes.append(FieldChange(name, current, value))
    return changes


def _touches_links_or_shares(change: ImageChange) -> bool:
    return bool(
        change.flavors_added or change.flavors_removed or change.shares_added
        or change.shares_removed
    )  # fmt: skip


def stored_label(image: Image) -> str:
    """Return `stored image <id> (name '...')` for problems about images the file leaves out."""
    return f"stored image {image.id} (name {image.name!r})"


def summary_lines(diff: CatalogDiff) -> list[str]:
    """Return one line per kind of resource with its counts, e.g. `images: 2 created, ...`."""
    return [
        f"{kind}: " + ", ".join(f"{count} {verb}" for verb, count in counts.items())
        for kind, counts in diff.counts().items()
    ]


def detail_lines(diff: CatalogDiff) -> Iterator[str]:
    """Yield the full diff, one line per resource: `+` created, `~` changed, `-` deleted."""
    for flavor_change in diff.flavors_created:
        yield f"+ flavor {flavor_change.name}"
    for flavor_change in diff.flavors_updated:
        yield f"~ flavor {flavor_change.name}: " + _describe_fields(flavor_change.changes)
    for flavor in diff.flavors_deleted:
        yield f"- flavor {flavor.name}"
    for change in diff.images_created:
        yield f"+ image {change.image_id} {change.name!r}" + _describe_links(change, ": ")
    for change in diff.images_changed:
        fields_text = _describe_fields(change.changes)
        links_text = _describe_links(change, "; " if fields_text else "")
        yield f"~ image {change.image_id} {change.name!r}: {fields_text}{links_text}"
    for image in diff.images_deleted:
        yield f"- image {image.id} {image.name!r}"


def _describe_fields(changes: list[FieldChange]) -> str:
    return ", ".join(
        f"{change.field} {_show(change.before)} -> {_show(change.after)}" for change in changes
    )


def _describe_links(change: ImageChange, separator: str) -> str:
    parts = []
    for name, added, removed in (
        ("flavors", change.flavors_added, change.flavors_removed),
        ("shared_with", change.shares_added, change.shares_removed),
    ):
        items = [f"+{value}" for value in added] + [f"-{value}" for value in removed]
        if items:
            parts.append(f"{name} {' '.join(items)}")
    return separator + ", ".join(parts) if parts else ""


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
