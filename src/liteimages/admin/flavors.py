"""Administer flavors: create, read, update and delete (only while no image boots them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liteimages.admin import fields
from liteimages.admin import representations as rep
from liteimages.admin.images import check_changeable, check_if_match, parse_time
from liteimages.admin.representations import Representation
from liteimages.audit.trail import Actor, record
from liteimages.catalog import service
from liteimages.catalog.enums import Arch, ChargingMode, ServerType
from liteimages.catalog.models import Flavor, ImageFlavor
from liteimages.catalog.query import MAX_FLAVOR_NAME
from liteimages.catalog.service import FlavorSpec
from liteimages.db import revisions
from liteimages.db.base import utcnow
from liteimages.errors import Conflict, NotFound
from liteimages.identity.policy import require_administrator, require_system

MAX_COUNT = 1_000_000
TEXT_FIELDS = {
    "availability_zone": 64, "flavor_type": 32, "sku_code": 128, "specification": 512,
    "status": 16,
}  # fmt: skip
MUTABLE_FIELDS = frozenset({"charging_mode", "count", "roce_num", "is_sold_out", *TEXT_FIELDS})
CREATE_FIELDS = MUTABLE_FIELDS | {"name", "arch", "server_type", "created_at", "updated_at"}


def parse_flavor(document: Mapping[str, Any]) -> FlavorSpec:
    """Read a full flavor document."""
    fields.reject_unknown(document, CREATE_FIELDS)
    return FlavorSpec(
        name=fields.text(document, "name", MAX_FLAVOR_NAME, min_length=1),
        arch=fields.choice(document, "arch", Arch),
        server_type=fields.choice(document, "server_type", ServerType),
        charging_mode=fields.choice(
            document, "charging_mode", ChargingMode, default=ChargingMode.POST_PAID
        ),
        count=fields.integer(document, "count", 0, MAX_COUNT, default=0),
        roce_num=fields.integer(document, "roce_num", 0, 1024, default=0),
        is_sold_out=fields.boolean(document, "is_sold_out", default=False),
        created_at=parse_time(document, "created_at"),
        updated_at=parse_time(document, "updated_at"),
        **{
            name: fields.text(document, name, limit, default="normal" if name == "status" else "")
            for name, limit in TEXT_FIELDS.items()
        },
    )


class FlavorAdmin:
    """Flavor use cases for one actor inside one write transaction."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    def create(self, document: Mapping[str, Any]) -> Representation:
        """Register a flavor."""
        require_system(self.actor.principal, "CreateFlavor")
        flavor = service.add_flavor(self.session, parse_flavor(document))
        after = rep.flavor(flavor)
        record(self.session, self.actor, "flavor.create", "flavor", flavor.name, None, after)
        return after

    def get(self, name: str) -> Representation:
        """Return one flavor to any administrator."""
        require_administrator(self.actor.principal, "ShowFlavor")
        return rep.flavor(self._find(name, lock=False))

    def list(self) -> Sequence[Representation]:
        """Return every flavor, by name, to any administrator."""
        require_administrator(self.actor.principal, "ListFlavors")
        return [
            rep.flavor(flavor)
            for flavor in self.session.scalars(select(Flavor).order_by(Flavor.name))
        ]

    def update(self, name: str, changes: Mapping[str, Any], if_match: str | None) -> Representation:
        """Apply `changes` to a flavor, refusing a stale `if_match`."""
        require_system(self.actor.principal, "UpdateFlavor")
        flavor = self._find(name, lock=True, key_share=True)
        before = rep.flavor(flavor)
        check_if_match(f"Flavor {name}", before, if_match)
        check_changeable(changes, MUTABLE_FIELDS, CREATE_FIELDS)
        merged = {**before, **changes}
        spec = parse_flavor(
            {key: merged[key] for key in CREATE_FIELDS - {"created_at", "updated_at"}}
        )
        flavor.charging_mode = spec.charging_mode.value
        flavor.count = spec.count
        flavor.roce_num = spec.roce_num
        flavor.is_sold_out = spec.is_sold_out
        for field in TEXT_FIELDS:
            setattr(flavor, field, getattr(spec, field))
        flavor.updated_at = utcnow()
        self.session.flush()
        revisions.bump(self.session, revisions.CATALOG)
        after = rep.flavor(flavor)
        record(self.session, self.actor, "flavor.update", "flavor", name, before, after)
        return after

    def delete(self, name: str, if_match: str | None) -> None:
        """Delete a flavor that no image boots."""
        require_system(self.actor.principal, "DeleteFlavor")
        flavor = self._find(name, lock=True)
        before = rep.flavor(flavor)
        check_if_match(f"Flavor {name}", before, if_match)
        linked = self.session.scalars(
            select(ImageFlavor.image_id).where(ImageFlavor.flavor_id == flavor.id).limit(6)
        ).all()
        if linked:
            shown = ", ".join(linked[:5]) + (", ..." if len(linked) > 5 else "")
            raise Conflict(
                f"Flavor {name!r} is still linked to images ({shown}); unlink them first"
            )
        self.session.delete(flavor)
        self.session.flush()
        revisions.bump(self.session, revisions.CATALOG)
        record(self.session, self.actor, "flavor.delete", "flavor", name, before, None)

    def _find(self, name: str, *, lock: bool, key_share: bool = False) -> Flavor:
        # An update takes FOR NO KEY UPDATE (key_share), which does not conflict with the
        # KEY SHARE lock that inserting an image-to-flavor link takes on PostgreSQL, so the
        # two cannot deadlock. A delete needs the full FOR UPDATE.
        query = select(Flavor).where(Flavor.name == name)
        if lock:
            query = query.with_for_update(key_share=key_share)
        flavor = self.session.scalar(query)
        if flavor is None:
            raise NotFound(name)
        return flavor
