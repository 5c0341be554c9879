"""`liteimages audit list`: read the audit trail of changes."""

from __future__ import annotations

from datetime import datetime

import click

from liteimages.cli.backends import AuditQuery
from liteimages.cli.output import output_option, show_list
from liteimages.cli.params import IsoTime, page_options
from liteimages.cli.target import Target, admin_options, open_backend

AUDIT_COLUMNS = ("id", "at", "action", "resource_type", "resource_id", "actor.name", "actor.via")


@click.group()
def audit() -> None:
    """Read the audit trail of changes."""


@audit.command("list")
@click.option("--since", type=IsoTime(), help="Only events at or after this ISO 8601 time.")
@click.option("--until", type=IsoTime(), help="Only events before this ISO 8601 time.")
@click.option("--actor", help="Only events by this user id or actor name (account/user).")
@click.option("--resource-type", help="Only events on this kind of resource, such as image.")
@click.option("--resource-id", help="Only events on the resource with this id.")
@click.option("--action", help="Only events of this action, such as image.create.")
@page_options("events")
@output_option
@admin_options
def list_audit(
    target: Target,
    since: datetime | None,
    until: datetime | None,
    actor: str | None,
    resource_type: str | None,
    resource_id: str | None,
    action: str | None,
    limit: int,
    offset: int,
    output: str,
) -> None:
    """List audit events, oldest first; times without a zone are UTC."""
    query = AuditQuery(since, until, actor, resource_type, resource_id, action, limit, offset)
    with open_backend(target) as backend:
        events = backend.list_audit(query)
    show_list(events, output, AUDIT_COLUMNS)
