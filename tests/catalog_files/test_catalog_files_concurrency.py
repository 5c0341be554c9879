"""Concurrent imports of different files run one after the other, never interleaved."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from catalog_files_support import bulk_document, fingerprint, write_document

from liteimages.catalog.files.apply import ImportResult, import_catalog
from liteimages.db.engine import Database

IMAGES_PER_FILE = 1500
OVERLAP = 500
ROUNDS = 2
JOIN_TIMEOUT_S = 120


def two_files(tmp_path: Path) -> tuple[Path, Path]:
    """Write two catalogs that share 500 image ids and every flavor name, with other values."""
    first = bulk_document(IMAGES_PER_FILE, salt="", time="2025-01-01T00:00:00Z")
    second = bulk_document(IMAGES_PER_FILE + OVERLAP, salt="", time="2025-02-02T00:00:00Z")
    second["images"] = second["images"][IMAGES_PER_FILE - OVERLAP :]
    for entry in second["images"]:
        entry["description"] = "second file"
    for flavor in second["flavors"]:
        flavor["count"] += 100
    return (
        write_document(tmp_path / "first.json", first),
        write_document(tmp_path / "second.yaml", second),
    )


def run_together(url: str, paths: tuple[Path, Path]) -> list[ImportResult]:
    """Import both files at once, each from its own thread and engine."""
    barrier = threading.Barrier(len(paths))
    results: list[ImportResult] = []
    errors: list[BaseException] = []

    def work(path: Path) -> None:
        database = Database(url)
        try:
            barrier.wait(timeout=JOIN_TIMEOUT_S)
            results.append(import_catalog(database, path, prune=True))
        except BaseException as error:
            errors.append(error)
        finally:
            database.dispose()

    threads = [threading.Thread(target=work, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT_S)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return results


def catalog_after(database: Database, *paths: Path) -> dict[str, Any]:
    """Import `paths` one after the other, with pruning, and return the exported catalog."""
    for path in paths:
        import_catalog(database, path, prune=True)
    return fingerprint(database).catalog


def test_concurrent_imports_serialise(database: Database, tmp_path: Path) -> None:
    first, second = two_files(tmp_path)
    empty = write_document(tmp_path / "empty.yaml", {"version": 1})
    first_last = catalog_after(database, empty, second, first)
    second_last = catalog_after(database, empty, first, second)
    assert first_last != second_last

    for _ in range(ROUNDS):
        catalog_after(database, empty)
        revision = fingerprint(database).revision

        results = run_together(database.url, (first, second))

        after = fingerprint(database)
        assert [result.applied for result in results] == [True, True]
        assert after.revision == revision + 2
        assert after.catalog in (first_last, second_last)
