"""`liteimages accounts|projects|users|keys|tokens`: administer identities.

Commands accept a name or an id for accounts, projects and users. Project and user
names are unique only within their account, so those commands also take `--account`.
"""

from __future__ import annotations

import sys

import click

from liteimages.cli.backends import Backend, Record
from liteimages.cli.errors import CommandError
from liteimages.cli.output import output_option, show_list, show_record
from liteimages.cli.target import Target, admin_options, open_backend
from liteimages.identity.service import ROLES

ACCOUNT_COLUMNS = ("id", "name", "is_system", "created_at")
PROJECT_COLUMNS = ("id", "name", "account_id", "created_at")
USER_COLUMNS = ("id", "name", "is_root", "enabled", "has_password", "created_at")
ROLE_COLUMNS = ("project_id", "role")
KEY_COLUMNS = ("access_key", "status", "description", "temporary", "expires_at", "created_at")

account_option = click.option("--account", required=True, help="Account name or id.")


def _user_of(backend: Backend, account: str, user: str) -> Record:
    owner = backend.find_account(account)
    return backend.find_user(owner["id"], user)


# Accounts


@click.group()
def accounts() -> None:
    """Manage accounts (IAM domains)."""


@accounts.command("create")
@click.argument("name")
@click.option("--system", is_flag=True, help="Let the account's administrators manage everything.")
@click.option("--with-password", is_flag=True, help="Prompt for a password for the root user.")
@output_option
@admin_options
def create_account(
    target: Target, name: str, system: bool, with_password: bool, output: str
) -> None:
    """Create an account NAME and its root user, also named NAME."""
    document: Record = {"name": name, "is_system": system}
    if with_password:
        document["password"] = click.prompt(
            "Password of the root user", hide_input=True, confirmation_prompt=True
        )
    with open_backend(target) as backend:
        account = backend.create_account(document)
    show_record(account, output, f"account {account['name']} id {account['id']}")


@accounts.command("list")
@output_option
@admin_options
def list_accounts(target: Target, output: str) -> None:
    """List the accounts you administer."""
    with open_backend(target) as backend:
        found = backend.list_accounts()
    show_list(found, output, ACCOUNT_COLUMNS)


@accounts.command("show")
@click.argument("account")
@output_option
@admin_options
def show_account(target: Target, account: str, output: str) -> None:
    """Show account ACCOUNT (a name or id), and print its ETag on stderr."""
    with open_backend(target) as backend:
        found = backend.get_account(backend.find_account(account)["id"])
    show_record(found.record, output)
    click.echo(f"ETag: {found.etag}", err=True)


@accounts.command("delete")
@click.argument("account")
@click.option("--if-match", help="Delete only if the account still has this ETag.")
@admin_options
def delete_account(target: Target, account: str, if_match: str | None) -> None:
    """Delete account ACCOUNT with its projects, users and keys (rejected while it owns images)."""
    with open_backend(target) as backend:
        found = backend.find_account(account)
        backend.delete_account(found["id"], if_match)
    click.echo(f"deleted account {found['name']} id {found['id']}")


# Projects


@click.group()
def projects() -> None:
    """Manage projects."""


@projects.command("create")
@click.argument("name")
@account_option
@click.option("--id", "new_id", help="Project id (default: 32 random hex characters).")
@output_option
@admin_options
def create_project(
    target: Target, name: str, account: str, new_id: str | None, output: str
) -> None:
    """Create a project NAME (usually a region id such as cn-north-4)."""
    document: Record = {"name": name}
    if new_id:
        document["id"] = new_id
    with open_backend(target) as backend:
        project = backend.create_project(backend.find_account(account)["id"], document)
    show_record(project, output, f"project {project['name']} id {project['id']}")


@projects.command("list")
@account_option
@output_option
@admin_options
def list_projects(target: Target, account: str, output: str) -> None:
    """List the projects of an account."""
    with open_backend(target) as backend:
        found = backend.list_projects(backend.find_account(account)["id"])
    show_list(found, output, PROJECT_COLUMNS)


@projects.command("delete")
@click.argument("project")
@account_option
@click.option("--if-match", help="Delete only if the project still has this ETag.")
@admin_options
def delete_project(target: Target, project: str, account: str, if_match: str | None) -> None:
    """Delete project PROJECT, a name or id (rejected while it owns images)."""
    with open_backend(target) as backend:
        found = backend.find_project(backend.find_account(account)["id"], project)
        backend.delete_project(found["id"], if_match)
    click.echo(f"deleted project {found['name']} id {found['id']}")


# Users


@click.group()
def users() -> None:
    """Manage IAM users and their roles."""


@users.command("create")
@click.argument("name")
@account_option
@click.option("--password", envvar="LITEIMAGES_PASSWORD", help="Password (prompted if omitted).")
@click.option(
    "--no-password", is_flag=True, help="Create the user without a password (AK/SK use only)."
)
@output_option
@admin_options
def create_user(
    target: Target, name: str, account: str, password: str | None, no_password: bool, output: str
) -> None:
    """Create an IAM user NAME."""
    if no_password and password is not None:
        raise click.UsageError("give either --password or --no-password, not both")
    document: Record = {"name": name}
    if not no_password:
        if password is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        document["password"] = password
    with open_backend(target) as backend:
        owner = backend.find_account(account)
        user = backend.create_user(owner["id"], document)
    show_record(user, output, f"user {user['name']} id {user['id']}")


@users.command("list")
@account_option
@output_option
@admin_options
def list_users(target: Target, account: str, output: str) -> None:
    """List the users of an account."""
    with open_backend(target) as backend:
        found = backend.list_users(backend.find_account(account)["id"])
    show_list(found, output, USER_COLUMNS)


@users.command("show")
@click.argument("name")
@account_option
@output_option
@admin_options
def show_user(target: Target, name: str, account: str, output: str) -> None:
    """Show user NAME, and print its ETag on stderr."""
    with open_backend(target) as backend:
        found = backend.get_user(_user_of(backend, account, name)["id"])
    show_record(found.record, output)
    click.echo(f"ETag: {found.etag}", err=True)


def _set_enabled(
    target: Target, name: str, account: str, enabled: bool, if_match: str | None
) -> None:
    with open_backend(target) as backend:
        user = _user_of(backend, account, name)
        backend.update_user(user["id"], {"enabled": enabled}, if_match)
    click.echo(f"{'enabled' if enabled else 'disabled'} user {user['name']}")


@users.command("enable")
@click.argument("name")
@account_option
@click.option("--if-match", help="Change only if the user still has this ETag.")
@admin_options
def enable_user(target: Target, name: str, account: str, if_match: str | None) -> None:
    """Enable user NAME."""
    _set_enabled(target, name, account, True, if_match)


@users.command("disable")
@click.argument("name")
@account_option
@click.option("--if-match", help="Change only if the user still has this ETag.")
@admin_options
def disable_user(target: Target, name: str, account: str, if_match: str | None) -> None:
    """Disable user NAME: its keys and tokens stop working until it is enabled again."""
    _set_enabled(target, name, account, False, if_match)


@users.command("delete")
@click.argument("name")
@account_option
@click.option("--if-match", help="Delete only if the user still has this ETag.")
@admin_options
def delete_user(target: Target, name: str, account: str, if_match: str | None) -> None:
    """Delete user NAME with its keys, roles and tokens (not the account's root user)."""
    with open_backend(target) as backend:
        user = _user_of(backend, account, name)
        backend.delete_user(user["id"], if_match)
    click.echo(f"deleted user {user['name']} id {user['id']}")


@users.command("set-password")
@click.argument("name")
@account_option
@click.password_option(envvar="LITEIMAGES_PASSWORD", help="New password (prompted if omitted).")
@admin_options
def set_password(target: Target, name: str, account: str, password: str) -> None:
    """Set the password of user NAME."""
    with open_backend(target) as backend:
        user = _user_of(backend, account, name)
        backend.set_password(user["id"], password)
    click.echo(f"password of {user['name']} changed")


@users.command("grant")
@click.argument("name")
@account_option
@click.option("--project", required=True, help="Project name or id.")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@admin_options
def grant(target: Target, name: str, account: str, project: str, role: str) -> None:
    """Grant user NAME a role on a project."""
    with open_backend(target) as backend:
        owner = backend.find_account(account)
        user = backend.find_user(owner["id"], name)
        found = backend.find_project(owner["id"], project)
        added = backend.grant_role(user["id"], found["id"], role)
    state = "already granted" if added is False else "granted"
    click.echo(f"{state}: {user['name']} {role} on {found['name']}")


@users.command("revoke")
@click.argument("name")
@account_option
@click.option("--project", required=True, help="Project name or id.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@admin_options
def revoke(target: Target, name: str, account: str, project: str, role: str) -> None:
    """Revoke a role of user NAME on a project."""
    with open_backend(target) as backend:
        owner = backend.find_account(account)
        user = backend.find_user(owner["id"], name)
        found = backend.find_project(owner["id"], project)
        removed = backend.revoke_role(user["id"], found["id"], role)
    state = "was not granted" if removed is False else "revoked"
    click.echo(f"{state}: {user['name']} {role} on {found['name']}")


@users.command("roles")
@click.argument("name")
@account_option
@output_option
@admin_options
def list_roles(target: Target, name: str, account: str, output: str) -> None:
    """List the roles of user NAME, by project."""
    with open_backend(target) as backend:
        found = backend.list_roles(_user_of(backend, account, name)["id"])
    show_list(found, output, ROLE_COLUMNS)


# Access keys


@click.group()
def keys() -> None:
    """Manage access keys (AK/SK)."""


@keys.command("create")
@account_option
@click.option("--user", "user_name", help="User name or id (default: the account's root user).")
@click.option("--description", default="", help="Free text shown in key listings.")
@output_option
@admin_options
def create_key(
    target: Target, account: str, user_name: str | None, description: str, output: str
) -> None:
    """Create an access key and print its secret key, which is shown only this once."""
    with open_backend(target) as backend:
        owner = backend.find_account(account)
        user = backend.find_user(owner["id"], user_name or owner["name"])
        key = backend.create_access_key(user["id"], {"description": description})
    show_record(key, output, f"AK {key['access_key']}\nSK {key['secret_key']}")
    click.echo("The secret key (SK) is shown only this once; store it now.", err=True)


@keys.command("list")
@account_option
@click.option("--user", "user_name", help="User name or id (default: the account's root user).")
@output_option
@admin_options
def list_keys(target: Target, account: str, user_name: str | None, output: str) -> None:
    """List a user's access keys, without their secret keys."""
    with open_backend(target) as backend:
        owner = backend.find_account(account)
        user = backend.find_user(owner["id"], user_name or owner["name"])
        found = backend.list_access_keys(user["id"])
    show_list(found, output, KEY_COLUMNS)


def _set_key_status(target: Target, access_key: str, status: str, if_match: str | None) -> None:
    with open_backend(target) as backend:
        backend.update_access_key(access_key, {"status": status}, if_match)
    click.echo(f"access key {access_key} is {status}")


@keys.command("enable")
@click.argument("access_key")
@click.option("--if-match", help="Change only if the key still has this ETag.")
@admin_options
def enable_key(target: Target, access_key: str, if_match: str | None) -> None:
    """Enable access key ACCESS_KEY."""
    _set_key_status(target, access_key, "ACTIVE", if_match)


@keys.command("disable")
@click.argument("access_key")
@click.option("--if-match", help="Change only if the key still has this ETag.")
@admin_options
def disable_key(target: Target, access_key: str, if_match: str | None) -> None:
    """Disable access key ACCESS_KEY; requests signed with it fail until it is enabled."""
    _set_key_status(target, access_key, "INACTIVE", if_match)


@keys.command("delete")
@click.argument("access_key")
@click.option("--if-match", help="Delete only if the key still has this ETag.")
@admin_options
def delete_key(target: Target, access_key: str, if_match: str | None) -> None:
    """Delete access key ACCESS_KEY."""
    with open_backend(target) as backend:
        backend.delete_access_key(access_key, if_match)
    click.echo(f"deleted access key {access_key}")


# Tokens


@click.group()
def tokens() -> None:
    """Revoke IAM tokens."""


@tokens.command("revoke")
@click.option("--account", help="Account name or id of --user.")
@click.option("--user", "user_name", help="Revoke every live token of this user (name or id).")
@click.option(
    "--stdin", "from_stdin", is_flag=True, help="Revoke the one token read from standard input."
)
@admin_options
def revoke_tokens(
    target: Target, account: str | None, user_name: str | None, from_stdin: bool
) -> None:
    """Revoke every token of a user (--account and --user), or one token (--stdin)."""
    if from_stdin:
        if user_name or account:
            raise click.UsageError("give either --stdin or --account and --user, not both")
        _revoke_one(target, sys.stdin.read().strip())
        return
    if not user_name or not account:
        raise click.UsageError("give --account and --user, or --stdin")
    with open_backend(target) as backend:
        user = _user_of(backend, account, user_name)
        count = backend.revoke_user_tokens(user["id"])
    click.echo(f"revoked {count} token(s) of {user['name']}")


def _revoke_one(target: Target, token: str) -> None:
    if not token:
        raise click.UsageError("no token on standard input")
    with open_backend(target) as backend:
        revoked = backend.revoke_token(token)
    if not revoked:
        raise CommandError("token not found or already revoked")
    click.echo("revoked 1 token")
