"""A 50,000-image catalog file: imported in one transaction, or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from catalog_files_support import bulk_document, fingerprint, import_events

from liteimages.catalog.files.apply import import_catalog
from liteimages.catalog.files.problems import CatalogFileError
from liteimages.db.engine import Database

BULK_IMAGES = 50_000


def test_bulk_import_succeeds(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "bulk.json"
    path.write_text(json.dumps(bulk_document(BULK_IMAGES)), encoding="utf-8")
    before = fingerprint(database)

    result = import_catalog(database, path)

    after = fingerprint(database, with_catalog=False)
    assert result.applied
    assert after.images == BULK_IMAGES
    assert after.flavors == 20
    assert after.links == 3 * BULK_IMAGES
    assert after.revision == before.revision + 1
    assert import_events(database) == 1
    assert result.diff.counts()["images"]["created"] == BULK_IMAGES


def test_bulk_bad_last_entry(database: Database, tmp_path: Path) -> None:
    document = bulk_document(BULK_IMAGES)
    last = document["images"][-1]
    last.update(visibility="PRIVATE", owner_project_id="0" * 32)
    path = tmp_path / "bulk.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    before = fingerprint(database)

    with pytest.raises(CatalogFileError) as raised:
        import_catalog(database, path)

    problems = raised.value.problems
    assert len(problems) == 1
    assert (
        problems[0].entry == f"images[{BULK_IMAGES - 1}] (id {last['id']}, name {last['name']!r})"
    )
    assert problems[0].field == "owner_project_id"
    assert fingerprint(database) == before
