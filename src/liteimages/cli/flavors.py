"""`liteimages flavors`: read the flavor list through the API, and administer flavors."""

from __future__ import annotations

import dataclasses

import click

from liteimages.catalog.enums import Arch, ChargingMode, ServerType
from liteimages.cli.backends import Record
from liteimages.cli.connection import Connection, connection_options, open_client
from liteimages.cli.output import output_option, show_list, show_record
from liteimages.cli.params import enum_choice
from liteimages.cli.target import Target, admin_options, open_backend

CATALOG_COLUMNS = (
    "flavor", "arch", "server_type", "charging_mode", "availability_zone", "flavor_type",
    "specification", "is_sold_out",
)  # fmt: skip
ADMIN_COLUMNS = (
    "name", "arch", "server_type", "charging_mode", "flavor_type", "status", "is_sold_out",
)  # fmt: skip
SOLD_OUT_STATUS = "sellout"
AVAILABLE_STATUS = "normal"


@click.group()
def flavors() -> None:
    """Read the flavor list, and register and change flavors."""


@flavors.command("list")
@click.option("--server-type", type=enum_choice(ServerType), help="Only flavors of this kind.")
@click.option("--arch", type=enum_choice(Arch), help="Only flavors of this CPU architecture.")
@click.option("--charging-mode", type=enum_choice(ChargingMode), help="Only this billing mode.")
@click.option("--limit", type=int, help="Page size, 1 to 1024 (default: every flavor at once).")
@click.option("--offset", type=int, help="Number of flavors to skip.")
@output_option
@connection_options
def list_catalog_flavors(
    connection: Connection,
    server_type: str | None,
    arch: str | None,
    charging_mode: str | None,
    limit: int | None,
    offset: int | None,
    output: str,
) -> None:
    """List the flavors (ListDevServerFlavors)."""
    with open_client(connection) as client:
        page = client.list_flavors(server_type, arch, charging_mode, limit, offset)
    show_list([dataclasses.asdict(flavor) for flavor in page.data], output, CATALOG_COLUMNS)


@flavors.command("add")
@click.argument("name")
@click.option("--arch", type=enum_choice(Arch), required=True)
@click.option("--server-type", type=enum_choice(ServerType), required=True)
@click.option(
    "--charging-mode", type=enum_choice(ChargingMode), default="POST_PAID", show_default=True
)
@click.option("--availability-zone", default="")
@click.option("--flavor-type", default="", help="For example ASCEND, GPU or CPU.")
@click.option("--specification", default="", help="Human-readable hardware summary.")
@click.option("--roce-num", type=click.IntRange(0), default=0, show_default=True)
@click.option("--count", type=click.IntRange(0), default=0, show_default=True)
@click.option("--sku-code", default="")
@click.option(
    "--sold-out/--available",
    default=False,
    show_default=True,
    help=f"Also sets the status to {SOLD_OUT_STATUS!r} or {AVAILABLE_STATUS!r}.",
)
@output_option
@admin_options
def add_flavor(
    target: Target,
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
    output: str,
) -> None:
    """Register a flavor NAME."""
    document: Record = {
        "name": name,
        "arch": arch.upper(),
        "server_type": server_type.upper(),
        "charging_mode": charging_mode.upper(),
        "availability_zone": availability_zone,
        "flavor_type": flavor_type,
        "specification": specification,
        "roce_num": roce_num,
        "count": count,
        "sku_code": sku_code,
        "is_sold_out": sold_out,
        "status": SOLD_OUT_STATUS if sold_out else AVAILABLE_STATUS,
    }
    with open_backend(target) as backend:
        flavor = backend.create_flavor(document)
    show_record(flavor, output, f"flavor {flavor['name']} created")


@flavors.command("update")
@click.argument("name")
@click.option("--charging-mode", type=enum_choice(ChargingMode))
@click.option("--availability-zone")
@click.option("--flavor-type", help="For example ASCEND, GPU or CPU.")
@click.option("--specification", help="Human-readable hardware summary.")
@click.option("--roce-num", type=click.IntRange(0))
@click.option("--count", type=click.IntRange(0))
@click.option("--sku-code")
@click.option("--status", help="Free text, such as normal or sellout.")
@click.option(
    "--sold-out/--available",
    default=None,
    help=f"Also sets the status to {SOLD_OUT_STATUS!r} or {AVAILABLE_STATUS!r} "
    "unless --status is given.",
)
@click.option("--if-match", help="Change only if the flavor still has this ETag.")
@output_option
@admin_options
def update_flavor(
    target: Target,
    name: str,
    charging_mode: str | None,
    sold_out: bool | None,
    if_match: str | None,
    output: str,
    **fields: str | int | None,
) -> None:
    """Change fields of flavor NAME."""
    changes: Record = {key: value for key, value in fields.items() if value is not None}
    if charging_mode is not None:
        changes["charging_mode"] = charging_mode.upper()
    if sold_out is not None:
        changes["is_sold_out"] = sold_out
        changes.setdefault("status", SOLD_OUT_STATUS if sold_out else AVAILABLE_STATUS)
    if not changes:
        raise click.UsageError("nothing to change; give at least one field option")
    with open_backend(target) as backend:
        flavor = backend.update_flavor(name, changes, if_match)
    show_record(flavor, output)


@flavors.command("delete")
@click.argument("name")
@click.option("--if-match", help="Delete only if the flavor still has this ETag.")
@admin_options
def delete_flavor(target: Target, name: str, if_match: str | None) -> None:
    """Delete flavor NAME (rejected while an image is linked to it)."""
    with open_backend(target) as backend:
        backend.delete_flavor(name, if_match)
    click.echo(f"deleted flavor {name}")


@flavors.command("show")
@click.argument("name")
@output_option
@admin_options
def show_flavor(target: Target, name: str, output: str) -> None:
    """Show every stored field of flavor NAME, and print its ETag on stderr."""
    with open_backend(target) as backend:
        found = backend.get_flavor(name)
    show_record(found.record, output)
    click.echo(f"ETag: {found.etag}", err=True)


@flavors.command("list-admin")
@output_option
@admin_options
def list_admin_flavors(target: Target, output: str) -> None:
    """List every flavor with its stored fields, by name."""
    with open_backend(target) as backend:
        found = backend.list_flavors()
    show_list(found, output, ADMIN_COLUMNS)
