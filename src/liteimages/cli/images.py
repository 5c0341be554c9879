"""`liteimages images`: read the catalog through the API, and administer images."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from liteimages.admin.images import DESCRIPTIVE
from liteimages.catalog.enums import Arch, ImageStatus, ServerType, SortDir, SortKey
from liteimages.cli.backends import Record
from liteimages.cli.connection import Connection, connection_options, open_client
from liteimages.cli.output import output_option, show_list, show_record
from liteimages.cli.params import enum_choice
from liteimages.cli.target import Target, admin_options, open_backend
from liteimages.client import Client, Image

F = TypeVar("F", bound=Callable[..., Any])

CATALOG_COLUMNS = ("image_id", "name", "arch", "server_type", "status")
ADMIN_COLUMNS = ("id", "name", "arch", "server_type", "status", "visibility", "owner_project_id")
MAX_PAGE_SIZE = 1024


@click.group()
def images() -> None:
    """Read the image catalog, and register, change and share images."""


# Catalog calls


@images.command("list")
@click.option("--server-type", type=enum_choice(ServerType), help="Only images of this kind.")
@click.option("--flavor-name", help="Only images recorded as able to boot this flavor.")
@click.option("--arch", type=enum_choice(Arch), help="Only images of this CPU architecture.")
@click.option("--status", type=enum_choice(ImageStatus), help="Only images with this status.")
@click.option("--name", help="Only images with exactly this name.")
@click.option("--sort-key", type=enum_choice(SortKey), help="Sort by this field (default name).")
@click.option("--sort-dir", type=enum_choice(SortDir), help="Sort direction (default ASC).")
@click.option("--limit", type=int, help="Page size, 1 to 1024 (default: every match at once).")
@click.option("--offset", type=int, help="Number of matches to skip.")
@click.option("--all", "every_page", is_flag=True, help="Fetch every page, --page-size at a time.")
@click.option(
    "--page-size",
    type=click.IntRange(1, MAX_PAGE_SIZE),
    default=MAX_PAGE_SIZE,
    show_default=True,
    help="Images per request with --all.",
)
@output_option
@connection_options
def list_catalog_images(
    connection: Connection,
    limit: int | None,
    offset: int | None,
    every_page: bool,
    page_size: int,
    output: str,
    **filters: str | None,
) -> None:
    """List the images the project may use (ListDevServerImages)."""
    if every_page and (limit is not None or offset is not None):
        raise click.UsageError(
            "--all fetches every page; it cannot be combined with --limit or --offset"
        )
    with open_client(connection) as client:
        if every_page:
            found = walk_images(client, page_size, filters)
        else:
            page = client.list_images(limit=limit, offset=offset, **filters)
            found = list(page.data)
            shown_from = offset or 0
            if shown_from + len(found) < page.total:
                click.echo(
                    f"Showing {len(found)} of {page.total} images (page {page.current} of "
                    f"{page.pages}); use --all or --offset for the rest.",
                    err=True,
                )
    show_list([dataclasses.asdict(image) for image in found], output, CATALOG_COLUMNS)


def walk_images(client: Client, page_size: int, filters: dict[str, str | None]) -> list[Image]:
    """Return every matching image, fetching `page_size` at a time until `total` is reached."""
    found: list[Image] = []
    offset = 0
    while True:
        page = client.list_images(limit=page_size, offset=offset, **filters)
        found.extend(page.data)
        offset += page_size
        if offset >= page.total or not page.data:
            return found


@images.command("show")
@click.argument("image_id")
@output_option
@connection_options
def show_catalog_image(connection: Connection, image_id: str, output: str) -> None:
    """Show one image of the project's catalog (GetDevServerImage)."""
    with open_client(connection) as client:
        image = client.get_image(image_id)
    show_record(dataclasses.asdict(image), output)


# Administration


def detail_options(function: F) -> F:
    """Add --os, --os-version and the other descriptive fields; the command receives `details`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        details = {name: kwargs.pop(name) for name in DESCRIPTIVE}
        given = {name: value for name, value in details.items() if value is not None}
        return function(*args, details=given, **kwargs)

    decorated: Any = wrapper
    for name in reversed(DESCRIPTIVE):
        flag = "--" + name.replace("_", "-")
        decorated = click.option(flag, name, help="Descriptive text, up to 64 characters.")(
            decorated
        )
    return decorated  # type: ignore[no-any-return]


def report_change(result: bool | None, done: str, unchanged: str, subject: str) -> None:
    """Print whether a link or share changed anything, where None means that it now exists."""
    click.echo(f"{unchanged if result is False else done}: {subject}")


@images.command("add")
@click.argument("name")
@click.option("--arch", type=enum_choice(Arch), required=True)
@click.option("--server-type", type=enum_choice(ServerType), required=True)
@click.option("--status", type=enum_choice(ImageStatus), default="ACTIVE", show_default=True)
@click.option("--private-to", "owner_project", help="Project id: make the image private to it.")
@click.option("--id", "image_id", help="Image id, a UUID (default: a new random one).")
@click.option("--flavor", "flavors", multiple=True, help="Flavor name the image boots; repeatable.")
@click.option(
    "--share", "shares", multiple=True, help="Project id to share a private image with; repeatable."
)
@click.option("--description", help="Free text, up to 4096 characters.")
@click.option("--tag", "tags", multiple=True, help="Tag, up to 64 characters; repeatable.")
@click.option("--protected", is_flag=True, help="Refuse deletion until protection is removed.")
@detail_options
@output_option
@admin_options
def add_image(
    target: Target,
    name: str,
    arch: str,
    server_type: str,
    status: str,
    owner_project: str | None,
    image_id: str | None,
    flavors: tuple[str, ...],
    shares: tuple[str, ...],
    description: str | None,
    tags: tuple[str, ...],
    protected: bool,
    details: dict[str, str],
    output: str,
) -> None:
    """Register an image NAME."""
    document: Record = {
        "name": name,
        "arch": arch.upper(),
        "server_type": server_type.upper(),
        "status": status.upper(),
        "visibility": "PRIVATE" if owner_project else "PUBLIC",
        "flavors": list(flavors),
        "shared_with": list(shares),
        "tags": list(tags),
        "protected": protected,
        **details,
    }
    if owner_project:
        document["owner_project_id"] = owner_project
    if image_id:
        document["id"] = image_id
    if description is not None:
        document["description"] = description
    with open_backend(target) as backend:
        image = backend.create_image(document)
    show_record(image, output, f"image {image['name']} id {image['id']}")


@images.command("update")
@click.argument("image_id")
@click.option("--name", help="New name.")
@click.option("--status", type=enum_choice(ImageStatus))
@click.option("--public", "make_public", is_flag=True, help="Make the image public.")
@click.option("--private-to", "owner_project", help="Project id: make the image private to it.")
@click.option("--description", help="Free text, up to 4096 characters.")
@click.option("--tag", "tags", multiple=True, help="Tag; repeatable; replaces every tag.")
@click.option("--clear-tags", is_flag=True, help="Remove every tag.")
@click.option("--protected/--unprotected", default=None, help="Set or remove delete protection.")
@click.option("--if-match", help="Change only if the image still has this ETag.")
@detail_options
@output_option
@admin_options
def update_image(
    target: Target,
    image_id: str,
    name: str | None,
    status: str | None,
    make_public: bool,
    owner_project: str | None,
    description: str | None,
    tags: tuple[str, ...],
    clear_tags: bool,
    protected: bool | None,
    if_match: str | None,
    details: dict[str, str],
    output: str,
) -> None:
    """Change fields of image IMAGE_ID."""
    if make_public and owner_project:
        raise click.UsageError("give either --public or --private-to, not both")
    if tags and clear_tags:
        raise click.UsageError("give either --tag or --clear-tags, not both")
    given = {"name": name, "status": status and status.upper(), "description": description}
    changes: Record = {key: value for key, value in given.items() if value is not None}
    if protected is not None:
        changes["protected"] = protected
    if make_public:
        changes.update(visibility="PUBLIC", owner_project_id=None)
    if owner_project:
        changes.update(visibility="PRIVATE", owner_project_id=owner_project)
    if tags or clear_tags:
        changes["tags"] = list(tags)
    changes.update(details)
    if not changes:
        raise click.UsageError("nothing to change; give at least one field option")
    with open_backend(target) as backend:
        image = backend.update_image(image_id, changes, if_match)
    show_record(image, output)


@images.command("delete")
@click.argument("image_id")
@click.option("--if-match", help="Delete only if the image still has this ETag.")
@admin_options
def delete_image(target: Target, image_id: str, if_match: str | None) -> None:
    """Delete image IMAGE_ID (rejected while it is protected)."""
    with open_backend(target) as backend:
        backend.delete_image(image_id, if_match)
    click.echo(f"deleted image {image_id}")


@images.command("inspect")
@click.argument("image_id")
@output_option
@admin_options
def inspect_image(target: Target, image_id: str, output: str) -> None:
    """Show every stored field of image IMAGE_ID, and print its ETag on stderr."""
    with open_backend(target) as backend:
        found = backend.get_image(image_id)
    show_record(found.record, output)
    click.echo(f"ETag: {found.etag}", err=True)


@images.command("list-admin")
@click.option("--owner-project-id", help="Only the private images of this project.")
@output_option
@admin_options
def list_admin_images(target: Target, owner_project_id: str | None, output: str) -> None:
    """List the images you administer, with visibility and owner."""
    with open_backend(target) as backend:
        found = backend.list_images(owner_project_id)
    show_list(found, output, ADMIN_COLUMNS)


@images.command("link")
@click.argument("image_id")
@click.argument("flavor_names", nargs=-1, required=True)
@admin_options
def link_image(target: Target, image_id: str, flavor_names: tuple[str, ...]) -> None:
    """Record that image IMAGE_ID boots each flavor in FLAVOR_NAMES."""
    with open_backend(target) as backend:
        for flavor in flavor_names:
            added = backend.link_flavor(image_id, flavor)
            report_change(added, "linked", "already linked", f"{image_id} boots {flavor}")


@images.command("unlink")
@click.argument("image_id")
@click.argument("flavor_names", nargs=-1, required=True)
@admin_options
def unlink_image(target: Target, image_id: str, flavor_names: tuple[str, ...]) -> None:
    """Remove the record that image IMAGE_ID boots each flavor in FLAVOR_NAMES."""
    with open_backend(target) as backend:
        for flavor in flavor_names:
            removed = backend.unlink_flavor(image_id, flavor)
            report_change(removed, "unlinked", "was not linked", f"{image_id} and {flavor}")


@images.command("share")
@click.argument("image_id")
@click.argument("project_ids", nargs=-1, required=True)
@admin_options
def share_image(target: Target, image_id: str, project_ids: tuple[str, ...]) -> None:
    """Share private image IMAGE_ID with each project in PROJECT_IDS."""
    with open_backend(target) as backend:
        for project_id in project_ids:
            added = backend.share_image(image_id, project_id)
            report_change(added, "shared", "already shared", f"{image_id} with {project_id}")


@images.command("unshare")
@click.argument("image_id")
@click.argument("project_ids", nargs=-1, required=True)
@admin_options
def unshare_image(target: Target, image_id: str, project_ids: tuple[str, ...]) -> None:
    """Stop sharing image IMAGE_ID with each project in PROJECT_IDS."""
    with open_backend(target) as backend:
        for project_id in project_ids:
            removed = backend.unshare_image(image_id, project_id)
            report_change(removed, "unshared", "was not shared", f"{image_id} with {project_id}")
