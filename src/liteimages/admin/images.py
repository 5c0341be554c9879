"""Administer images: register, read, update, retire, delete, link flavors and share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liteimages.admin import fields
from liteimages.admin import representations as rep
from liteimages.admin.representations import Representation
from liteimages.audit.trail import Actor, record
from liteimages.catalog import service
from liteimages.catalog.enums import Arch, ImageStatus, ServerType, Visibility
from liteimages.catalog.ids import is_image_id
from liteimages.catalog.models import Flavor, Image, ImageFlavor, ImageShare
from liteimages.catalog.query import MAX_FLAVOR_NAME, MAX_IMAGE_NAME
from liteimages.catalog.service import ImageSpec
from liteimages.db import revisions
from liteimages.db.base import utcnow
from liteimages.errors import Conflict, Forbidden, InvalidArgument, NotFound, PreconditionFailed
from liteimages.identity.models import Project
from liteimages.identity.policy import (
    administers_system,
    is_administrator,
    require_account,
    require_system,
)

# Times outside this range cannot be stored on every database or shown as four-digit years.
MIN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(9999, 12, 30, tzinfo=UTC)
# Descriptive fields and their column widths.
DESCRIPTIVE = {
    "os": 64, "os_version": 64, "accelerator": 16, "driver_version": 64, "cann_version": 64,
    "cuda_version": 64,
}  # fmt: skip
MAX_DESCRIPTION = 4096
MAX_TAGS = 64
MAX_SHARES = 1024
MUTABLE_FIELDS = frozenset(
    {"name", "status", "visibility", "owner_project_id", "description", "tags", "protected"}
    | set(DESCRIPTIVE)
)
CREATE_FIELDS = MUTABLE_FIELDS | {
    "id", "arch", "server_type", "flavors", "shared_with", "created_at", "updated_at",
}  # fmt: skip


def parse_image(document: Mapping[str, Any]) -> tuple[ImageSpec, list[str], list[str]]:
    """Read a full image document: the spec, its flavor names and share projects."""
    fields.reject_unknown(document, CREATE_FIELDS)
    visibility = fields.choice(document, "visibility", Visibility, default=Visibility.PUBLIC)
    spec = ImageSpec(
        id=fields.text(document, "id", 36, default=None),
        name=check_name(document, "name", MAX_IMAGE_NAME),
        arch=fields.choice(document, "arch", Arch),
        server_type=fields.choice(document, "server_type", ServerType),
        status=fields.choice(document, "status", ImageStatus, default=ImageStatus.ACTIVE),
        visibility=visibility,
        owner_project_id=fields.text(document, "owner_project_id", 64, default=None),
        description=fields.text(document, "description", MAX_DESCRIPTION, default=""),
        tags=fields.string_list(document, "tags", MAX_TAGS, 64, default=[]),
        protected=fields.boolean(document, "protected", default=False),
        created_at=parse_time(document, "created_at"),
        updated_at=parse_time(document, "updated_at"),
        **{
            name: fields.text(document, name, width, default="")
            for name, width in DESCRIPTIVE.items()
        },
    )
    flavors = fields.string_list(document, "flavors", 4096, MAX_FLAVOR_NAME, default=[])
    shared = fields.string_list(document, "shared_with", MAX_SHARES, 64, default=[])
    return spec, flavors, shared


def parse_time(document: Mapping[str, Any], name: str) -> datetime | None:
    """Read an optional ISO 8601 timestamp with a time zone."""
    value = document.get(name)
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidArgument(
                name, "must be an ISO 8601 time such as 2025-01-02T03:04:05Z"
            ) from None
    else:
        raise InvalidArgument(name, "must be an ISO 8601 time such as 2025-01-02T03:04:05Z")
    if moment.tzinfo is None:
        raise InvalidArgument(name, "must include a time zone, such as Z for UTC")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        moment = datetime.min.replace(tzinfo=UTC)
    if not MIN_TIME <= moment <= MAX_TIME:
        raise InvalidArgument(name, "must be between 1970-01-01T00:00:00Z and 9999-12-30T00:00:00Z")
    return moment


def check_changeable(
    changes: Mapping[str, Any], mutable: frozenset[str], known: frozenset[str]
) -> None:
    """Raise for the first field of `changes` that is unknown or cannot change."""
    for name in sorted(set(changes) - mutable):
        if name in known:
            changeable = ", ".join(sorted(mutable))
            raise InvalidArgument(name, f"cannot be changed; changeable: {changeable}")
        raise InvalidArgument(
            name, f"is not a known field; changeable: {', '.join(sorted(mutable))}"
        )


def check_image_id(image_id: str) -> None:
    """Raise `InvalidArgument` unless `image_id` is a well-formed image id."""
    if not is_image_id(image_id):
        raise InvalidArgument("id", "must be a UUID such as d7811cdb-b0c6-44fe-9931-1f3b2b6ef477")


def check_name(document: Mapping[str, Any], name: str, max_length: int) -> str:
    """Read a required display name: not blank and without control characters."""
    value: str = fields.text(document, name, max_length, min_length=1)
    if not value.strip() or any(not character.isprintable() for character in value):
        raise InvalidArgument(name, "must not be blank or contain control characters")
    return value


class ImageAdmin:
    """Image use cases for one actor inside one write transaction."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    def create(self, document: Mapping[str, Any]) -> Representation:
        """Register an image with its flavor links and shares."""
        spec, flavors, shared = parse_image(document)
        self._require(spec.visibility, spec.owner_project_id, "CreateImage")
        image = service.add_image(self.session, spec)
        for flavor_name in flavors:
            service.link_flavor(self.session, image.id, flavor_name)
        for project_id in shared:
            service.share_image(self.session, image.id, project_id)
        after = self.represent(image)
        record(self.session, self.actor, "image.create", "image", image.id, None, after)
        return after

    def get(self, image_id: str) -> Representation:
        """Return one image the actor may administer."""
        check_image_id(image_id)
        image = service.get_image(self.session, image_id)
        self._require(Visibility(image.visibility), image.owner_project_id, "ShowImage")
        return self.represent(image)

    def update(
        self, image_id: str, changes: Mapping[str, Any], if_match: str | None
    ) -> Representation:
        """Apply `changes` to an image, refusing a stale `if_match`."""
        image, before = self._locked(image_id, if_match, "UpdateImage")
        check_changeable(changes, MUTABLE_FIELDS, CREATE_FIELDS)
        self._apply(image, changes)
        self._check_visibility(image)
        image.updated_at = utcnow()
        self.session.flush()
        revisions.bump(self.session, revisions.CATALOG)
        after = self.represent(image)
        record(self.session, self.actor, "image.update", "image", image.id, before, after)
        return after

    def delete(self, image_id: str, if_match: str | None) -> None:
        """Delete an image unless it is protected."""
        image, before = self._locked(image_id, if_match, "DeleteImage")
        if image.protected:
            raise Conflict(f"Image {image_id} is protected; set protected to false first")
        self.session.delete(image)
        self.session.flush()
        revisions.bump(self.session, revisions.CATALOG)
        record(self.session, self.actor, "image.delete", "image", image_id, before, None)

    def link(self, image_id: str, flavor_name: str) -> bool:
        """Record that the image boots the flavor; False if it already did."""
        image, before = self._locked(image_id, None, "LinkImageFlavor")
        added = service.link_flavor(self.session, image_id, flavor_name)
        if added:
            after = self.represent(image)
            record(self.session, self.actor, "image.link", "image", image_id, before, after)
        return added

    def unlink(self, image_id: str, flavor_name: str) -> bool:
        """Remove a compatibility link; False if there was none."""
        image, before = self._locked(image_id, None, "UnlinkImageFlavor")
        flavor = service.find_flavor(self.session, flavor_name)
        link = self.session.get(ImageFlavor, (image_id, flavor.id)) if flavor else None
        if link is None:
            return False
        self.session.delete(link)
        self.session.flush()
        revisions.bump(self.session, revisions.CATALOG)
        record(
            self.session,
            self.actor,
            "image.unlink",
            "image",
            image_id,
            before,
            self.represent(image),
        )
        return True

    def share(self, image_id: str, project_id: str) -> bool:
        """Share a private image with a project; False if it already was."""
        image, before = self._locked(image_id, None, "ShareImage")
        added = service.share_image(self.session, image_id, project_id)
        if added:
            record(
                self.session,
                self.actor,
                "image.share",
                "image",
                image_id,
                before,
                self.represent(image),
            )
        return added

    def unshare(self, image_id: str, project_id: str) -> bool:
        """Revoke a share; False if there was none."""
        image, before = self._locked(image_id, None, "UnshareImage")
        share = self.session.get(ImageShare, (image_id, project_id))
        if share is None:
            return False
        self.session.delete(share)
        self.session.flush()
        revisions.bump(self.session, revisions.CATALOG)
        record(
            self.session,
            self.actor,
            "image.unshare",
            "image",
            image_id,
            before,
            self.represent(image),
        )
        return True

    def represent(self, image: Image) -> Representation:
        """Return the full representation of a stored image."""
        flavors = self.session.scalars(
            select(Flavor.name)
            .join(ImageFlavor, ImageFlavor.flavor_id == Flavor.id)
            .where(ImageFlavor.image_id == image.id)
        ).all()
        shared = self.session.scalars(
            select(ImageShare.project_id).where(ImageShare.image_id == image.id)
        ).all()
        return rep.image(image, flavors, shared)

    def represent_many(self, images: Sequence[Image]) -> list[Representation]:
        """Return the representations of many images with two queries in all."""
        flavors: dict[str, list[str]] = {image.id: [] for image in images}
        shares: dict[str, list[str]] = {image.id: [] for image in images}
        links = select(ImageFlavor.image_id, Flavor.name).join(
            Flavor, ImageFlavor.flavor_id == Flavor.id
        )
        for image_id, flavor_name in self.session.execute(links):
            if image_id in flavors:
                flavors[image_id].append(flavor_name)
        for image_id, project_id in self.session.execute(
            select(ImageShare.image_id, ImageShare.project_id)
        ):
            if image_id in shares:
                shares[image_id].append(project_id)
        return [rep.image(image, flavors[image.id], shares[image.id]) for image in images]

    def _locked(
        self, image_id: str, if_match: str | None, operation: str
    ) -> tuple[Image, Representation]:
        check_image_id(image_id)
        image = self.session.get(Image, image_id, with_for_update=True)
        if image is None:
            raise NotFound(image_id)
        self._require(Visibility(image.visibility), image.owner_project_id, operation)
        before = self.represent(image)
        check_if_match(f"Image {image_id}", before, if_match)
        return image, before

    def _apply(self, image: Image, changes: Mapping[str, Any]) -> None:
        if "name" in changes:
            image.name = check_name(changes, "name", MAX_IMAGE_NAME)
        if "status" in changes:
            image.status = fields.choice(changes, "status", ImageStatus).value
        if "visibility" in changes:
            image.visibility = fields.choice(changes, "visibility", Visibility).value
        if "owner_project_id" in changes:
            owner = changes["owner_project_id"]
            # null removes the owner, which a public image needs.
            image.owner_project_id = (
                None if owner is None else fields.text(changes, "owner_project_id", 64)
            )
        if "description" in changes:
            image.description = fields.text(changes, "description", MAX_DESCRIPTION)
        if "tags" in changes:
            image.tags = fields.string_list(changes, "tags", MAX_TAGS, 64)
        if "protected" in changes:
            image.protected = fields.boolean(changes, "protected")
        for name, width in DESCRIPTIVE.items():
            if name in changes:
                setattr(image, name, fields.text(changes, name, width))

    def _check_visibility(self, image: Image) -> None:
        visibility = Visibility(image.visibility)
        if visibility is Visibility.PUBLIC:
            if image.owner_project_id is not None:
                raise InvalidArgument("owner_project_id", "must be null for a public image")
            shares = select(ImageShare).where(ImageShare.image_id == image.id)
            for share in self.session.scalars(shares):
                self.session.delete(share)
        elif image.owner_project_id is None:
            raise InvalidArgument("owner_project_id", "is required for a private image")
        elif self.session.get(Project, image.owner_project_id) is None:
            raise NotFound(image.owner_project_id)
        self._require(visibility, image.owner_project_id, "UpdateImage")

    def _require(
        self, visibility: Visibility, owner_project_id: str | None, operation: str
    ) -> None:
        principal = self.actor.principal
        if principal is None:
            return
        if visibility is Visibility.PUBLIC or owner_project_id is None:
            require_system(principal, operation)
            return
        project = self.session.get(Project, owner_project_id)
        if project is None:
            raise NotFound(owner_project_id)
        require_account(principal, project.account_id, operation)


def check_if_match(resource: str, current: Representation, if_match: str | None) -> None:
    """Raise `PreconditionFailed` if `if_match` names another version than `current`."""
    if if_match is None or if_match.strip() == "*":
        return
    current_etag = rep.etag(current)
    offered = {tag.strip() for tag in if_match.split(",")}
    if current_etag not in offered:
        raise PreconditionFailed(resource, current_etag)


def list_images(
    session: Session, actor: Actor, owner_project_id: str | None = None
) -> Sequence[Image]:
    """Return the images the actor administers, by name; optionally one project's private ones.

    System administrators and the operator see every image; an account administrator
    sees the private images of the account's projects.
    """
    query = select(Image).order_by(Image.name, Image.id)
    if owner_project_id is not None:
        query = query.where(Image.owner_project_id == owner_project_id)
    principal = actor.principal
    if principal is None or administers_system(principal):
        return session.scalars(query).all()
    if not is_administrator(principal):
        raise Forbidden("ListImages")
    owned = select(Project.id).where(Project.account_id == principal.account_id)
    return session.scalars(query.where(Image.owner_project_id.in_(owned))).all()
