"""Build a `CatalogView` from the database in one consistent read.

A view lives for as long as its revision is current, so the loader keeps each image
small. Equal flavor-name sets, share sets, project ids and timestamps are stored as
one shared object each, and no temporary per-image container outlives the load.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from itertools import groupby
from operator import itemgetter
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from liteimages.catalog.enums import Arch, ChargingMode, ImageStatus, ServerType, Visibility
from liteimages.catalog.models import Flavor, Image, ImageFlavor, ImageShare
from liteimages.catalog.records import (
    FlavorRecord,
    ImageRecord,
    encode_flavor,
    encode_image_fields,
)
from liteimages.catalog.view import CatalogView
from liteimages.db import revisions

# Rows are fetched in batches, so a large catalog never has all its raw rows in memory
# next to the records built from them.
IMAGE_BATCH = 5000

# Python 3.11 creates a new 216-byte object for each `frozenset(())`, so images with no
# links or shares all refer to this one.
EMPTY_SET: frozenset[str] = frozenset()

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


class _Shared:
    """Equal values seen during one load, so that each is stored once."""

    def __init__(self) -> None:
        self.strings: dict[str, str] = {}
        self.string_sets: dict[frozenset[str], frozenset[str]] = {EMPTY_SET: EMPTY_SET}
        self.times: dict[datetime, datetime] = {}


def load_view(session: Session, previous: CatalogView | None = None) -> CatalogView:
    """Read every image, flavor, link and share, and return them as a view.

    The caller's transaction should be a snapshot (SQLite's default in WAL mode,
    REPEATABLE READ on PostgreSQL) so the revision matches the rows. The new view
    reuses each record of `previous` whose image did not change, so a reload after a
    small change builds few records, and the two views share most of their memory.
    """
    revision = revisions.read_all(session)[revisions.CATALOG]
    shared = _Shared()
    flavors = _load_flavors(session)
    flavor_names = {flavor_id: record.name for flavor_id, record in flavors.items()}
    links = _grouped(
        (
            (image_id, flavor_names[flavor_id])
            for image_id, flavor_id in session.execute(
                select(ImageFlavor.image_id, ImageFlavor.flavor_id).order_by(ImageFlavor.image_id)
            )
        ),
        shared,
    )
    shares = _grouped(
        session.execute(
            select(ImageShare.image_id, ImageShare.project_id).order_by(ImageShare.image_id)
        ),
        shared,
    )
    if previous is None:
        previous = CatalogView(-1, [], [])
    images = _load_images(session, links, shares, shared, previous)
    return CatalogView(revision, images, list(flavors.values()))


def _grouped(rows: Iterable[tuple[str, str]], shared: _Shared) -> dict[str, frozenset[str]]:
    """Return the set of values of each image, from rows ordered by image id."""
    groups: dict[str, frozenset[str]] = {}
    for image_id, group in groupby(rows, key=itemgetter(0)):
        values = frozenset(_share(shared.strings, value) for _, value in group)
        groups[image_id] = _share(shared.string_sets, values)
    return groups


def _load_images(
    session: Session,
    links: dict[str, frozenset[str]],
    shares: dict[str, frozenset[str]],
    shared: _Shared,
    previous: CatalogView,
) -> list[ImageRecord]:
    rows = session.execute(
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
    arches, server_types = _members(Arch), _members(ServerType)
    statuses, visibilities = _members(ImageStatus), _members(Visibility)
    strings, times = shared.strings, shared.times
    find_previous = previous.find_record
    images = []
    for (
        image_id,
        name,
        arch_value,
        server_type_value,
        status_value,
        visibility_value,
        owner,
        created_at,
        updated_at,
    ) in rows:
        arch = _member(Arch, arches, arch_value)
        server_type = _member(ServerType, server_types, server_type_value)
        status = _member(ImageStatus, statuses, status_value)
        visibility = _member(Visibility, visibilities, visibility_value)
        # Popping frees each link key as its image is read, so later allocations reuse
        # that memory.
        shared_with = shares.pop(image_id, EMPTY_SET)
        flavor_names = links.pop(image_id, EMPTY_SET)
        old = find_previous(image_id)
        # The old record stays when every field but the wire bytes (which follow from
        # the others) is equal. The field most likely to differ is compared first.
        if (
            old is not None
            and old.updated_at == updated_at
            and old.name == name
            and old.arch is arch
            and old.server_type is server_type
            and old.status is status
            and old.visibility is visibility
            and old.owner_project_id == owner
            and old.shared_with == shared_with
            and old.flavor_names == flavor_names
            and old.created_at == created_at
        ):
            images.append(old)
            continue
        images.append(
            ImageRecord(
                id=image_id,
                name=name,
                arch=arch,
                server_type=server_type,
                status=status,
                visibility=visibility,
                owner_project_id=None if owner is None else _share(strings, owner),
                shared_with=shared_with,
                flavor_names=flavor_names,
                created_at=_share(times, created_at),
                updated_at=_share(times, updated_at),
                wire=encode_image_fields(image_id, name, arch, server_type, status),
            )
        )
    return images


def _share(seen: dict[T, T], value: T) -> T:
    """Return the first value equal to `value` that `seen` stored, storing `value` if none."""
    return seen.setdefault(value, value)


def _members(enum_type: type[E]) -> dict[str, E]:
    return {member.value: member for member in enum_type}


def _member(enum_type: type[E], members: dict[str, E], value: str) -> E:
    # A dictionary lookup is several times faster than calling the enum. The call stays
    # as the fallback, so an unknown value raises the enum's own ValueError.
    member = members.get(value)
    return enum_type(value) if member is None else member


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
