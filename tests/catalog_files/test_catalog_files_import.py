"""Export and import of catalog files: round trips, idempotence, dry runs, updates and pruning."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from catalog_files_support import (
    create_project,
    fingerprint,
    import_events,
    run_cli,
    write_document,
)
from sqlalchemy import select

from liteimages.audit.models import AuditEvent
from liteimages.catalog.files.apply import import_catalog
from liteimages.catalog.models import Flavor, Image
from liteimages.db.engine import Database
from liteimages.demo import DemoCredentials

DOCUMENTED_ARM = "d7811cdb-b0c6-44fe-9931-1f3b2b6ef477"
DOCUMENTED_X86 = "83f4aa72-53ec-4806-85b5-3f84082ba964"
FLAVORLESS_IMAGE = "EulerOS2.9-Arm-64bit-for-Snt3-ECS-with-CANN6.3.RC2-20230728"
SECOND_PROJECT = "a" * 32


def export_file(database: Database, path: Path) -> Path:
    result = run_cli("catalog", "export", "--output", path, "--database-url", database.url)
    assert result.exit_code == 0, result.output
    return path


def import_file(database: Database, path: Path, *options: str) -> str:
    result = run_cli("catalog", "import", path, *options, "--database-url", database.url)
    assert result.exit_code == 0, result.output
    return result.output


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def image_entry(document: dict[str, Any], image_id: str) -> dict[str, Any]:
    return next(entry for entry in document["images"] if entry["id"] == image_id)


def flavor_entry(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(entry for entry in document["flavors"] if entry["name"] == name)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_round_trip_byte_identical(
    database: Database,
    demo: DemoCredentials,
    other_database: Database,
    tmp_path: Path,
    suffix: str,
) -> None:
    first = export_file(database, tmp_path / f"first{suffix}")
    create_project(other_database, demo.project_id)

    import_file(other_database, first)
    second = export_file(other_database, tmp_path / f"second{suffix}")

    assert len(load(first)["images"]) == 19
    assert len(load(first)["flavors"]) == 10
    assert second.read_bytes() == first.read_bytes()


def test_export_sorted_by_name(database: Database, demo: DemoCredentials, tmp_path: Path) -> None:
    document = load(export_file(database, tmp_path / "catalog.yaml"))
    image_keys = [(entry["name"], entry["id"]) for entry in document["images"]]
    flavor_names = [entry["name"] for entry in document["flavors"]]
    assert image_keys == sorted(image_keys)
    assert flavor_names == sorted(flavor_names)


def test_export_to_stdout(database: Database, demo: DemoCredentials, tmp_path: Path) -> None:
    result = run_cli("catalog", "export", "--database-url", database.url)
    assert result.exit_code == 0
    assert result.stdout == export_file(database, tmp_path / "c.yaml").read_text("utf-8")


def test_export_json_to_stdout(database: Database, demo: DemoCredentials, tmp_path: Path) -> None:
    result = run_cli("catalog", "export", "--format", "json", "--database-url", database.url)
    assert result.exit_code == 0
    assert result.stdout == export_file(database, tmp_path / "c.json").read_text("utf-8")


def test_second_import_no_changes(
    database: Database, demo: DemoCredentials, other_database: Database, tmp_path: Path
) -> None:
    path = export_file(database, tmp_path / "catalog.yaml")
    create_project(other_database, demo.project_id)
    import_file(other_database, path)
    before = fingerprint(other_database)

    output = import_file(other_database, path)

    assert output.startswith("no changes")
    assert fingerprint(other_database) == before


def test_import_into_source_no_changes(
    database: Database, demo: DemoCredentials, tmp_path: Path
) -> None:
    path = export_file(database, tmp_path / "catalog.json")
    before = fingerprint(database)
    assert import_file(database, path).startswith("no changes")
    assert fingerprint(database) == before


def test_dry_run_writes_nothing(
    database: Database, demo: DemoCredentials, other_database: Database, tmp_path: Path
) -> None:
    path = export_file(database, tmp_path / "catalog.yaml")
    create_project(other_database, demo.project_id)
    before = fingerprint(other_database)

    output = import_file(other_database, path, "--dry-run")

    assert f"+ image {DOCUMENTED_ARM} 'ModelArts_Lite Server-Euler2.8_aarch64_CPU" in output
    assert "+ flavor kc2.4xlarge.4" in output
    assert "images: 19 created, 0 updated, 0 deleted" in output
    assert "dry run: nothing was written" in output
    assert fingerprint(other_database) == before


def test_first_import_audits_resources(
    database: Database, demo: DemoCredentials, other_database: Database, tmp_path: Path
) -> None:
    path = export_file(database, tmp_path / "catalog.yaml")
    create_project(other_database, demo.project_id)
    revision = fingerprint(other_database).revision

    import_file(other_database, path)

    assert import_events(other_database) == 29
    assert fingerprint(other_database).revision == revision + 1
    with other_database.read() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.resource_id == DOCUMENTED_ARM))
    assert event is not None
    assert event.actor_user_id == "cli"
    assert event.before is None
    assert event.after == image_entry(load(path), DOCUMENTED_ARM)


def test_import_updates_changed_fields(
    database: Database, demo: DemoCredentials, tmp_path: Path
) -> None:
    path = export_file(database, tmp_path / "catalog.yaml")
    document = load(path)
    image_entry(document, DOCUMENTED_ARM)["description"] = "Euler 2.8 CPU image"
    image_entry(document, DOCUMENTED_X86)["flavors"] = []
    flavor_entry(document, "c7.4xlarge.2")["count"] = 61
    write_document(path, document)
    before = fingerprint(database)

    output = import_file(database, path)

    assert "images: 0 created, 1 updated, 0 deleted" in output
    assert "flavors: 0 created, 1 updated, 0 deleted" in output
    assert "links: 0 added, 1 removed" in output
    after = fingerprint(database)
    assert after.revision == before.revision + 1
    assert after.links == before.links - 1
    assert import_events(database) == 3
    updated = image_entry(after.catalog, DOCUMENTED_ARM)
    assert updated["description"] == "Euler 2.8 CPU image"
    previous = image_entry(before.catalog, DOCUMENTED_ARM)["updated_at"]
    assert datetime.fromisoformat(updated["updated_at"]) > datetime.fromisoformat(previous)
    assert image_entry(after.catalog, DOCUMENTED_X86)["flavors"] == []
    assert flavor_entry(after.catalog, "c7.4xlarge.2")["count"] == 61


def test_dry_run_shows_field_changes(
    database: Database, demo: DemoCredentials, tmp_path: Path
) -> None:
    path = export_file(database, tmp_path / "catalog.yaml")
    document = load(path)
    image_entry(document, DOCUMENTED_ARM)["status"] = "INACTIVE"
    flavor_entry(document, "c7.4xlarge.2")["is_sold_out"] = True
    write_document(path, document)

    output = import_file(database, path, "--dry-run")

    assert f"~ image {DOCUMENTED_ARM} " in output
    assert 'status "ACTIVE" -> "INACTIVE"' in output
    assert "~ flavor c7.4xlarge.2: is_sold_out false -> true" in output


def test_shares_added_and_removed(
    database: Database, demo: DemoCredentials, tmp_path: Path
) -> None:
    create_project(database, SECOND_PROJECT)
    path = export_file(database, tmp_path / "catalog.yaml")
    document = load(path)
    private = next(entry for entry in document["images"] if entry["visibility"] == "PRIVATE")
    private["shared_with"] = [SECOND_PROJECT]
    write_document(path, document)

    added = import_file(database, path)
    private["shared_with"] = []
    removed = import_file(database, write_document(path, document))

    assert "shares: 1 added, 0 removed" in added
    assert "shares: 0 added, 1 removed" in removed
    assert fingerprint(database).shares == 0


def test_prune_deletes_unlisted(database: Database, demo: DemoCredentials, tmp_path: Path) -> None:
    path = export_file(database, tmp_path / "catalog.yaml")
    document = load(path)
    document["images"] = [
        entry for entry in document["images"]
        if entry["id"] != DOCUMENTED_X86 and entry["name"] != FLAVORLESS_IMAGE
    ]  # fmt: skip
    document["flavors"] = [
        entry for entry in document["flavors"] if entry["name"] != "ai1s.2xlarge.4"
    ]
    write_document(path, document)
    before = fingerprint(database)

    kept = import_file(database, path)
    pruned = import_file(database, path, "--prune")

    assert kept.startswith("no changes")
    assert "images: 0 created, 0 updated, 2 deleted" in pruned
    assert "flavors: 0 created, 0 updated, 1 deleted" in pruned
    assert "links: 0 added, 1 removed" in pruned
    after = fingerprint(database)
    assert after.images == before.images - 2
    assert after.flavors == before.flavors - 1
    assert after.catalog == document


def test_prune_rejects_protected(database: Database, demo: DemoCredentials, tmp_path: Path) -> None:
    path = export_file(database, tmp_path / "catalog.yaml")
    document = load(path)
    image_entry(document, DOCUMENTED_X86)["protected"] = True
    import_file(database, write_document(path, document))
    document["images"] = [entry for entry in document["images"] if entry["id"] != DOCUMENTED_X86]
    write_document(path, document)
    before = fingerprint(database)

    result = run_cli("catalog", "import", path, "--prune", "--database-url", database.url)

    assert result.exit_code == 1
    assert f"{path}: stored image {DOCUMENTED_X86} (name " in result.output
    assert "is protected and not in the file, so --prune cannot delete it" in result.output
    assert fingerprint(database) == before


def test_prune_keeps_protected_listed(
    database: Database, demo: DemoCredentials, tmp_path: Path
) -> None:
    path = export_file(database, tmp_path / "catalog.yaml")
    document = load(path)
    image_entry(document, DOCUMENTED_X86)["protected"] = True
    write_document(path, document)
    output = import_file(database, path, "--prune")
    assert "images: 0 created, 1 updated, 0 deleted" in output


def test_image_without_id_matched_by_name(
    database: Database, demo: DemoCredentials, tmp_path: Path
) -> None:
    entry = {"name": FLAVORLESS_IMAGE, "arch": "ARM", "server_type": "ECS", "status": "INACTIVE"}
    path = write_document(tmp_path / "catalog.yaml", {"version": 1, "images": [entry]})
    before = fingerprint(database)

    output = import_file(database, path)

    assert "images: 0 created, 1 updated, 0 deleted" in output
    assert fingerprint(database).images == before.images
    assert import_file(database, path).startswith("no changes")


def test_image_without_id_created_once(database: Database, tmp_path: Path) -> None:
    entry = {"name": "fresh-image", "arch": "X86", "server_type": "ECS"}
    path = write_document(tmp_path / "catalog.yaml", {"version": 1, "images": [entry]})
    created = import_file(database, path)
    again = import_file(database, path)
    assert "images: 1 created, 0 updated, 0 deleted" in created
    assert again.startswith("no changes")
    assert fingerprint(database).images == 1


def test_ambiguous_name_rejected(database: Database, tmp_path: Path) -> None:
    twins = [
        {"id": image_id, "name": "twin", "arch": "X86", "server_type": "ECS"}
        for image_id in (DOCUMENTED_ARM, DOCUMENTED_X86)
    ]
    import_file(database, write_document(tmp_path / "twins.yaml", {"version": 1, "images": twins}))
    entry = {"name": "twin", "arch": "X86", "server_type": "ECS", "description": "which one?"}
    path = write_document(tmp_path / "catalog.yaml", {"version": 1, "images": [entry]})
    before = fingerprint(database)

    result = run_cli("catalog", "import", path, "--database-url", database.url)

    assert result.exit_code == 1
    assert f"{path}: images[0] (name 'twin'): field name: matches 2 stored images" in result.output
    assert fingerprint(database) == before


def test_fixed_field_change_rejected(
    database: Database, demo: DemoCredentials, tmp_path: Path
) -> None:
    path = export_file(database, tmp_path / "catalog.yaml")
    document = load(path)
    entry = next(entry for entry in document["images"] if entry["name"] == FLAVORLESS_IMAGE)
    entry["arch"] = "X86"
    write_document(path, document)
    before = fingerprint(database)

    result = run_cli("catalog", "import", path, "--database-url", database.url)

    assert result.exit_code == 1
    assert "field arch: cannot change from ARM to X86" in result.output
    assert fingerprint(database) == before


def test_core_import_reports_progress(
    database: Database, demo: DemoCredentials, other_database: Database, tmp_path: Path
) -> None:
    path = export_file(database, tmp_path / "catalog.json")
    create_project(other_database, demo.project_id)
    calls: list[tuple[int, int]] = []

    result = import_catalog(
        other_database, path, progress=lambda done, total: calls.append((done, total))
    )

    assert result.applied
    assert calls[-1] == (51, 51)
    with other_database.read() as session:
        assert len(session.scalars(select(Image)).all()) == 19
        assert len(session.scalars(select(Flavor)).all()) == 10


def test_export_rejects_unknown_extension(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "catalog.txt"
    result = run_cli("catalog", "export", "--output", path, "--database-url", database.url)
    assert result.exit_code == 2
    assert "unknown file extension" in result.output
    assert not path.exists()


def test_export_file_readable_by_others(database: Database, tmp_path: Path) -> None:
    path = export_file(database, tmp_path / "catalog.yaml")
    assert path.stat().st_mode & 0o044 == 0o044
