"""Changes to the catalog: images, flavors, compatibility links and shares.

Every function works inside the caller's write transaction and increments the
catalog revision, so that every worker rebuilds its read view after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liteimages.catalog.enums import Arch, ChargingMode, ImageStatus, ServerType, Visibility
from liteimages.catalog.ids import is_image_id, new_image_id
from liteimages.catalog.models import Flavor, Image, ImageFlavor, ImageShare
from liteimages.catalog.query import MAX_FLAVOR_NAME, MAX_IMAGE_NAME
from liteimages.db import revisions
from liteimages.db.base import utcnow
from liteimages.errors import Conflict, InvalidArgument, NotFound
from liteimages.identity.models import Project


@dataclass(frozen=True)
class ImageSpec:
    """The fields an operator gives to register an image."""

    name: str
    arch: Arch
    server_type: ServerType
    status: ImageStatus = ImageStatus.ACTIVE
    visibility: Visibility = Visibility.PUBLIC
    owner_project_id: str | None = None
    id: str | None = None
    os: str = ""
    os_version: str = ""
    accelerator: str = ""
    driver_version: str = ""
    cann_version: str = ""
    cuda_version: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    protected: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class FlavorSpec:
    """The fields an operator gives to register a flavor."""

    name: str
    arch: Arch
    server_type: ServerType
    charging_mode: ChargingMode = ChargingMode.POST_PAID
    availability_zone: str = ""
    count: int = 0
    flavor_type: str = ""
    roce_num: int = 0
    sku_code: str = ""
    specification: str = ""
    status: str = "normal"
    is_sold_out: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


def add_image(session: Session, spec: ImageSpec) -> Image:
    """Register an image and return it."""
    image_id = _check_image_spec(session, spec)
    if session.get(Image, image_id) is not None:
        raise Conflict(f"Image {image_id} already exists")
    created = spec.created_at or utcnow()
    image = Image(
        id=image_id,
        name=spec.name,
        arch=spec.arch.value,
        server_type=spec.server_type.value,
        status=spec.status.value,
        visibility=spec.visibility.value,
        owner_project_id=spec.owner_project_id,
        os=spec.os,
        os_version=spec.os_version,
        accelerator=spec.accelerator,
        driver_version=spec.driver_version,
        cann_version=spec.cann_version,
        cuda_version=spec.cuda_version,
        description=spec.description,
        tags=list(spec.tags),
        protected=spec.protected,
        created_at=created,
        updated_at=spec.updated_at or created,
    )
    session.add(image)
    session.flush()
    revisions.bump(session, revisions.CATALOG)
    return image


def add_flavor(session: Session, spec: FlavorSpec) -> Flavor:
    """Register a flavor and return it."""
    if not 1 <= len(spec.name) <= MAX_FLAVOR_NAME:
        raise InvalidArgument("name", f"must be 1 to {MAX_FLAVOR_NAME} characters")
    if find_flavor(session, spec.name) is not None:
        raise Conflict(f"Flavor {spec.name!r} already exists")
    for name, number in (("count", spec.count), ("roce_num", spec.roce_num)):
        if number < 0:
            raise InvalidArgument(name, "must not be negative")
    flavor = Flavor(
        id=new_image_id(),
        name=spec.name,
        arch=spec.arch.value,
        server_type=spec.server_type.value,
        charging_mode=spec.charging_mode.value,
        availability_zone=spec.availability_zone,
        count=spec.count,
        flavor_type=spec.flavor_type,
        roce_num=spec.roce_num,
        sku_code=spec.sku_code,
        specification=spec.specification,
        status=spec.status,
        is_sold_out=spec.is_sold_out,
    )
    if spec.created_at is not None:
        flavor.created_at = spec.created_at
        flavor.updated_at = spec.updated_at or spec.created_at
    session.add(flavor)
    session.flush()
    revisions.bump(session, revisions.CATALOG)
    return flavor


def link_flavor(session: Session, image_id: str, flavor_name: str) -> bool:
    """Record that the image boots the flavor; return False if it was already linked."""
    image = get_image(session, image_id)
    flavor = find_flavor(session, flavor_name)
    if flavor is None:
        raise NotFound(flavor_name)
    if flavor.arch != image.arch or flavor.server_type != image.server_type:
        raise InvalidArgument(
            "flavor_name",
            f"flavor {flavor_name!r} is {flavor.server_type}/{flavor.arch} but image "
            f"{image_id} is {image.server_type}/{image.arch}",
        )
    if session.get(ImageFlavor, (image.id, flavor.id)) is not None:
        return False
    session.add(ImageFlavor(image_id=image.id, flavor_id=flavor.id))
    session.flush()
    revisions.bump(session, revisions.CATALOG)
    return True


def share_image(session: Session, image_id: str, project_id: str) -> bool:
    """Make a private image visible to another project; return False if it already was."""
    image = get_image(session, image_id)
    if image.visibility != Visibility.PRIVATE.value:
        raise InvalidArgument(
            "image_id", f"image {image_id} is public; only private images are shared"
        )
    if session.get(Project, project_id) is None:
        raise NotFound(project_id)
    if project_id == image.owner_project_id or _share_exists(session, image_id, project_id):
        return False
    session.add(ImageShare(image_id=image_id, project_id=project_id))
    session.flush()
    revisions.bump(session, revisions.CATALOG)
    return True


def get_image(session: Session, image_id: str) -> Image:
    """Return the image `image_id` or raise `NotFound`."""
    image = session.get(Image, image_id) if is_image_id(image_id) else None
    if image is None:
        raise NotFound(image_id)
    return image


def find_flavor(session: Session, name: str) -> Flavor | None:
    """Return the flavor called `name`, if any."""
    return session.scalar(select(Flavor).where(Flavor.name == name))


def _check_image_spec(session: Session, spec: ImageSpec) -> str:
    if not 1 <= len(spec.name) <= MAX_IMAGE_NAME:
        raise InvalidArgument("name", f"must be 1 to {MAX_IMAGE_NAME} characters")
    image_id = spec.id or new_image_id()
    if not is_image_id(image_id):
        raise InvalidArgument("id", "must be a lower-case RFC 4122 UUID of version 1 to 5")
    if spec.visibility is Visibility.PRIVATE:
        if spec.owner_project_id is None:
            raise InvalidArgument("owner_project_id", "is required for a private image")
        if session.get(Project, spec.owner_project_id) is None:
            raise NotFound(spec.owner_project_id)
    elif spec.owner_project_id is not None:
        raise InvalidArgument("owner_project_id", "must be empty for a public image")
    return image_id


def _share_exists(session: Session, image_id: str, project_id: str) -> bool:
    return session.get(ImageShare, (image_id, project_id)) is not None
