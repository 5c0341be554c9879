"""Admin commands that work directly on the configured database."""

from __future__ import annotations

from pathlib import Path

import click

from liteimages.catalog import service as catalog
from liteimages.catalog.enums import Arch, ChargingMode, ImageStatus, ServerType, Visibility
from liteimages.cli.context import (
    open_box,
    open_database,
    settings_from,
    storage_options,
    write_session,
)
from liteimages.identity import service as identity
from liteimages.identity.secretbox import generate_key


def _choice(
    enum: type[Arch] | type[ServerType] | type[ImageStatus] | type[Visibility] | type[ChargingMode],
) -> click.Choice[str]:
    return click.Choice([member.value for member in enum], case_sensitive=False)


@click.group()
def accounts() -> None:
    """Manage accounts (IAM domains)."""


@accounts.command("create")
@click.argument("name")
@storage_options
def create_account(name: str, data_dir: Path, database_url: str | None) -> None:
    """Create an account NAME and its root user."""
    database = open_database(settings_from(data_dir, database_url))
    with write_session(database) as session:
        account = identity.create_account(session, name)
        click.echo(f"account {account.name} id {account.id}")


@click.group()
def projects() -> None:
    """Manage projects."""


@projects.command("create")
@click.argument("name")
@click.option("--account", required=True, help="Account name or id.")
@click.option("--id", "project_id", help="Project id (default: 32 random hex characters).")
@storage_options
def create_project(
    name: str, account: str, project_id: str | None, data_dir: Path, database_url: str | None
) -> None:
    """Create a project NAME (usually a region id such as cn-north-4)."""
    database = open_database(settings_from(data_dir, database_url))
    with write_session(database) as session:
        owner = identity.find_account(session, account)
        project = identity.create_project(session, owner.id, name, project_id)
        click.echo(f"project {project.name} id {project.id}")


@click.group()
def users() -> None:
    """Manage IAM users and their roles."""


@users.command("create")
@click.argument("name")
@click.option("--account", required=True, help="Account name or id.")
@click.password_option(envvar="LITEIMAGES_PASSWORD", help="Password (prompted if omitted).")
@storage_options
def create_user(
    name: str, account: str, password: str, data_dir: Path, database_url: str | None
) -> None:
    """Create an IAM user NAME."""
    database = open_database(settings_from(data_dir, database_url))
    with write_session(database) as session:
        owner = identity.find_account(session, account)
        user = identity.create_user(session, owner.id, name, password)
        click.echo(f"user {user.name} id {user.id}")


@users.command("set-password")
@click.argument("name")
@click.option("--account", required=True, help="Account name or id.")
@click.password_option(envvar="LITEIMAGES_PASSWORD", help="New password (prompted if omitted).")
@storage_options
def set_password(
    name: str, account: str, password: str, data_dir: Path, database_url: str | None
) -> None:
    """Set the password of user NAME."""
    database = open_database(settings_from(data_dir, database_url))
    with write_session(database) as session:
        user = identity.find_user(session, identity.find_account(session, account).id, name)
        identity.set_password(session, user.id, password)
        click.echo(f"password of {user.name} changed")


@users.command("grant")
@click.argument("name")
@click.option("--account", required=True, help="Account name or id.")
@click.option("--project", required=True, help="Project name or id.")
@click.option("--role", type=click.Choice(identity.ROLES), default="viewer", show_default=True)
@storage_options
def grant(
    name: str, account: str, project: str, role: str, data_dir: Path, database_url: str | None
) -> None:
    """Grant user NAME a role on a project."""
    database = open_database(settings_from(data_dir, database_url))
    with write_session(database) as session:
        owner = identity.find_account(session, account)
        user = identity.find_user(session, owner.id, name)
        target = identity.find_project(session, owner.id, project)
        added = identity.grant_role(session, user.id, target.id, role)
        click.echo(
            f"{'granted' if added else 'already granted'}: {user.name} {role} on {target.name}"
        )


@click.group()
def keys() -> None:
    """Manage access keys (AK/SK)."""


@keys.command("create")
@click.option("--account", required=True, help="Account name or id.")
@click.option("--user", "user_name", help="User name or id (default: the account's root user).")
@click.option("--description", default="", help="Free text shown in key listings.")
@storage_options
def create_key(
    account: str, user_name: str | None, description: str, data_dir: Path, database_url: str | None
) -> None:
    """Create an access key and print its secret key, which is shown only this once."""
    settings = settings_from(data_dir, database_url)
    database = open_database(settings)
    box = open_box(settings)
    with write_session(database) as session:
        owner = identity.find_account(session, account)
        user = identity.find_user(session, owner.id, user_name or owner.name)
        key = identity.create_access_key(session, box, user.id, description=description)
        click.echo(f"AK {key.access_key}\nSK {key.secret_key}")


@click.group()
def images() -> None:
    """Manage catalog images."""


@images.command("add")
@click.argument("name")
@click.option("--arch", type=_choice(Arch), required=True)
@click.option("--server-type", type=_choice(ServerType), required=True)
@click.option("--status", type=_choice(ImageStatus), default="ACTIVE", show_default=True)
@click.option("--private-to", "owner_project", help="Project id: make the image private to it.")
@click.option("--id", "image_id", help="Image id, a UUID (default: a new random one).")
@click.option("--flavor", "flavors", multiple=True, help="Flavor name the image boots; repeatable.")
@storage_options
def add_image(
    name: str,
    arch: str,
    server_type: str,
    status: str,
    owner_project: str | None,
    image_id: str | None,
    flavors: tuple[str, ...],
    data_dir: Path,
    database_url: str | None,
) -> None:
    """Register an image NAME."""  # fmt: skip
    database = open_database(settings_from(data_dir, database_url))
    spec = catalog.ImageSpec(
        name=name,
        arch=Arch(arch.upper()),
        server_type=ServerType(server_type.upper()),
        status=ImageStatus(status.upper()),
        visibility=Visibility.PRIVATE if owner_project else Visibility.PUBLIC,
        owner_project_id=owner_project,
        id=image_id,
    )
    with write_session(database) as session:
        image = catalog.add_image(session, spec)
        for flavor in flavors:
            catalog.link_flavor(session, image.id, flavor)
        click.echo(f"image {image.name} id {image.id}")


@images.command("link")
@click.argument("image_id")
@click.argument("flavor_names", nargs=-1, required=True)
@storage_options
def link_image(
    image_id: str, flavor_names: tuple[str, ...], data_dir: Path, database_url: str | None
) -> None:
    """Record that image IMAGE_ID boots each flavor in FLAVOR_NAMES."""
    database = open_database(settings_from(data_dir, database_url))
    with write_session(database) as session:
        for flavor in flavor_names:
            added = catalog.link_flavor(session, image_id, flavor)
            click.echo(f"{'linked' if added else 'already linked'}: {image_id} boots {flavor}")


@images.command("share")
@click.argument("image_id")
@click.argument("project_id")
@storage_options
def share_image(image_id: str, project_id: str, data_dir: Path, database_url: str | None) -> None:
    """Share private image IMAGE_ID with project PROJECT_ID."""
    database = open_database(settings_from(data_dir, database_url))
    with write_session(database) as session:
        added = catalog.share_image(session, image_id, project_id)
        click.echo(f"{'shared' if added else 'already shared'}: {image_id} with {project_id}")


@click.group()
def flavors() -> None:
    """Manage flavors."""


@flavors.command("add")
@click.argument("name")
@click.option("--arch", type=_choice(Arch), required=True)
@click.option("--server-type", type=_choice(ServerType), required=True)
@click.option("--charging-mode", type=_choice(ChargingMode), default="POST_PAID", show_default=True)
@click.option("--availability-zone", default="")
@click.option("--flavor-type", default="", help="For example ASCEND, GPU or CPU.")
@click.option("--specification", default="", help="Human-readable hardware summary.")
@click.option("--roce-num", type=click.IntRange(0), default=0, show_default=True)
@click.option("--count", type=click.IntRange(0), default=0, show_default=True)
@click.option("--sku-code", default="")
@click.option("--sold-out/--available", default=False, show_default=True)
@storage_options
def add_flavor(
    name: str,
    arch: str,
    server_type: str,
    charging_mode: str,
    availability_zone: str,
    flavor_type: str,
    specification: str,
    roce_num: int,
    count: int,
    sku_code: str,
    sold_out: bool,
    data_dir: Path,
    database_url: str | None,
) -> None:
    """Register a flavor NAME."""  # fmt: skip
    database = open_database(settings_from(data_dir, database_url))
    spec = catalog.FlavorSpec(
        name=name,
        arch=Arch(arch.upper()),
        server_type=ServerType(server_type.upper()),
        charging_mode=ChargingMode(charging_mode.upper()),
        availability_zone=availability_zone,
        flavor_type=flavor_type,
        specification=specification,
        roce_num=roce_num,
        count=count,
        sku_code=sku_code,
        is_sold_out=sold_out,
        status="sellout" if sold_out else "normal",
    )
    with write_session(database) as session:
        flavor = catalog.add_flavor(session, spec)
        click.echo(f"flavor {flavor.name} id {flavor.id}")


@click.command("secret-key")
def secret_key() -> None:
    """Print a new random key for LITEIMAGES_SECRET_KEY."""
    click.echo(generate_key().decode("ascii"))


@click.command("migrate")
@storage_options
def migrate(data_dir: Path, database_url: str | None) -> None:
    """Create or upgrade the database schema, then exit."""
    database = open_database(settings_from(data_dir, database_url))
    click.echo(f"schema is current: {database.engine.url.render_as_string(hide_password=True)}")
