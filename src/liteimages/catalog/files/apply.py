"""Import a catalog file: validate it, compare it with the database and apply the diff.

The whole import runs in one write transaction, so it applies completely or not at all.
Concurrent imports run one after the other: SQLite write transactions start with
BEGIN IMMEDIATE, and on PostgreSQL the import takes a transaction-scoped advisory lock
before it reads the stored catalog.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liteimages.admin import representations as rep
from liteimages.audit.trail import Actor, record
from liteimages.catalog.files.diff import CatalogDiff, ImageChange, plan_import
from liteimages.catalog.files.document import CatalogDocument, read_document
from liteimages.catalog.files.formats import detect_format
from liteimages.catalog.models import Flavor, Image, ImageFlavor, ImageShare
from liteimages.db import revisions
from liteimages.db.engine import Database
from liteimages.errors import Conflict

# Any fixed number works as long as every liteimages process agrees on it; it differs
# from the lock that serialises migrations.
IMPORT_LOCK_ID = 7_344_112_902
AUDIT_ACTION = "catalog.import"
# Above this many changed images and flavors, one summary event replaces the per-resource
# events, so that a bulk import does not add tens of thousands of audit rows.
MAX_DETAILED_EVENTS = 1000
ROWS_PER_STATEMENT = 1000
IN_CHUNK = 500

IMAGES: Table = Image.__table__  # type: ignore[assignment]
FLAVORS: Table = Flavor.__table__  # type: ignore[assignment]
IMAGE_FLAVORS: Table = ImageFlavor.__table__  # type: ignore[assignment]
IMAGE_SHARES: Table = ImageShare.__table__  # type: ignore[assignment]

# Called with (rows written so far, rows to write in total).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportResult:
    """The outcome of an import: its diff, whether it was written, and the catalog revision."""

    source: str
    diff: CatalogDiff
    applied: bool
    revision: int


def import_catalog(
    database: Database,
    path: Path,
    *,
    file_format: str | None = None,
    dry_run: bool = False,
    prune: bool = False,
    actor: Actor | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Make the catalog match the file at `path`, or raise `CatalogFileError` and write nothing.

    With `dry_run` the diff is computed from a read snapshot and nothing is written. An
    import that changes nothing writes nothing either: no revision bump, no audit event.
    """
    document = read_document(path, detect_format(path, file_format))
    if dry_run or document.problems:
        with database.snapshot() as session:
            diff = plan_import(session, document, prune=prune)
            revision = revisions.read_all(session)[revisions.CATALOG]
        return ImportResult(document.source, diff, False, revision)
    with database.write() as session:
        lock_catalog(session)
        diff = plan_import(session, document, prune=prune)
        if not diff.is_empty:
            apply_diff(session, diff, document, actor or Actor.operator(), progress, prune=prune)
        revision = revisions.read_all(session)[revisions.CATALOG]
    return ImportResult(document.source, diff, not diff.is_empty, revision)


def lock_catalog(session: Session) -> None:
    """Start the write transaction and wait until no other import has the catalog lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": IMPORT_LOCK_ID})
        return
    # SQLite: the first statement runs BEGIN IMMEDIATE, which takes the write lock.
    session.connection()


def apply_diff(
    session: Session,
    diff: CatalogDiff,
    document: CatalogDocument,
    actor: Actor,
    progress: Progress | None,
    *,
    prune: bool,
) -> None:
    """Write `diff` in the caller's transaction, bump the catalog revision once and audit it."""
    events = _audit_events(diff) if diff.changed_resources <= MAX_DETAILED_EVENTS else None
    writer = _Writer(session, diff, progress)
    try:
        writer.write()
    except IntegrityError as error:
        raise Conflict(
            f"Catalog import of {document.source} conflicts with a concurrent change "
            f"and was rolled back: {error.orig}"
        ) from None
    revisions.bump(session, revisions.CATALOG)
    if events is None:
        summary = {"source": document.source, "prune": prune, "counts": diff.counts()}
        record(session, actor, AUDIT_ACTION, "catalog", "catalog", None, summary)
        return
    for resource_type, resource_id, before, after in events:
        record(session, actor, AUDIT_ACTION, resource_type, resource_id, before, after)


class _Writer:
    """Bulk statements for one diff, in an order the foreign keys accept."""

    def __init__(self, session: Session, diff: CatalogDiff, progress: Progress | None) -> None:
        self.session = session
        self.diff = diff
        self.progress = progress
        self.done = 0
        self.total = _row_count(diff)
        self.flavor_ids = {name: flavor.id for name, flavor in diff.stored.flavors.items()}
        self.flavor_ids.update({change.name: change.row["id"] for change in diff.flavors_created})

    def write(self) -> None:
        diff = self.diff
        changes = diff.images_created + diff.images_changed

        # Removed links and shares, then deleted images and flavors.
        self._delete_pairs(
            IMAGE_FLAVORS,
            "flavor_id",
            [
                (change.image_id, self.flavor_ids[name])
                for change in changes
                for name in change.flavors_removed
            ],
        )
        self._delete_pairs(
            IMAGE_SHARES,
            "project_id",
            [(change.image_id, project) for change in changes for project in change.shares_removed],
        )
        deleted_ids = [image.id for image in diff.images_deleted]
        for table in (IMAGE_FLAVORS, IMAGE_SHARES, IMAGES):
            key = table.c.id if table is IMAGES else table.c.image_id
            self._delete_in(table, key, deleted_ids)
        self._delete_in(FLAVORS, FLAVORS.c.id, [flavor.id for flavor in diff.flavors_deleted])

        # New and changed flavors and images, then the links and shares that refer to them.
        self._insert(FLAVORS, [change.row for change in diff.flavors_created])
        self._update(FLAVORS, FLAVORS.c.name, [(c.name, c.row) for c in diff.flavors_updated])
        self._insert(IMAGES, [change.row for change in diff.images_created if change.row])
        updated = [(c.image_id, c.row) for c in diff.images_changed if c.row is not None]
        self._update(IMAGES, IMAGES.c.id, updated)
        links = [
            {"image_id": change.image_id, "flavor_id": self.flavor_ids[name]}
            for change in changes
            for name in change.flavors_added
        ]
        self._insert(IMAGE_FLAVORS, links)
        shares = [
            {"image_id": change.image_id, "project_id": project, "created_at": diff.now}
            for change in changes
            for project in change.shares_added
        ]
        self._insert(IMAGE_SHARES, shares)

    def _insert(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        for chunk in _chunks(rows, ROWS_PER_STATEMENT):
            self.session.execute(insert(table), chunk)
            self._advance(len(chunk))

    def _update(
        self, table: Table, key: Any, changes: Sequence[tuple[str, dict[str, Any]]]
    ) -> None:
        if not changes:
            return
        columns = list(changes[0][1])
        statement = (
            update(table)
            .where(key == bindparam("match_key"))
            .values({name: bindparam(f"new_{name}") for name in columns})
            .values(version=table.c.version + 1)
        )
        rows = [
            {"match_key": match, **{f"new_{name}": row[name] for name in columns}}
            for match, row in changes
        ]
        for chunk in _chunks(rows, ROWS_PER_STATEMENT):
            self.session.execute(statement, chunk)
            self._advance(len(chunk))

    def _delete_in(self, table: Table, key: Any, values: Sequence[str]) -> None:
        for chunk in _chunks(values, IN_CHUNK):
            self.session.execute(delete(table).where(key.in_(chunk)))
            if table in (IMAGES, FLAVORS):
                self._advance(len(chunk))

    def _delete_pairs(self, table: Table, column: str, pairs: Sequence[tuple[str, str]]) -> None:
        if not pairs:
            return
        statement = delete(table).where(
            table.c.image_id == bindparam("match_image"),
            table.c[column] == bindparam("match_other"),
        )
        rows = [{"match_image": image_id, "match_other": other} for image_id, other in pairs]
        for chunk in _chunks(rows, ROWS_PER_STATEMENT):
            self.session.execute(statement, chunk)
            self._advance(len(chunk))

    def _advance(self, rows: int) -> None:
        self.done += rows
        if self.progress is not None:
            self.progress(self.done, self.total)


def _row_count(diff: CatalogDiff) -> int:
    """Return the number of rows `_Writer` reports progress for."""
    counts = diff.counts()
    changes = diff.images_created + diff.images_changed
    return (
        sum(counts["flavors"].values())
        + sum(counts["images"].values())
        + sum(len(change.flavors_added) + len(change.flavors_removed) for change in changes)
        + sum(len(change.shares_added) + len(change.shares_removed) for change in changes)
    )


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


AuditEntry = tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]


def _audit_events(diff: CatalogDiff) -> list[AuditEntry]:
    """Return (resource type, id, before, after) for every changed image and flavor.

    They are computed before the writes, while the loaded rows still hold the old values.
    """
    stored = diff.stored
    events: list[AuditEntry] = []
    for created in diff.flavors_created:
        events.append(("flavor", created.name, None, rep.flavor(Flavor(**created.row))))
    for updated in diff.flavors_updated:
        assert updated.stored is not None
        after = Flavor(**{**_columns(updated.stored), **updated.row})
        events.append(("flavor", updated.name, rep.flavor(updated.stored), rep.flavor(after)))
    for flavor in diff.flavors_deleted:
        events.append(("flavor", flavor.name, rep.flavor(flavor), None))
    for change in diff.images_created + diff.images_changed:
        events.append(("image", change.image_id, _image_before(diff, change), _image_after(change)))
    for image in diff.images_deleted:
        before = rep.image(
            image, sorted(stored.flavors_of(image.id)), sorted(stored.shares_of(image.id))
        )
        events.append(("image", image.id, before, None))
    return events


def _image_before(diff: CatalogDiff, change: ImageChange) -> dict[str, Any] | None:
    if change.stored is None:
        return None
    image_id = change.image_id
    flavors = sorted(diff.stored.flavors_of(image_id))
    return rep.image(change.stored, flavors, sorted(diff.stored.shares_of(image_id)))


def _image_after(change: ImageChange) -> dict[str, Any]:
    columns = _columns(change.stored) if change.stored is not None else {}
    after = Image(**{**columns, **(change.row or {})})
    return rep.image(after, change.flavors, change.shared_with)


def _columns(stored: Image | Flavor) -> dict[str, Any]:
    table: Table = stored.__table__  # type: ignore[assignment]
    return {column.key: getattr(stored, column.key) for column in table.columns}
