"""Admin commands on a database opened directly (no endpoint), on SQLite and PostgreSQL.

The tests of this module share one database, so each one creates its own names.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cli_remote_support import Run, parsed_json

PASSWORD = "alice-password-1234"
HEX_ID = r"[0-9a-f]{32}"


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Seed:
    """An account with one project and one user, and a private image that boots `flavor`."""

    account: str
    account_id: str
    project: str
    project_id: str
    user: str
    user_id: str
    flavor: str = ""
    other_flavor: str = ""
    image_id: str = ""


def seed_identities(local: Run) -> Seed:
    account_name, user_name = unique("acme"), unique("alice")
    account = parsed_json(local("accounts", "create", account_name, "-o", "json"))
    project = parsed_json(
        local("projects", "create", "cn-north-4", "--account", account_name, "-o", "json")
    )
    user = parsed_json(
        local(
            "users", "create", user_name, "--account", account_name, "--no-password", "-o", "json"
        )
    )
    return Seed(account_name, account["id"], "cn-north-4", project["id"], user_name, user["id"])


def seed_catalog(local: Run) -> Seed:
    seed = seed_identities(local)
    flavor, other_flavor = unique("c7.large"), unique("c7.xlarge")
    for name in (flavor, other_flavor):
        result = local("flavors", "add", name, "--arch", "X86", "--server-type", "ECS")
        assert result.exit_code == 0, result.output
    image = parsed_json(
        local(
            "images",
            "add",
            "Ubuntu22.04-x86",
            "--arch",
            "x86",
            "--server-type",
            "ecs",
            "--private-to",
            seed.project_id,
            "--flavor",
            flavor,
            "--os",
            "Ubuntu",
            "-o",
            "json",
        )  # fmt: skip
    )
    return Seed(**{**seed.__dict__, "flavor": flavor, "other_flavor": other_flavor,
                   "image_id": image["id"]})  # fmt: skip


def etag_of(local: Run, *command: str) -> str:
    result = local(*command)
    assert result.exit_code == 0, result.output
    match = re.search(r'ETag: ("[^"]+")', result.stderr)
    assert match, result.stderr
    return match.group(1)


def inspect(local: Run, image_id: str) -> dict[str, Any]:
    image: dict[str, Any] = parsed_json(local("images", "inspect", image_id, "-o", "json"))
    return image


# Accounts, projects and users


def test_create_commands_print_ids(local: Run) -> None:
    account, user = unique("acme"), unique("alice")
    created = [
        local("accounts", "create", account),
        local("projects", "create", "cn-north-4", "--account", account),
        local("users", "create", user, "--account", account, "--password", PASSWORD),
    ]
    assert re.fullmatch(rf"account {account} id {HEX_ID}\n", created[0].stdout)
    assert re.fullmatch(rf"project cn-north-4 id {HEX_ID}\n", created[1].stdout)
    assert re.fullmatch(rf"user {user} id {HEX_ID}\n", created[2].stdout)


def test_project_keeps_given_id(local: Run) -> None:
    seed = seed_identities(local)
    project_id = secrets.token_hex(16)
    result = local("projects", "create", "eu-west-1", "--account", seed.account, "--id", project_id)
    assert result.stdout == f"project eu-west-1 id {project_id}\n"


def test_password_prompted(local: Run) -> None:
    seed = seed_identities(local)
    stdin = f"{PASSWORD}\n{PASSWORD}\n"
    result = local("users", "create", "bob", "--account", seed.account, stdin=stdin)
    assert result.exit_code == 0, result.output
    user = parsed_json(local("users", "show", "bob", "--account", seed.account, "-o", "json"))
    assert user["has_password"] is True


def test_user_without_password(local: Run) -> None:
    seed = seed_identities(local)
    user = parsed_json(local("users", "show", seed.user, "--account", seed.account, "-o", "json"))
    assert user["has_password"] is False


def test_user_password_flags_exclusive(local: Run) -> None:
    args = ("users", "create", "bob", "--account", "acme", "--password", PASSWORD)
    result = local(*args, "--no-password")
    assert result.exit_code == 2


def test_set_password_reports_change(local: Run) -> None:
    seed = seed_identities(local)
    result = local(
        "users", "set-password", seed.user, "--account", seed.account, "--password", PASSWORD
    )
    assert result.stdout == f"password of {seed.user} changed\n"


def test_grant_and_roles(local: Run) -> None:
    seed = seed_identities(local)
    who = (seed.user, "--account", seed.account)
    first = local("users", "grant", *who, "--project", "cn-north-4")
    again = local("users", "grant", *who, "--project", seed.project_id)
    roles = parsed_json(local("users", "roles", *who, "-o", "json"))
    assert first.stdout == f"granted: {seed.user} viewer on cn-north-4\n"
    assert again.stdout == f"already granted: {seed.user} viewer on cn-north-4\n"
    assert roles == [{"user_id": seed.user_id, "project_id": seed.project_id, "role": "viewer"}]


def test_revoke_removes_role(local: Run) -> None:
    seed = seed_identities(local)
    grant = (seed.user, "--account", seed.account, "--project", "cn-north-4", "--role", "admin")
    local("users", "grant", *grant)
    first = local("users", "revoke", *grant)
    again = local("users", "revoke", *grant)
    roles = parsed_json(local("users", "roles", seed.user, "--account", seed.account, "-o", "json"))
    assert first.stdout == f"revoked: {seed.user} admin on cn-north-4\n"
    assert again.stdout == f"was not granted: {seed.user} admin on cn-north-4\n"
    assert roles == []


def test_user_disable_enable_delete(local: Run) -> None:
    seed = seed_identities(local)
    who = (seed.user, "--account", seed.account)
    local("users", "disable", *who)
    disabled = parsed_json(local("users", "show", *who, "-o", "json"))
    local("users", "enable", *who)
    enabled = parsed_json(local("users", "show", *who, "-o", "json"))
    deleted = local("users", "delete", *who)
    users = parsed_json(local("users", "list", "--account", seed.account, "-o", "json"))
    assert disabled["enabled"] is False
    assert enabled["enabled"] is True
    assert deleted.stdout == f"deleted user {seed.user} id {seed.user_id}\n"
    assert [user["name"] for user in users] == [seed.account]


def test_user_if_match_stale(local: Run) -> None:
    seed = seed_identities(local)
    who = (seed.user, "--account", seed.account)
    etag = etag_of(local, "users", "show", *who)
    local("users", "disable", *who, "--if-match", etag)
    stale = local("users", "enable", *who, "--if-match", etag)
    assert stale.exit_code == 1
    assert "Error: ModelArts.0112: " in stale.stderr


def test_root_user_delete_conflict(local: Run) -> None:
    seed = seed_identities(local)
    result = local("users", "delete", seed.account, "--account", seed.account)
    assert result.exit_code == 1
    assert "Error: ModelArts.0109: " in result.stderr


def test_accounts_list_show_delete(local: Run) -> None:
    seed = seed_identities(local)
    system = unique("globex")
    local("accounts", "create", system, "--system")
    listed = parsed_json(local("accounts", "list", "-o", "json"))
    shown = parsed_json(local("accounts", "show", system, "-o", "json"))
    deleted = local("accounts", "delete", seed.account_id)
    remaining = parsed_json(local("accounts", "list", "-o", "json"))
    assert {seed.account, system} <= {account["name"] for account in listed}
    assert shown["is_system"] is True
    assert deleted.stdout == f"deleted account {seed.account} id {seed.account_id}\n"
    assert seed.account not in {account["name"] for account in remaining}


def test_projects_list_delete(local: Run) -> None:
    seed = seed_identities(local)
    local("projects", "create", "eu-west-1", "--account", seed.account)
    listed = parsed_json(local("projects", "list", "--account", seed.account, "-o", "json"))
    local("projects", "delete", "eu-west-1", "--account", seed.account)
    remaining = parsed_json(local("projects", "list", "--account", seed.account, "-o", "json"))
    assert [project["name"] for project in listed] == ["cn-north-4", "eu-west-1"]
    assert [project["name"] for project in remaining] == ["cn-north-4"]


def test_project_owning_images_conflict(local: Run) -> None:
    seed = seed_catalog(local)
    result = local("projects", "delete", "cn-north-4", "--account", seed.account)
    assert result.exit_code == 1
    assert "Error: ModelArts.0109: " in result.stderr


def test_unknown_account_not_found(local: Run) -> None:
    result = local("projects", "create", "cn-north-4", "--account", "no-such-account")
    assert result.exit_code == 1
    assert result.stderr == "Error: ModelArts.5058: Object (no-such-account) does not exist\n"


# Access keys and tokens


def test_key_secret_shown_once(local: Run) -> None:
    seed = seed_identities(local)
    created = local("keys", "create", "--account", seed.account, "--user", seed.user)
    assert created.exit_code == 0, created.output
    ak_line, sk_line = created.stdout.splitlines()
    access_key = ak_line.removeprefix("AK ")
    secret_key = sk_line.removeprefix("SK ")
    listed = local("keys", "list", "--account", seed.account, "--user", seed.user, "-o", "json")
    assert re.fullmatch(r"[A-Z0-9]{20}", access_key)
    assert len(secret_key) >= 16
    assert "shown only this once" in created.stderr
    assert [key["access_key"] for key in parsed_json(listed)] == [access_key]
    assert secret_key not in listed.output


def test_key_json_has_secret(local: Run) -> None:
    seed = seed_identities(local)
    key = parsed_json(local("keys", "create", "--account", seed.account, "-o", "json"))
    assert len(key["secret_key"]) >= 16
    assert key["status"] == "ACTIVE"


def test_key_status_and_delete(local: Run) -> None:
    seed = seed_identities(local)
    key = parsed_json(local("keys", "create", "--account", seed.account, "-o", "json"))
    access_key = key["access_key"]
    disabled = local("keys", "disable", access_key)
    statuses = parsed_json(local("keys", "list", "--account", seed.account, "-o", "json"))
    enabled = local("keys", "enable", access_key)
    deleted = local("keys", "delete", access_key)
    remaining = parsed_json(local("keys", "list", "--account", seed.account, "-o", "json"))
    assert disabled.stdout == f"access key {access_key} is INACTIVE\n"
    assert statuses[0]["status"] == "INACTIVE"
    assert enabled.stdout == f"access key {access_key} is ACTIVE\n"
    assert deleted.stdout == f"deleted access key {access_key}\n"
    assert remaining == []


def test_tokens_revoke_for_user(local: Run) -> None:
    seed = seed_identities(local)
    result = local("tokens", "revoke", "--account", seed.account, "--user", seed.user)
    assert result.stdout == f"revoked 0 token(s) of {seed.user}\n"


def test_unknown_token_revoke_fails(local: Run) -> None:
    result = local("tokens", "revoke", "--stdin", stdin="no-such-token\n")
    assert result.exit_code == 1
    assert "Error: token not found or already revoked" in result.stderr


def test_tokens_revoke_needs_target(local: Run) -> None:
    result = local("tokens", "revoke", "--account", "acme")
    assert result.exit_code == 2


# Images and flavors


def test_image_add_records_everything(local: Run) -> None:
    seed = seed_catalog(local)
    image = inspect(local, seed.image_id)
    assert image["visibility"] == "PRIVATE"
    assert image["owner_project_id"] == seed.project_id
    assert image["flavors"] == [seed.flavor]
    assert image["os"] == "Ubuntu"
    assert image["arch"] == "X86"


def test_image_add_prints_id(local: Run) -> None:
    result = local("images", "add", "Debian 12", "--arch", "X86", "--server-type", "ECS")
    assert re.fullmatch(r"image Debian 12 id [0-9a-f-]{36}\n", result.stdout)


def test_link_and_unlink(local: Run) -> None:
    seed = seed_catalog(local)
    image_id = seed.image_id
    linked = local("images", "link", image_id, seed.flavor, seed.other_flavor)
    after_link = inspect(local, image_id)["flavors"]
    unlinked = local("images", "unlink", image_id, seed.flavor)
    after_unlink = inspect(local, image_id)["flavors"]
    assert linked.stdout.splitlines() == [
        f"already linked: {image_id} boots {seed.flavor}",
        f"linked: {image_id} boots {seed.other_flavor}",
    ]
    assert after_link == sorted([seed.flavor, seed.other_flavor])
    assert unlinked.stdout == f"unlinked: {image_id} and {seed.flavor}\n"
    assert after_unlink == [seed.other_flavor]


def test_failed_link_rolls_back(local: Run) -> None:
    seed = seed_catalog(local)
    result = local("images", "link", seed.image_id, seed.other_flavor, "no.such.flavor")
    assert result.exit_code == 1
    assert "no.such.flavor" in result.stderr
    assert inspect(local, seed.image_id)["flavors"] == [seed.flavor]


def test_share_and_unshare(local: Run) -> None:
    seed = seed_catalog(local)
    other = secrets.token_hex(16)
    local("projects", "create", "eu-west-1", "--account", seed.account, "--id", other)
    shared = local("images", "share", seed.image_id, other)
    again = local("images", "share", seed.image_id, other)
    after_share = inspect(local, seed.image_id)
    unshared = local("images", "unshare", seed.image_id, other)
    after_unshare = inspect(local, seed.image_id)
    assert shared.stdout == f"shared: {seed.image_id} with {other}\n"
    assert again.stdout == f"already shared: {seed.image_id} with {other}\n"
    assert after_share["shared_with"] == [other]
    assert unshared.stdout == f"unshared: {seed.image_id} with {other}\n"
    assert after_unshare["shared_with"] == []


def test_update_checks_if_match(local: Run) -> None:
    seed = seed_catalog(local)
    etag = etag_of(local, "images", "inspect", seed.image_id)
    first = local("images", "update", seed.image_id, "--status", "inactive", "--if-match", etag)
    stale = local("images", "update", seed.image_id, "--name", "renamed", "--if-match", etag)
    image = inspect(local, seed.image_id)
    assert first.exit_code == 0, first.output
    assert stale.exit_code == 1
    assert "Error: ModelArts.0112: " in stale.stderr
    assert image["status"] == "INACTIVE"
    assert image["name"] == "Ubuntu22.04-x86"


def test_update_changes_fields(local: Run) -> None:
    seed = seed_identities(local)
    added = parsed_json(
        local("images", "add", "Debian", "--arch", "X86", "--server-type", "ECS", "-o", "json")
    )
    image = parsed_json(
        local(
            "images",
            "update",
            added["id"],
            "--private-to",
            seed.project_id,
            "--tag",
            "lts",
            "--tag",
            "cpu",
            "--description",
            "base image",
            "--cuda-version",
            "12.2",
            "-o",
            "json",
        )  # fmt: skip
    )
    assert image["visibility"] == "PRIVATE"
    assert image["owner_project_id"] == seed.project_id
    assert image["tags"] == ["lts", "cpu"]
    assert image["description"] == "base image"
    assert image["cuda_version"] == "12.2"


def test_update_clears_tags(local: Run) -> None:
    added = parsed_json(
        local(
            "images",
            "add",
            "Debian",
            "--arch",
            "X86",
            "--server-type",
            "ECS",
            "--tag",
            "old",
            "-o",
            "json",
        )  # fmt: skip
    )
    image = parsed_json(local("images", "update", added["id"], "--clear-tags", "-o", "json"))
    assert added["tags"] == ["old"]
    assert image["tags"] == []


def test_update_makes_image_public(local: Run) -> None:
    seed = seed_catalog(local)
    image = parsed_json(local("images", "update", seed.image_id, "--public", "-o", "json"))
    assert image["visibility"] == "PUBLIC"
    assert image["owner_project_id"] is None


def test_update_needs_a_change(local: Run) -> None:
    result = local("images", "update", "00000000-0000-4000-8000-000000000000")
    assert result.exit_code == 2
    assert "nothing to change" in result.stderr


def test_protected_image_delete_conflict(local: Run) -> None:
    image = parsed_json(
        local(
            "images",
            "add",
            "Keep",
            "--arch",
            "X86",
            "--server-type",
            "ECS",
            "--protected",
            "-o",
            "json",
        )  # fmt: skip
    )
    refused = local("images", "delete", image["id"])
    local("images", "update", image["id"], "--unprotected")
    deleted = local("images", "delete", image["id"])
    listed = parsed_json(local("images", "list-admin", "-o", "json"))
    assert refused.exit_code == 1
    assert "Error: ModelArts.0109: " in refused.stderr
    assert deleted.stdout == f"deleted image {image['id']}\n"
    assert image["id"] not in {found["id"] for found in listed}


def test_list_admin_by_owner(local: Run) -> None:
    seed = seed_catalog(local)
    public = parsed_json(
        local("images", "add", "Public", "--arch", "ARM", "--server-type", "BMS", "-o", "json")
    )
    everything = parsed_json(local("images", "list-admin", "-o", "json"))
    owned = parsed_json(
        local("images", "list-admin", "--owner-project-id", seed.project_id, "-o", "json")
    )
    assert {public["id"], seed.image_id} <= {image["id"] for image in everything}
    assert [image["id"] for image in owned] == [seed.image_id]


def test_list_admin_table(local: Run) -> None:
    seed = seed_catalog(local)
    result = local("images", "list-admin", "--owner-project-id", seed.project_id)
    header, row = result.stdout.splitlines()
    assert header.split() == [
        "ID", "NAME", "ARCH", "SERVER_TYPE", "STATUS", "VISIBILITY", "OWNER_PROJECT_ID",
    ]  # fmt: skip
    assert row.split() == [
        seed.image_id, "Ubuntu22.04-x86", "X86", "ECS", "ACTIVE", "PRIVATE", seed.project_id,
    ]  # fmt: skip


def test_flavor_add_prints_name(local: Run) -> None:
    name = unique("c7.large")
    result = local("flavors", "add", name, "--arch", "X86", "--server-type", "ECS")
    assert result.stdout == f"flavor {name} created\n"


def test_flavor_update_show_delete(local: Run) -> None:
    name = unique("c7.large")
    local("flavors", "add", name, "--arch", "X86", "--server-type", "ECS")
    etag = etag_of(local, "flavors", "show", name)
    updated = parsed_json(
        local(
            "flavors",
            "update",
            name,
            "--sold-out",
            "--count",
            "3",
            "--if-match",
            etag,
            "-o",
            "json",
        )  # fmt: skip
    )
    stale = local("flavors", "update", name, "--count", "4", "--if-match", etag)
    deleted = local("flavors", "delete", name)
    remaining = parsed_json(local("flavors", "list-admin", "-o", "json"))
    assert updated["is_sold_out"] is True
    assert updated["status"] == "sellout"
    assert updated["count"] == 3
    assert stale.exit_code == 1
    assert "ModelArts.0112" in stale.stderr
    assert deleted.stdout == f"deleted flavor {name}\n"
    assert name not in {flavor["name"] for flavor in remaining}


def test_linked_flavor_delete_conflict(local: Run) -> None:
    seed = seed_catalog(local)
    result = local("flavors", "delete", seed.flavor)
    assert result.exit_code == 1
    assert "Error: ModelArts.0109: " in result.stderr


# Audit trail


def now() -> str:
    return datetime.now(UTC).isoformat()


def audit_actions(local: Run, *filters: str) -> list[str]:
    events: list[dict[str, Any]] = parsed_json(local("audit", "list", *filters, "-o", "json"))
    return [event["action"] for event in events]


def test_audit_lists_every_change(local: Run) -> None:
    start = now()
    seed = seed_catalog(local)
    local("users", "grant", seed.user, "--account", seed.account, "--project", seed.project)
    local("keys", "create", "--account", seed.account, "--user", seed.user)
    assert audit_actions(local, "--since", start) == [
        "account.create", "project.create", "user.create", "flavor.create", "flavor.create",
        "image.create", "role.grant", "access_key.create",
    ]  # fmt: skip


def test_audit_events_name_operator(local: Run) -> None:
    start = now()
    seed_identities(local)
    events = parsed_json(local("audit", "list", "--since", start, "-o", "json"))
    assert {event["actor"]["via"] for event in events} == {"cli"}
    assert all(event["actor"]["name"].startswith("cli:") for event in events)


def test_audit_filters(local: Run) -> None:
    start = now()
    seed = seed_catalog(local)
    after = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    since = ("--since", start)
    assert audit_actions(local, *since, "--action", "flavor.create") == ["flavor.create"] * 2
    assert audit_actions(local, *since, "--resource-type", "image") == ["image.create"]
    assert audit_actions(local, "--resource-id", seed.image_id) == ["image.create"]
    assert audit_actions(local, "--since", after) == []
    assert audit_actions(local, "--until", "2000-01-01T00:00:00") == []
    assert audit_actions(local, *since, "--limit", "2") == ["account.create", "project.create"]
    assert audit_actions(local, *since, "--offset", "5") == ["image.create"]


def test_audit_rejects_bad_time(local: Run) -> None:
    result = local("audit", "list", "--since", "yesterday")
    assert result.exit_code == 2
    assert "not an ISO 8601 time" in result.stderr


def test_audit_table_columns(local: Run) -> None:
    start = now()
    seed_identities(local)
    result = local("audit", "list", "--since", start)
    header, *rows = result.stdout.splitlines()
    assert header.split() == [
        "ID", "AT", "ACTION", "RESOURCE_TYPE", "RESOURCE_ID", "ACTOR_NAME", "ACTOR_VIA",
    ]  # fmt: skip
    assert len(rows) == 3


# Choosing the backend


def test_local_flag_ignores_endpoint(local: Run) -> None:
    seed = seed_identities(local)
    result = local(
        "accounts", "show", seed.account, "--local", "-o", "json",
        LITEIMAGES_ENDPOINT="http://127.0.0.1:9",
    )  # fmt: skip
    assert parsed_json(result)["id"] == seed.account_id


def test_endpoint_selects_remote(local: Run) -> None:
    result = local("accounts", "list", LITEIMAGES_ENDPOINT="http://127.0.0.1:9")
    assert result.exit_code == 2
    assert "Error: no credentials" in result.stderr
