"""Build a `CatalogView` from the database in one consistent read."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liteimages.catalog.enums import Arch, ChargingMode, ImageStatus, ServerType, Visibility
from liteimages.catalog.models import Flavor, Image, ImageFlavor, ImageShare
from liteimages.catalog.records import FlavorRecord, ImageRecord, encode_flavor, encode_image
from liteimages.catalog.view import CatalogView
from liteimages.db import revisions

# Rows are fetched in batches, so a large catalog never has all its raw rows in memory
# next to the records built from them.
IMAGE_BATCH = 5000


def load_view(session: Session) -> CatalogView:
    """Read every image, flavor, link and share, and return them as a view.

    The caller's transaction should be a snapshot (SQLite's default in WAL mode,
    REPEATABLE READ on PostgreSQL) so the revision matches the rows.
    """
    revision = revisions.read_all(session)[revisions.CATALOG]
    flavors = _load_flavors(session)
    flavor_names = {flavor_id: record.name for flavor_id, record in flavors.items()}
    links: defaultdict[str, set[str]] = defaultdict(set)
    for image_id, flavor_id in session.execute(select(ImageFlavor.image_id, ImageFlavor.flavor_id)):
        links[image_id].add(flavor_names[flavor_id])
    shares: defaultdict[str, set[str]] = defaultdict(set)
    for image_id, project_id in session.execute(select(ImageShare.image_id, ImageShare.project_id)):
        shares[image_id].add(project_id)
    images = [
        _image_record(row, frozenset(links.get(row.id, ())), frozenset(shares.get(row.id, ())))
        for row in session.execute(
            select(
                Image.id,
                Image.name,
                Image.arch,
                Image.server_type,
                Image.status,
                Image.visibility,
                Image.owner_project_id,
                Image.created_at,
                Image.updated_at,
            ).execution_options(yield_per=IMAGE_BATCH)
        )
    ]
    return CatalogView(revision, images, list(flavors.values()))


def _image_record(row: Any, flavor_names: frozenset[str], shared: frozenset[str]) -> ImageRecord:
    record = ImageRecord(
        id=row.id,
        name=row.name,
        arch=Arch(row.arch),
        server_type=ServerType(row.server_type),
        status=ImageStatus(row.status),
        visibility=Visibility(row.visibility),
        owner_project_id=row.owner_project_id,
        shared_with=shared,
        flavor_names=flavor_names,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
    object.__setattr__(record, "wire", encode_image(record))
    return record


def _load_flavors(session: Session) -> dict[str, FlavorRecord]:
    flavors: dict[str, FlavorRecord] = {}
    for flavor in session.scalars(select(Flavor)):
        record = FlavorRecord(
            name=flavor.name,
            arch=Arch(flavor.arch),
            server_type=ServerType(flavor.server_type),
            availability_zone=flavor.availability_zone,
            charging_mode=ChargingMode(flavor.charging_mode),
            count=flavor.count,
            flavor_type=flavor.flavor_type,
            roce_num=flavor.roce_num,
            sku_code=flavor.sku_code,
            specification=flavor.specification,
            status=flavor.status,
            is_sold_out=flavor.is_sold_out,
        )
        object.__setattr__(record, "wire", encode_flavor(record))
        flavors[flavor.id] = record
    return flavors
