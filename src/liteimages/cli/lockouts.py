"""`liteimages lockouts`: list and clear the lockouts of access keys and users.

A clear reaches every worker of every server on the database within one revision poll
(0.5 s by default), whether the command runs on the database or through the admin API.
"""

from __future__ import annotations

import click

from liteimages.cli.backends import LockoutQuery
from liteimages.cli.output import output_option, show_list
from liteimages.cli.params import page_options
from liteimages.cli.target import Target, admin_options, open_backend
from liteimages.identity.lockout import LockoutKind

LOCKOUT_COLUMNS = (
    "kind", "access_key", "user_name", "user_id", "failures", "locked", "locked_until",
)  # fmt: skip

kind_option = click.option(
    "--kind",
    type=click.Choice([kind.value for kind in LockoutKind]),
    help="Only lockouts of access keys (signature lockout) or of users (password lockout).",
)


@click.group()
def lockouts() -> None:
    """List and clear lockouts of access keys and users."""


@lockouts.command("list")
@kind_option
@click.option("--account", help="Only lockouts of this account's keys and users (name or id).")
@click.option(
    "--locked/--not-locked",
    default=None,
    help="Only lockouts locked now, or only those that count failures without a lock.",
)
@page_options("lockouts")
@output_option
@admin_options
def list_lockouts(
    target: Target,
    kind: str | None,
    account: str | None,
    locked: bool | None,
    limit: int,
    offset: int,
    output: str,
) -> None:
    """List the lockouts that count failures or lock now, ordered by key."""
    with open_backend(target) as backend:
        account_id = backend.find_account(account)["id"] if account else None
        found = backend.list_lockouts(LockoutQuery(kind, account_id, locked, limit, offset))
    show_list(found, output, LOCKOUT_COLUMNS)


@lockouts.command("clear")
@click.option("--access-key", help="Clear the signature lockout of this access key.")
@click.option("--user", "user_name", help="Clear the password lockout of this user (name or id).")
@click.option("--all", "clear_all", is_flag=True, help="Clear every lockout you administer.")
@kind_option
@click.option(
    "--account",
    help="Account (name or id) of --user. With --all, clear only this account's lockouts.",
)
@admin_options
def clear_lockouts(
    target: Target,
    access_key: str | None,
    user_name: str | None,
    clear_all: bool,
    kind: str | None,
    account: str | None,
) -> None:
    """Clear one lockout (--access-key, or --user with --account) or many (--all).

    Every worker of every server on the database lets the key or user in again within
    one revision poll, and counts its failures from zero.
    """
    chosen = (access_key is not None, user_name is not None, clear_all)
    if chosen.count(True) != 1:
        raise click.UsageError("give exactly one of --access-key, --user and --all")
    if kind is not None and not clear_all:
        raise click.UsageError("--kind goes with --all")
    if user_name is not None and account is None:
        raise click.UsageError("--user needs --account")
    if access_key is not None and account is not None:
        raise click.UsageError("--account goes with --user or --all, not with --access-key")
    if access_key == "" or user_name == "":
        raise click.UsageError("--access-key and --user need a non-empty value")
    with open_backend(target) as backend:
        if access_key is not None:
            cleared = backend.clear_access_key_lockout(access_key)
            subject = f"access key {access_key}"
        elif user_name is not None:
            assert account is not None
            owner = backend.find_account(account)
            user = backend.find_user(owner["id"], user_name)
            cleared = backend.clear_user_lockout(user["id"])
            subject = f"user {user['name']}"
        else:
            account_id = backend.find_account(account)["id"] if account else None
            count = backend.clear_lockouts(kind, account_id)
            click.echo(f"cleared {count} lockout(s)")
            return
    if cleared:
        click.echo(f"cleared the lockout of {subject}")
    else:
        click.echo(f"{subject} had no lockout")
