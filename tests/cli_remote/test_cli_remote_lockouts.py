"""`liteimages lockouts` through a live server's admin API and on its database directly.

The `remote` runner calls the module's live server as the demo system administrator,
and the `local` runner opens the same database. The tests of this module share them, so
each one creates its own accounts and keys.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cli_remote_support import Run, parsed_json

from liteimages.client import AkSkAuth
from liteimages.db.engine import Database
from liteimages.identity.lockout import LockoutStore, user_key
from support.server import LiveServer, start_server

THRESHOLD = 5
KEY_LOCKED = (
    "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden"
)
# Workers reload the lockouts within one 0.5 s revision poll of a change.
PROPAGATION_BOUND_S = 1.0
# New keys reach the server's credential cache within a poll too; allow for a slow machine.
CACHE_TIMEOUT_S = 10.0
# Requests per check. Each opens its own connection, so the kernel may hand it to either worker.
CALLS = 10


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Member:
    """A user of a new account, with a viewer grant on its project and an access key."""

    account: str
    account_id: str
    project_id: str
    user: str
    user_id: str
    access_key: str
    secret_key: str


@pytest.fixture(scope="module")
def two_workers(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Yield a second server with two worker processes, on the live server's database."""
    server = start_server(
        live_server.database_url,
        tmp_path_factory.mktemp("two-workers"),
        live_server.project_id,
        workers=2,
    )
    yield server
    server.stop()


def create_member(remote: Run) -> Member:
    account, user = unique("acme"), unique("carol")
    created = parsed_json(remote("accounts", "create", account, "-o", "json"))
    project = parsed_json(
        remote("projects", "create", "cn-north-4", "--account", account, "-o", "json")
    )
    person = parsed_json(
        remote("users", "create", user, "--account", account, "--no-password", "-o", "json")
    )
    granted = remote(
        "users", "grant", user, "--account", account, "--project", project["id"], "--role",
        "viewer",
    )  # fmt: skip
    assert granted.exit_code == 0, granted.output
    key = parsed_json(remote("keys", "create", "--account", account, "--user", user, "-o", "json"))
    return Member(
        account, created["id"], project["id"], user, person["id"], key["access_key"],
        key["secret_key"],
    )  # fmt: skip


def call(server: LiveServer, member: Member, secret_key: str | None = None) -> httpx.Response:
    """Call ListDevServerFlavors signed with the member's key, on a connection of its own."""
    auth = AkSkAuth(member.access_key, secret_key or member.secret_key, member.project_id)
    limits = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=server.endpoint, auth=auth, limits=limits, timeout=10) as client:
        return client.get(f"/v1/{member.project_id}/dev-servers/flavors")


def wait_until_usable(server: LiveServer, member: Member) -> None:
    deadline = time.monotonic() + CACHE_TIMEOUT_S
    while call(server, member).status_code != 200:
        assert time.monotonic() < deadline, "the new access key never worked"
        time.sleep(0.1)


def fail(database_url: str, key: str, times: int) -> None:
    """Count failures in the lockouts table, as a server's lockout writes them."""
    database = Database(database_url)
    try:
        store = LockoutStore(database)
        for _ in range(times):
            store.add_failure(key, THRESHOLD, 300.0)
    finally:
        database.dispose()


def listed(run: Run, *args: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = parsed_json(run("lockouts", "list", *args, "-o", "json"))
    return found


def clear_events(run: Run, resource_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = parsed_json(
        run("audit", "list", "--action", "lockout.clear", "--resource-id", resource_id, "-o",
            "json")
    )  # fmt: skip
    return events


@pytest.mark.parametrize("backend", ["remote", "local"])
def test_cli_clear_unlocks_live_key(
    backend: str, remote: Run, local: Run, two_workers: LiveServer
) -> None:
    run = remote if backend == "remote" else local
    member = create_member(remote)
    wait_until_usable(two_workers, member)
    for _ in range(THRESHOLD):
        assert call(two_workers, member, member.secret_key[::-1]).status_code == 401
    time.sleep(PROPAGATION_BOUND_S)
    refused = [call(two_workers, member) for _ in range(CALLS)]
    before = listed(run, "--account", member.account)

    result = run("lockouts", "clear", "--access-key", member.access_key)
    time.sleep(PROPAGATION_BOUND_S)

    assert [response.json()["error_msg"] for response in refused] == [KEY_LOCKED] * CALLS
    assert [item["access_key"] for item in before] == [member.access_key]
    assert before[0]["locked"] is True
    assert before[0]["user_name"] == member.user
    assert result.exit_code == 0, result.output
    assert result.stdout == f"cleared the lockout of access key {member.access_key}\n"
    assert [call(two_workers, member).status_code for _ in range(CALLS)] == [200] * CALLS
    assert listed(run, "--account", member.account) == []
    events = clear_events(run, member.access_key)
    assert len(events) == 1
    assert events[0]["actor"]["via"] == ("api" if backend == "remote" else "cli")


@pytest.mark.parametrize("backend", ["remote", "local"])
def test_cli_clear_user_by_name(
    backend: str, remote: Run, local: Run, live_server: LiveServer
) -> None:
    run = remote if backend == "remote" else local
    member = create_member(remote)
    fail(live_server.database_url, user_key(member.user_id), THRESHOLD)

    result = run("lockouts", "clear", "--user", member.user, "--account", member.account)
    again = run("lockouts", "clear", "--user", member.user_id, "--account", member.account_id)

    assert result.exit_code == 0, result.output
    assert result.stdout == f"cleared the lockout of user {member.user}\n"
    assert again.exit_code == 0, again.output
    assert again.stdout == f"user {member.user} had no lockout\n"
    assert len(clear_events(run, member.user_id)) == 1


@pytest.mark.parametrize("backend", ["remote", "local"])
def test_cli_list_filters(backend: str, remote: Run, local: Run, live_server: LiveServer) -> None:
    run = remote if backend == "remote" else local
    member = create_member(remote)
    fail(live_server.database_url, member.access_key, THRESHOLD)
    fail(live_server.database_url, user_key(member.user_id), 2)
    scope = ("--account", member.account)

    both = listed(run, *scope)
    users = listed(run, *scope, "--kind", "user")
    locked = listed(run, *scope, "--locked")
    counting = listed(run, *scope, "--not-locked")
    paged = listed(run, *scope, "--limit", "1", "--offset", "1")
    table = run("lockouts", "list", *scope)

    assert [item["kind"] for item in both] == ["access_key", "user"]
    assert [item["user_id"] for item in users] == [member.user_id]
    assert [item["access_key"] for item in locked] == [member.access_key]
    assert [item["failures"] for item in counting] == [2]
    assert paged == both[1:]
    assert table.exit_code == 0, table.output
    header, *rows = table.stdout.splitlines()
    assert header.split() == [
        "KIND", "ACCESS_KEY", "USER_NAME", "USER_ID", "FAILURES", "LOCKED", "LOCKED_UNTIL",
    ]  # fmt: skip
    assert len(rows) == 2


@pytest.mark.parametrize("backend", ["remote", "local"])
def test_cli_clear_all_of_account(
    backend: str, remote: Run, local: Run, live_server: LiveServer
) -> None:
    run = remote if backend == "remote" else local
    member, bystander = create_member(remote), create_member(remote)
    for person in (member, bystander):
        fail(live_server.database_url, person.access_key, THRESHOLD)
        fail(live_server.database_url, user_key(person.user_id), 1)

    keys_only = run(
        "lockouts", "clear", "--all", "--kind", "access_key", "--account", member.account
    )
    rest = run("lockouts", "clear", "--all", "--account", member.account)

    assert keys_only.exit_code == 0, keys_only.output
    assert keys_only.stdout == "cleared 1 lockout(s)\n"
    assert rest.stdout == "cleared 1 lockout(s)\n"
    assert listed(run, "--account", member.account) == []
    assert len(listed(run, "--account", bystander.account)) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give exactly one of --access-key, --user and --all"),
        (
            ("--access-key", "AK123456", "--all"),
            "give exactly one of --access-key, --user and --all",
        ),
        (("--access-key", "AK123456", "--kind", "user"), "--kind goes with --all"),
        (("--user", "carol"), "--user needs --account"),
        (("--access-key", "AK123456", "--account", "acme"), "--account goes with --user or --all"),
        (("--access-key", ""), "--access-key and --user need a non-empty value"),
        (("--user", "", "--account", "acme"), "--access-key and --user need a non-empty value"),
    ],
)
def test_cli_clear_usage_errors(local: Run, args: tuple[str, ...], message: str) -> None:
    result = local("lockouts", "clear", *args)

    assert result.exit_code == 2, result.output
    assert message in result.stderr


@pytest.mark.parametrize("backend", ["remote", "local"])
def test_cli_clear_unknown_key_fails(backend: str, remote: Run, local: Run) -> None:
    run = remote if backend == "remote" else local

    result = run("lockouts", "clear", "--access-key", "NOSUCHKEY123")

    assert result.exit_code == 1, result.output
    assert "ModelArts.5058: Object (NOSUCHKEY123) does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_cli_non_admin_rejected(remote: Run, live_server: LiveServer) -> None:
    member = create_member(remote)
    wait_until_usable(live_server, member)

    result = remote(
        "lockouts", "list", HUAWEICLOUD_SDK_AK=member.access_key,
        HUAWEICLOUD_SDK_SK=member.secret_key, HUAWEICLOUD_SDK_PROJECT_ID=member.project_id,
    )  # fmt: skip

    assert result.exit_code == 1, result.output
    assert "HTTP 403 ModelArts.0108" in result.stderr
