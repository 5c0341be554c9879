"""Admin commands through a live server's admin API, as the demo system administrator.

The tests of this module share one server, so each one creates its own names.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cli_remote_support import Run, parsed_json, run_cli
from click.testing import Result

from support.server import DEMO_DOMAIN, DEMO_USER, SECRET_KEY, LiveServer

PASSWORD = "remote-password-1234"
REQUEST_ID = re.compile(r"\(request id [0-9a-f]{32}\)")
# The server refreshes its credential cache about twice a second; allow for a slow machine.
CACHE_TIMEOUT_S = 10.0


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Member:
    """A user of a new account, with a role on its project and an access key."""

    account: str
    project_id: str
    user: str
    access_key: str
    secret_key: str


def create_member(remote: Run, role: str, *, password: bool = False) -> Member:
    """Create the member; a password (slow to hash on purpose) only when the test needs one."""
    account, user = unique("acme"), unique("bob")
    assert remote("accounts", "create", account).exit_code == 0
    project = parsed_json(
        remote("projects", "create", "cn-north-4", "--account", account, "-o", "json")
    )
    secret = ("--password", PASSWORD) if password else ("--no-password",)
    created = remote("users", "create", user, "--account", account, *secret)
    assert created.exit_code == 0, created.output
    granted = remote(
        "users", "grant", user, "--account", account, "--project", project["id"], "--role", role
    )
    assert granted.exit_code == 0, granted.output
    key = parsed_json(remote("keys", "create", "--account", account, "--user", user, "-o", "json"))
    return Member(account, project["id"], user, key["access_key"], key["secret_key"])


def as_member(server: LiveServer, member: Member, *args: str) -> Result:
    """Run a command with the member's key, waiting while the server has not yet seen the key."""
    env = {
        "LITEIMAGES_ENDPOINT": server.endpoint,
        "HUAWEICLOUD_SDK_AK": member.access_key,
        "HUAWEICLOUD_SDK_SK": member.secret_key,
        "HUAWEICLOUD_SDK_PROJECT_ID": member.project_id,
    }
    deadline = time.monotonic() + CACHE_TIMEOUT_S
    while True:
        result = run_cli(args, env)
        if "APIGW.0301" not in result.stderr or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def member_token(server: LiveServer, member: Member) -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": member.user,
                        "password": PASSWORD,
                        "domain": {"name": member.account},
                    }
                },
            },
            "scope": {"project": {"id": member.project_id}},
        }
    }
    response = httpx.post(f"{server.endpoint}/v3/auth/tokens", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


def token_status(server: LiveServer, member: Member, token: str) -> int:
    url = f"{server.endpoint}/v1/{member.project_id}/dev-servers/flavors"
    return httpx.get(url, headers={"X-Auth-Token": token}, timeout=10).status_code


def add_private_image(remote: Run, project_id: str) -> tuple[str, str]:
    """Add a flavor and an image private to `project_id`; return the image id and flavor."""
    flavor = unique("c7.large")
    added = remote("flavors", "add", flavor, "--arch", "X86", "--server-type", "ECS")
    assert added.exit_code == 0, added.output
    image = parsed_json(
        remote(
            "images",
            "add",
            unique("Ubuntu"),
            "--arch",
            "X86",
            "--server-type",
            "ECS",
            "--private-to",
            project_id,
            "-o",
            "json",
        )  # fmt: skip
    )
    return image["id"], flavor


def actions_on(remote: Run, resource_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = parsed_json(
        remote("audit", "list", "--resource-id", resource_id, "-o", "json")
    )
    return events


# Identities


def test_create_commands_print_ids(remote: Run) -> None:
    account = unique("acme")
    created = [
        remote("accounts", "create", account),
        remote("projects", "create", "cn-north-4", "--account", account),
        remote("users", "create", "alice", "--account", account, "--no-password"),
    ]
    assert re.fullmatch(rf"account {account} id [0-9a-f]{{32}}\n", created[0].stdout)
    assert re.fullmatch(r"project cn-north-4 id [0-9a-f]{32}\n", created[1].stdout)
    assert re.fullmatch(r"user alice id [0-9a-f]{32}\n", created[2].stdout)


def test_grant_and_roles(remote: Run) -> None:
    member = create_member(remote, "viewer")
    roles = parsed_json(
        remote("users", "roles", member.user, "--account", member.account, "-o", "json")
    )
    assert [(role["project_id"], role["role"]) for role in roles] == [(member.project_id, "viewer")]


def test_grant_reports_granted(remote: Run) -> None:
    member = create_member(remote, "viewer")
    who = (member.user, "--account", member.account, "--project", "cn-north-4")
    result = remote("users", "grant", *who, "--role", "member")
    assert result.stdout == f"granted: {member.user} member on cn-north-4\n"


def test_revoke_removes_role(remote: Run) -> None:
    member = create_member(remote, "viewer")
    who = (member.user, "--account", member.account)
    revoked = remote("users", "revoke", *who, "--project", "cn-north-4", "--role", "viewer")
    roles = parsed_json(remote("users", "roles", *who, "-o", "json"))
    assert revoked.stdout == f"revoked: {member.user} viewer on cn-north-4\n"
    assert roles == []


def test_created_key_reads_catalog(live_server: LiveServer, remote: Run) -> None:
    member = create_member(remote, "viewer")
    result = as_member(live_server, member, "flavors", "list", "-o", "json")
    assert parsed_json(result)


def test_key_list_hides_secret(remote: Run) -> None:
    member = create_member(remote, "viewer")
    listed = remote(
        "keys", "list", "--account", member.account, "--user", member.user, "-o", "json"
    )
    assert [key["access_key"] for key in parsed_json(listed)] == [member.access_key]
    assert member.secret_key not in listed.output


def test_key_create_table_labels(remote: Run) -> None:
    account = unique("acme")
    remote("accounts", "create", account)
    created = remote("keys", "create", "--account", account)
    ak_line, sk_line = created.stdout.splitlines()
    assert ak_line.startswith("AK ")
    assert sk_line.startswith("SK ")
    assert "shown only this once" in created.stderr


def test_disabled_key_rejected(live_server: LiveServer, remote: Run) -> None:
    member = create_member(remote, "viewer")
    assert as_member(live_server, member, "flavors", "list").exit_code == 0
    disabled = remote("keys", "disable", member.access_key)
    deadline = time.monotonic() + CACHE_TIMEOUT_S
    result = run_cli(["flavors", "list"], member_env(live_server, member))
    while result.exit_code == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
        result = run_cli(["flavors", "list"], member_env(live_server, member))
    assert disabled.stdout == f"access key {member.access_key} is INACTIVE\n"
    assert "HTTP 401 APIGW.0301" in result.stderr


def member_env(server: LiveServer, member: Member) -> dict[str, str | None]:
    return {
        "LITEIMAGES_ENDPOINT": server.endpoint,
        "HUAWEICLOUD_SDK_AK": member.access_key,
        "HUAWEICLOUD_SDK_SK": member.secret_key,
        "HUAWEICLOUD_SDK_PROJECT_ID": member.project_id,
    }


def test_key_enable_delete(remote: Run) -> None:
    member = create_member(remote, "viewer")
    remote("keys", "disable", member.access_key)
    enabled = remote("keys", "enable", member.access_key)
    deleted = remote("keys", "delete", member.access_key)
    listed = remote(
        "keys", "list", "--account", member.account, "--user", member.user, "-o", "json"
    )
    assert enabled.stdout == f"access key {member.access_key} is ACTIVE\n"
    assert deleted.stdout == f"deleted access key {member.access_key}\n"
    assert parsed_json(listed) == []


def test_user_show_list_disable(remote: Run) -> None:
    member = create_member(remote, "viewer", password=True)
    who = (member.user, "--account", member.account)
    shown = remote("users", "show", *who, "-o", "json")
    remote("users", "disable", *who)
    users = parsed_json(remote("users", "list", "--account", member.account, "-o", "json"))
    assert parsed_json(shown)["has_password"] is True
    assert re.search(r'ETag: "[^"]+"', shown.stderr)
    assert {user["name"]: user["enabled"] for user in users} == {
        member.account: True,
        member.user: False,
    }


def test_user_if_match_stale(remote: Run) -> None:
    member = create_member(remote, "viewer")
    who = (member.user, "--account", member.account)
    etag = re.search(r'ETag: ("[^"]+")', remote("users", "show", *who).stderr)
    assert etag
    remote("users", "disable", *who, "--if-match", etag.group(1))
    stale = remote("users", "enable", *who, "--if-match", etag.group(1))
    assert stale.exit_code == 1
    assert "Error: HTTP 412 ModelArts.0112: " in stale.stderr
    assert REQUEST_ID.search(stale.stderr)


def test_set_password_and_delete(remote: Run) -> None:
    member = create_member(remote, "viewer")
    who = (member.user, "--account", member.account)
    changed = remote("users", "set-password", *who, "--password", "another-pass-5678")
    deleted = remote("users", "delete", *who)
    missing = remote("users", "show", *who)
    assert changed.stdout == f"password of {member.user} changed\n"
    assert deleted.exit_code == 0, deleted.output
    assert missing.exit_code == 1
    assert f"Error: ModelArts.5058: Object ({member.user}) does not exist" in missing.stderr


def test_accounts_show_list_delete(remote: Run) -> None:
    account = unique("acme")
    created = parsed_json(remote("accounts", "create", account, "-o", "json"))
    shown = parsed_json(remote("accounts", "show", account, "-o", "json"))
    listed = parsed_json(remote("accounts", "list", "-o", "json"))
    deleted = remote("accounts", "delete", account)
    remaining = parsed_json(remote("accounts", "list", "-o", "json"))
    assert shown == created
    assert {DEMO_DOMAIN, account} <= {found["name"] for found in listed}
    assert deleted.stdout == f"deleted account {account} id {created['id']}\n"
    assert account not in {found["name"] for found in remaining}


def test_projects_list_delete(remote: Run) -> None:
    member = create_member(remote, "viewer")
    remote("projects", "create", "eu-west-1", "--account", member.account)
    listed = parsed_json(remote("projects", "list", "--account", member.account, "-o", "json"))
    deleted = remote("projects", "delete", "eu-west-1", "--account", member.account)
    remaining = parsed_json(remote("projects", "list", "--account", member.account, "-o", "json"))
    assert [project["name"] for project in listed] == ["cn-north-4", "eu-west-1"]
    assert deleted.exit_code == 0, deleted.output
    assert [project["name"] for project in remaining] == ["cn-north-4"]


def test_tokens_revoke_one(live_server: LiveServer, remote: Run) -> None:
    member = create_member(remote, "viewer", password=True)
    token = member_token(live_server, member)
    before = token_status(live_server, member, token)
    revoked = remote("tokens", "revoke", "--stdin", stdin=token + "\n")
    again = remote("tokens", "revoke", "--stdin", stdin=token + "\n")
    assert before == 200
    assert revoked.stdout == "revoked 1 token\n"
    assert token not in revoked.output
    assert token_status(live_server, member, token) == 401
    assert again.exit_code == 1
    assert "Error: HTTP 404 IAM.0004: " in again.stderr


def test_tokens_revoke_for_user(live_server: LiveServer, remote: Run) -> None:
    member = create_member(remote, "viewer", password=True)
    token = member_token(live_server, member)
    result = remote("tokens", "revoke", "--account", member.account, "--user", member.user)
    assert result.stdout == f"revoked 1 token(s) of {member.user}\n"
    assert token_status(live_server, member, token) == 401


# Images and flavors


def test_image_link_and_share(remote: Run) -> None:
    member = create_member(remote, "viewer")
    image_id, flavor = add_private_image(remote, member.project_id)
    other = parsed_json(
        remote("projects", "create", "eu-west-1", "--account", member.account, "-o", "json")
    )["id"]
    linked = remote("images", "link", image_id, flavor)
    shared = remote("images", "share", image_id, other)
    image = parsed_json(remote("images", "inspect", image_id, "-o", "json"))
    assert linked.stdout == f"linked: {image_id} boots {flavor}\n"
    assert shared.stdout == f"shared: {image_id} with {other}\n"
    assert image["flavors"] == [flavor]
    assert image["shared_with"] == [other]


def test_image_unlink_and_unshare(remote: Run) -> None:
    member = create_member(remote, "viewer")
    image_id, flavor = add_private_image(remote, member.project_id)
    other = parsed_json(
        remote("projects", "create", "eu-west-1", "--account", member.account, "-o", "json")
    )["id"]
    remote("images", "link", image_id, flavor)
    remote("images", "share", image_id, other)
    unlinked = remote("images", "unlink", image_id, flavor)
    unshared = remote("images", "unshare", image_id, other)
    image = parsed_json(remote("images", "inspect", image_id, "-o", "json"))
    assert unlinked.exit_code == 0, unlinked.output
    assert unshared.exit_code == 0, unshared.output
    assert image["flavors"] == []
    assert image["shared_with"] == []


def test_shared_image_visible_to_project(live_server: LiveServer, remote: Run) -> None:
    owner = create_member(remote, "viewer")
    reader = create_member(remote, "viewer")
    image_id, _ = add_private_image(remote, owner.project_id)
    remote("images", "share", image_id, reader.project_id)
    deadline = time.monotonic() + CACHE_TIMEOUT_S
    result = as_member(live_server, reader, "images", "show", image_id, "-o", "json")
    while result.exit_code != 0 and time.monotonic() < deadline:
        time.sleep(0.2)
        result = as_member(live_server, reader, "images", "show", image_id, "-o", "json")
    assert parsed_json(result)["image_id"] == image_id


def test_image_update_if_match(remote: Run) -> None:
    member = create_member(remote, "viewer")
    image_id, _ = add_private_image(remote, member.project_id)
    inspected = remote("images", "inspect", image_id)
    etag = re.search(r'ETag: ("[^"]+")', inspected.stderr)
    assert etag
    first = remote(
        "images", "update", image_id, "--status", "INACTIVE", "--if-match", etag.group(1)
    )
    stale = remote("images", "update", image_id, "--name", "renamed", "--if-match", etag.group(1))
    assert parsed_json(remote("images", "inspect", image_id, "-o", "json"))["status"] == "INACTIVE"
    assert first.exit_code == 0, first.output
    assert stale.exit_code == 1
    assert "Error: HTTP 412 ModelArts.0112: " in stale.stderr
    assert REQUEST_ID.search(stale.stderr)


def test_image_made_public(remote: Run) -> None:
    member = create_member(remote, "viewer")
    image_id, _ = add_private_image(remote, member.project_id)
    image = parsed_json(remote("images", "update", image_id, "--public", "-o", "json"))
    assert image["visibility"] == "PUBLIC"
    assert image["owner_project_id"] is None


def test_protected_image_conflict(remote: Run) -> None:
    image = parsed_json(
        remote(
            "images",
            "add",
            unique("Keep"),
            "--arch",
            "ARM",
            "--server-type",
            "BMS",
            "--protected",
            "-o",
            "json",
        )  # fmt: skip
    )
    refused = remote("images", "delete", image["id"])
    remote("images", "update", image["id"], "--unprotected")
    deleted = remote("images", "delete", image["id"])
    assert refused.exit_code == 1
    assert "Error: HTTP 409 ModelArts.0109: " in refused.stderr
    assert deleted.stdout == f"deleted image {image['id']}\n"


def test_unknown_image_not_found(remote: Run) -> None:
    result = remote("images", "inspect", "00000000-0000-4000-8000-000000000000")
    assert result.exit_code == 1
    assert "Error: HTTP 404 ModelArts.5058: " in result.stderr
    assert REQUEST_ID.search(result.stderr)


def test_list_admin_by_owner(remote: Run) -> None:
    member = create_member(remote, "viewer")
    image_id, _ = add_private_image(remote, member.project_id)
    owned = parsed_json(
        remote("images", "list-admin", "--owner-project-id", member.project_id, "-o", "json")
    )
    assert [image["id"] for image in owned] == [image_id]


def test_flavor_update_show_delete(remote: Run) -> None:
    name = unique("c7.large")
    remote("flavors", "add", name, "--arch", "X86", "--server-type", "ECS")
    shown = remote("flavors", "show", name, "-o", "json")
    updated = parsed_json(remote("flavors", "update", name, "--count", "7", "-o", "json"))
    listed = parsed_json(remote("flavors", "list-admin", "-o", "json"))
    deleted = remote("flavors", "delete", name)
    assert parsed_json(shown)["name"] == name
    assert updated["count"] == 7
    assert name in {flavor["name"] for flavor in listed}
    assert deleted.stdout == f"deleted flavor {name}\n"


def test_flavor_name_with_slash(remote: Run) -> None:
    name = unique("gpu/a100")
    added = remote("flavors", "add", name, "--arch", "X86", "--server-type", "BMS")
    shown = remote("flavors", "show", name, "-o", "json")
    assert added.exit_code == 0, added.output
    assert parsed_json(shown)["name"] == name


# Audit trail


def test_audit_names_api_actor(remote: Run) -> None:
    member = create_member(remote, "viewer")
    image_id, flavor = add_private_image(remote, member.project_id)
    remote("images", "link", image_id, flavor)
    remote("images", "share", image_id, member.project_id)
    events = actions_on(remote, image_id)
    assert [event["action"] for event in events][:2] == ["image.create", "image.link"]
    assert {event["actor"]["name"] for event in events} == {f"{DEMO_DOMAIN}/{DEMO_USER}"}
    assert {event["actor"]["via"] for event in events} == {"api"}
    assert all(re.fullmatch(r"[0-9a-f]{32}", event["request_id"]) for event in events)


def test_audit_filters_by_action(remote: Run) -> None:
    account = unique("acme")
    created = parsed_json(remote("accounts", "create", account, "-o", "json"))
    events = parsed_json(
        remote("audit", "list", "--action", "account.create", "--limit", "1000", "-o", "json")
    )
    assert created["id"] in {event["resource_id"] for event in events}
    assert {event["action"] for event in events} == {"account.create"}


def test_audit_table_lists_events(remote: Run) -> None:
    account = unique("acme")
    created = parsed_json(remote("accounts", "create", account, "-o", "json"))
    result = remote("audit", "list", "--resource-id", created["id"])
    header, row = result.stdout.splitlines()
    assert header.split()[:3] == ["ID", "AT", "ACTION"]
    assert row.split()[2:5] == ["account.create", "account", created["id"]]


# Permissions


@pytest.mark.parametrize(
    "command",
    [
        ("accounts", "list"),
        ("audit", "list"),
        ("flavors", "add", "x1", "--arch", "X86", "--server-type", "ECS"),
    ],
)
def test_viewer_refused_admin_calls(
    live_server: LiveServer, remote: Run, command: tuple[str, ...]
) -> None:
    member = create_member(remote, "viewer")
    assert as_member(live_server, member, "flavors", "list").exit_code == 0
    result = run_cli(command, member_env(live_server, member))
    assert result.exit_code == 1
    assert "Error: HTTP 403 ModelArts.0108: " in result.stderr
    assert REQUEST_ID.search(result.stderr)


def test_account_admin_limited_to_account(live_server: LiveServer, remote: Run) -> None:
    member = create_member(remote, "admin")
    own = as_member(live_server, member, "accounts", "list", "-o", "json")
    other = run_cli(["accounts", "create", unique("acme")], member_env(live_server, member))
    assert [account["name"] for account in parsed_json(own)] == [member.account]
    assert other.exit_code == 1
    assert "Error: HTTP 403 ModelArts.0108: " in other.stderr


def test_local_key_works_remotely(live_server: LiveServer, remote: Run) -> None:
    storage = {
        "LITEIMAGES_DATABASE_URL": live_server.database_url,
        "LITEIMAGES_DATA_DIR": str(live_server.data_dir),
        "LITEIMAGES_SECRET_KEY": SECRET_KEY,
    }
    account = unique("acme")
    run_cli(["accounts", "create", account], storage)
    project = parsed_json(
        run_cli(["projects", "create", "cn-north-4", "--account", account, "-o", "json"], storage)
    )
    key = parsed_json(run_cli(["keys", "create", "--account", account, "-o", "json"], storage))
    member = Member(account, project["id"], account, key["access_key"], key["secret_key"])
    result = as_member(live_server, member, "flavors", "list", "-o", "json")
    assert parsed_json(result)
