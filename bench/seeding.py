"""Fill a liteimages database for the benchmark before its server starts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from liteimages.catalog.enums import Arch, ImageStatus, ServerType, Visibility
from liteimages.catalog.models import Image
from liteimages.catalog.service import ImageSpec, add_image, link_flavor
from liteimages.config import Settings
from liteimages.db import revisions
from liteimages.db.engine import Database
from liteimages.db.migrate import upgrade
from liteimages.demo import DemoCredentials, seed_demo
from liteimages.identity.secretbox import SecretBox

# Fixed demo credentials, handed to the server through LITEIMAGES_DEMO_* variables.
DEMO_ENV = {
    "LITEIMAGES_DEMO_AK": "LITEIMAGESBENCHKEY01",
    "LITEIMAGES_DEMO_SK": "bench-secret-key-0123456789abcdefghijkl",
    "LITEIMAGES_DEMO_DOMAIN": "liteimages-bench",
    "LITEIMAGES_DEMO_USER": "bench-user",
    "LITEIMAGES_DEMO_PASSWORD": "bench-password-123",
    "LITEIMAGES_DEMO_PROJECT_ID": "5d3c0a4b8e9f41c2a7b6d1e0f2a3b4c5",
}

# One demo flavor per kind of image that the benchmark adds, so each added image
# can be linked to a flavor of its own server type and architecture.
FLAVOR_BY_KIND = {
    (ServerType.BMS, Arch.ARM): "physical.kat2.48xlarge.8.313t.ei",
    (ServerType.BMS, Arch.X86): "physical.pi5.48xlarge.8.h800",
    (ServerType.HPS, Arch.ARM): "physical.kat3e.supernode.48xlarge.16",
    (ServerType.ECS, Arch.ARM): "kc2.4xlarge.4",
    (ServerType.ECS, Arch.X86): "c7.4xlarge.2",
}
KINDS = tuple(FLAVOR_BY_KIND)
BULK_BATCH = 5_000
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)


def database_url(data_dir: Path) -> str:
    """Return the SQLite URL that `liteimages serve --data-dir DATA_DIR` uses."""
    return Settings(data_dir=data_dir).resolved_database_url


def prepare_demo(data_dir: Path, env: Mapping[str, str]) -> DemoCredentials:
    """Migrate the database in `data_dir` and seed the demo account and catalog."""
    settings = Settings(data_dir=data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    try:
        upgrade(database.engine)
        return seed_demo(database, SecretBox(settings.load_secret_key()), env)
    finally:
        database.dispose()


def image_name(index: int, server_type: ServerType, arch: Arch) -> str:
    """Return a name in the style of the demo images, unique per index."""
    machine = "BareMetal" if server_type is ServerType.BMS else server_type.value
    stack = "CANN8.0.RC3" if arch is Arch.ARM else "NVIDIA-535.161.08-CUDA12.2"
    day = BASE_TIME + timedelta(days=index % 700)
    return f"Bench{index:06d}-{arch.value}-64bit-{machine}-with-{stack}-{day:%Y%m%d}"


def add_linked_images(url: str, count: int) -> None:
    """Add `count` public images through the catalog service, each linked to one flavor."""
    database = Database(url)
    try:
        with database.write() as session:
            for index in range(count):
                server_type, arch = KINDS[index % len(KINDS)]
                spec = ImageSpec(
                    name=image_name(index, server_type, arch),
                    arch=arch,
                    server_type=server_type,
                    status=ImageStatus.ACTIVE if index % 4 else ImageStatus.INACTIVE,
                    created_at=BASE_TIME + timedelta(hours=index),
                )
                image = add_image(session, spec)
                link_flavor(session, image.id, FLAVOR_BY_KIND[(server_type, arch)])
    finally:
        database.dispose()


def count_images(url: str) -> int:
    """Return the number of images of every visibility."""
    database = Database(url)
    try:
        with database.read() as session:
            return len(session.scalars(select(Image.id)).all())
    finally:
        database.dispose()


def bulk_add_images(url: str, count: int, first_index: int) -> None:
    """Insert `count` public images with SQLAlchemy core in batches, then bump the revision."""
    database = Database(url)
    try:
        with database.write() as session:
            for batch in _batches(first_index, count):
                session.execute(insert(Image), batch)
            revisions.bump(session, revisions.CATALOG)
    finally:
        database.dispose()


def _batches(first_index: int, count: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for index in range(first_index, first_index + count):
        batch.append(_image_row(index))
        if len(batch) == BULK_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _image_row(index: int) -> dict[str, Any]:
    server_type, arch = KINDS[index % len(KINDS)]
    created = BASE_TIME + timedelta(minutes=index)
    return {
        "id": str(uuid.UUID(int=index + 1, version=4)),
        "name": image_name(index, server_type, arch),
        "arch": arch.value,
        "server_type": server_type.value,
        "status": (ImageStatus.ACTIVE if index % 4 else ImageStatus.INACTIVE).value,
        "visibility": Visibility.PUBLIC.value,
        "owner_project_id": None,
        "os": "HCE",
        "os_version": "2.0",
        "accelerator": "NPU" if arch is Arch.ARM else "GPU",
        "driver_version": "",
        "cann_version": "",
        "cuda_version": "",
        "description": "",
        "tags": [],
        "protected": False,
        "created_at": created,
        "updated_at": created,
        "version": 1,
    }
