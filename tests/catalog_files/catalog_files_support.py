"""Helpers of the catalog file tests: files, CLI runs and database fingerprints."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from liteimages.audit.models import AuditEvent
from liteimages.catalog.files.export import export_catalog
from liteimages.catalog.models import Flavor, Image, ImageFlavor, ImageShare
from liteimages.cli.main import cli
from liteimages.db import revisions
from liteimages.db.engine import Database
from liteimages.demo import DemoCredentials
from liteimages.identity import service as identity
from liteimages.identity.models import Account

BULK_FLAVORS = 20
BULK_TIME = "2025-01-02T03:04:05Z"


@dataclass(frozen=True)
class Fingerprint:
    """Row counts, the catalog revision and the exported catalog: what an import may change."""

    images: int
    flavors: int
    links: int
    shares: int
    audit_events: int
    revision: int
    catalog: dict[str, Any]


@dataclass(frozen=True)
class SeededDatabase:
    """A migrated database with the demo catalog, shared by the tests of one module."""

    database: Database
    demo: DemoCredentials


def fingerprint(database: Database, *, with_catalog: bool = True) -> Fingerprint:
    """Return the fingerprint of the database now; `with_catalog=False` skips the export."""
    with database.snapshot() as session:
        counts = [
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Image, Flavor, ImageFlavor, ImageShare, AuditEvent)
        ]
        revision = revisions.read_all(session)[revisions.CATALOG]
        catalog = export_catalog(session) if with_catalog else {}
    return Fingerprint(*counts, revision=revision, catalog=catalog)


def import_events(database: Database) -> int:
    """Return the number of audit events catalog imports wrote."""
    with database.read() as session:
        query = select(func.count()).where(AuditEvent.action == "catalog.import")
        return session.scalar(query) or 0


def run_cli(*args: str | Path) -> Result:
    """Run `liteimages` with `args` in-process and return the result."""
    return CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)


def create_project(database: Database, project_id: str, account: str = "catalog-files") -> None:
    """Create an account (unless it exists) with a project of the given id."""
    with database.write() as session:
        owner = session.scalar(select(Account).where(Account.name == account))
        owner_id = owner.id if owner is not None else identity.create_account(session, account).id
        identity.create_project(session, owner_id, f"region-{project_id[:8]}", project_id)


def write_document(path: Path, document: Any) -> Path:
    """Write `document` as YAML or JSON, chosen by the extension of `path`, and return `path`."""
    if path.suffix == ".json":
        path.write_text(json.dumps(document), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def image_id(seed: int, salt: str = "") -> str:
    """Return a fixed version 4 UUID for `seed`."""
    return str(uuid.UUID(int=uuid.uuid5(uuid.NAMESPACE_URL, f"{salt}{seed}").int, version=4))


def bulk_document(count: int, *, salt: str = "", time: str = BULK_TIME) -> dict[str, Any]:
    """Return a catalog file with `count` images, each linked to three of 20 flavors."""
    flavors = [
        {"name": f"bulk-flavor-{number}", "arch": "ARM" if number % 2 else "X86",
         "server_type": "BMS", "count": number, "created_at": time, "updated_at": time}
        for number in range(BULK_FLAVORS)
    ]  # fmt: skip
    images = []
    for number in range(count):
        parity = number % 2
        images.append(
            {
                "id": image_id(number, salt),
                "name": f"bulk-image-{number:06d}",
                "arch": "ARM" if parity else "X86",
                "server_type": "BMS",
                "os": "EulerOS",
                "description": f"image {number} {salt}",
                "tags": ["bulk"],
                "flavors": [f"bulk-flavor-{flavor}" for flavor in (parity, parity + 2, parity + 4)],
                "created_at": time,
                "updated_at": time,
            }
        )
    return {"version": 1, "flavors": flavors, "images": images}
