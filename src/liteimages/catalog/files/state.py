"""The stored catalog, read in a few bulk queries for comparison with a catalog file."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from liteimages.catalog.models import Flavor, Image, ImageFlavor, ImageShare
from liteimages.identity.models import Project

# Keeps each IN list well below the bound-parameter limits of SQLite and PostgreSQL.
IN_CHUNK = 500


@dataclass(frozen=True)
class StoredCatalog:
    """Every stored flavor, image, link and share, plus which named projects exist."""

    flavors: dict[str, Flavor]
    images: dict[str, Image]
    image_ids_by_name: dict[str, list[str]]
    links: dict[str, set[str]]
    shares: dict[str, set[str]]
    projects: set[str]

    def flavors_of(self, image_id: str) -> set[str]:
        """Return the names of the flavors the stored image boots."""
        return self.links.get(image_id, set())

    def shares_of(self, image_id: str) -> set[str]:
        """Return the projects the stored image is shared with."""
        return self.shares.get(image_id, set())


def load_catalog(session: Session, project_ids: Collection[str]) -> StoredCatalog:
    """Read the whole catalog, and which of `project_ids` exist, from the session's transaction."""
    flavors = {flavor.name: flavor for flavor in session.scalars(select(Flavor))}
    images = {image.id: image for image in session.scalars(select(Image))}
    ids_by_name: dict[str, list[str]] = defaultdict(list)
    for image in images.values():
        ids_by_name[image.name].append(image.id)
    links: dict[str, set[str]] = defaultdict(set)
    link_rows = select(ImageFlavor.image_id, Flavor.name).join(
        Flavor, Flavor.id == ImageFlavor.flavor_id
    )
    for image_id, flavor_name in session.execute(link_rows):
        links[image_id].add(flavor_name)
    shares: dict[str, set[str]] = defaultdict(set)
    for image_id, project_id in session.execute(select(ImageShare.image_id, ImageShare.project_id)):
        shares[image_id].add(project_id)
    return StoredCatalog(
        flavors=flavors,
        images=images,
        image_ids_by_name=dict(ids_by_name),
        links=dict(links),
        shares=dict(shares),
        projects=existing_projects(session, project_ids),
    )


def existing_projects(session: Session, project_ids: Collection[str]) -> set[str]:
    """Return the ids in `project_ids` that name stored projects."""
    wanted = sorted(set(project_ids))
    found: set[str] = set()
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        found.update(session.scalars(select(Project.id).where(Project.id.in_(chunk))))
    return found
