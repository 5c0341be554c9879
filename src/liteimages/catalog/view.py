"""The in-memory read view of the catalog that serves the three catalog calls.

A `CatalogView` is built from one database revision and never changes. Filtered
and sorted match lists are computed on first use and kept, within a bound, so
that paging through a large catalog slices a ready list instead of scanning it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter

from liteimages.catalog.enums import SortDir, SortKey, Visibility
from liteimages.catalog.paging import Page, paginate
from liteimages.catalog.query import MAX_FLAVOR_NAME, FlavorQuery, ImageQuery
from liteimages.catalog.records import FlavorRecord, ImageRecord
from liteimages.errors import InvalidArgument, NoImageAvailable, NotFound

# Upper bound on image references held by cached match lists: 8 bytes each, so
# about 32 MB at most, whatever the catalog size.
MAX_CACHED_REFERENCES = 4_000_000

MatchKey = tuple[object, ...]


class CatalogView:
    """An immutable snapshot of images and flavors at one catalog revision."""

    def __init__(
        self, revision: int, images: Sequence[ImageRecord], flavors: Sequence[FlavorRecord]
    ) -> None:
        self.revision = revision
        self._by_id = {image.id: image for image in images}
        self._flavors = tuple(sorted(flavors, key=attrgetter("name")))
        self._flavor_names = frozenset(flavor.name for flavor in flavors)
        # Python's sort is stable, so sorting the id order by a field orders by (field, id)
        # without building a key tuple per image.
        by_id = sorted(images, key=attrgetter("id"))
        self._sorted = {
            SortKey.NAME: tuple(sorted(by_id, key=attrgetter("name"))),
            SortKey.CREATED_AT: tuple(sorted(by_id, key=attrgetter("created_at"))),
            SortKey.UPDATED_AT: tuple(sorted(by_id, key=attrgetter("updated_at"))),
        }
        # Projects that see more than the public images: owners and share targets.
        self._private_projects = frozenset(
            project
            for image in images
            if image.visibility is Visibility.PRIVATE
            for project in (image.owner_project_id, *image.shared_with)
            if project is not None
        )
        self._matches: dict[MatchKey, tuple[bytes, ...]] = {}
        self._cached_references = 0

    @property
    def image_count(self) -> int:
        """Return the number of images of every visibility."""
        return len(self._by_id)

    @property
    def flavor_count(self) -> int:
        """Return the number of flavors."""
        return len(self._flavors)

    def find_record(self, image_id: str) -> ImageRecord | None:
        """Return the image `image_id` whatever its visibility, or None if there is none."""
        return self._by_id.get(image_id)

    def get_image(self, project_id: str, image_id: str) -> ImageRecord:
        """Return the image `image_id` if `project_id` may see it, else raise `NotFound`."""
        image = self._by_id.get(image_id)
        if image is None or not image.visible_to(project_id):
            raise NotFound(image_id)
        return image

    def list_images(self, project_id: str, query: ImageQuery) -> Page:
        """Return one page of the images `project_id` may see that match `query`.

        Raises `NoImageAvailable` when the project sees no image at all, and
        `InvalidArgument` when the flavor filter names an unknown flavor.
        """
        if not self._visible(project_id, None, query.sort_key, SortDir.ASC):
            raise NoImageAvailable()
        if query.flavor_name is not None and query.flavor_name not in self._flavor_names:
            raise InvalidArgument(
                query.flavor_parameter,
                f"names flavor {query.flavor_name!r}, which does not exist",
            )
        matches = self._visible(project_id, query.filters, query.sort_key, query.sort_dir)
        return paginate(matches, query.page)

    def list_flavors(self, query: FlavorQuery) -> Page:
        """Return one page of the flavors that match `query`, sorted by name."""
        wires = [
            flavor.wire
            for flavor in self._flavors
            if (query.server_type is None or flavor.server_type is query.server_type)
            and (query.arch is None or flavor.arch is query.arch)
            and (query.charging_mode is None or flavor.charging_mode is query.charging_mode)
        ]
        return paginate(wires, query.page)

    def has_flavor(self, name: str) -> bool:
        """Return whether a flavor called `name` exists."""
        return len(name) <= MAX_FLAVOR_NAME and name in self._flavor_names

    def _visible(
        self, project_id: str, filters: tuple[object, ...] | None, key: SortKey, direction: SortDir
    ) -> tuple[bytes, ...]:
        # Projects without private images all see the same list, so they share one entry.
        scope = project_id if project_id in self._private_projects else None
        match_key: MatchKey = (scope, filters, key, direction)
        cached = self._matches.get(match_key)
        if cached is not None:
            return cached
        accept = _predicate(project_id, filters)
        ordered = self._sorted[key]
        if direction is SortDir.DESC:
            ordered = ordered[::-1]
        matches = tuple(image.wire for image in ordered if accept(image))
        self._remember(match_key, matches)
        return matches

    def _remember(self, key: MatchKey, matches: tuple[bytes, ...]) -> None:
        while self._matches and self._cached_references + len(matches) > MAX_CACHED_REFERENCES:
            oldest = next(iter(self._matches))
            self._cached_references -= len(self._matches.pop(oldest))
        self._matches[key] = matches
        self._cached_references += len(matches)


def _predicate(
    project_id: str, filters: tuple[object, ...] | None
) -> Callable[[ImageRecord], bool]:
    server_type, flavor_name, arch, status, name = filters or (None, None, None, None, None)

    def accept(image: ImageRecord) -> bool:
        return (
            image.visible_to(project_id)
            and (server_type is None or image.server_type is server_type)
            and (flavor_name is None or flavor_name in image.flavor_names)
            and (arch is None or image.arch is arch)
            and (status is None or image.status is status)
            and (name is None or image.name == name)
        )

    return accept
