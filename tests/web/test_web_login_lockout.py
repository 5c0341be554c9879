"""Password lockout, login address limit and configured AK/SK lockout of running servers."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from liteimages.client import AkSkAuth
from liteimages.db.base import utcnow
from liteimages.db.engine import Database
from liteimages.identity import service as identity
from liteimages.identity.lockout import LockoutRecord, user_key
from liteimages.identity.secretbox import SecretBox
from support.server import DEMO_DOMAIN, SECRET_KEY, LiveServer, start_server

PASSWORD = "right-password-123"
WRONG = "wrong-password-123"
USER_THRESHOLD = 3
USER_DURATION_S = 3.0
KEY_THRESHOLD = 2
KEY_DURATION_S = 1.5
LOGIN_BURST = 3
USER_LOCKED = (
    "Incorrect IAM authentication information: user access failed to reach the limit,forbidden"
)
KEY_LOCKED = (
    "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden"
)
REQUEST_ID = re.compile(r"[0-9a-f]{32}")
LOCKOUTS = {
    "LITEIMAGES_LOCKOUT_USER_THRESHOLD": str(USER_THRESHOLD),
    "LITEIMAGES_LOCKOUT_USER_DURATION": str(USER_DURATION_S),
    "LITEIMAGES_LOCKOUT_KEY_THRESHOLD": str(KEY_THRESHOLD),
    "LITEIMAGES_LOCKOUT_KEY_DURATION": str(KEY_DURATION_S),
}
# A write to the lockouts table lands well within this after the response that caused it.
WRITE_BOUND_S = 2.0


@pytest.fixture(scope="module")
def servers(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Yield a server with two workers and a second server, on one database."""
    project_id = secrets.token_hex(16)
    first = start_server(
        module_database_url,
        tmp_path_factory.mktemp("first"),
        project_id,
        workers=2,
        extra_env=LOCKOUTS,
    )
    try:
        second = start_server(
            module_database_url, tmp_path_factory.mktemp("second"), project_id, extra_env=LOCKOUTS
        )
    except BaseException:
        first.stop()
        raise
    yield first, second
    second.stop()
    first.stop()


@pytest.fixture(scope="module")
def limited(
    servers: tuple[LiveServer, LiveServer], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Yield a server on the same database that allows LOGIN_BURST logins a minute per address."""
    first = servers[0]
    server = start_server(
        first.database_url,
        tmp_path_factory.mktemp("limited"),
        first.project_id,
        demo=False,
        extra_env={
            "LITEIMAGES_RATE_LIMIT_LOGIN": f"{LOGIN_BURST}/min",
            "LITEIMAGES_RATE_LIMIT_LOGIN_BURST": str(LOGIN_BURST),
        },
    )
    yield server
    server.stop()


def new_user(server: LiveServer) -> tuple[str, str]:
    """Create a user of the demo account with a viewer grant; return its name and id."""
    name = f"guarded-{secrets.token_hex(4)}"
    database = Database(server.database_url)
    try:
        with database.write() as session:
            account = identity.find_account(session, DEMO_DOMAIN)
            user = identity.create_user(session, account.id, name, PASSWORD)
            identity.grant_role(session, user.id, server.project_id, "viewer")
            return name, user.id
    finally:
        database.dispose()


def new_key(server: LiveServer, user_id: str) -> tuple[str, str]:
    database = Database(server.database_url)
    try:
        with database.write() as session:
            created = identity.create_access_key(session, SecretBox(SECRET_KEY.encode()), user_id)
            return created.access_key, created.secret_key
    finally:
        database.dispose()


def login(server: LiveServer, user: str, password: str) -> httpx.Response:
    body: dict[str, Any] = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "password": password, "domain": {"name": DEMO_DOMAIN}}
                },
            },
            "scope": {"project": {"id": server.project_id}},
        }
    }
    # No keep-alive, so the kernel may hand each login to either worker.
    with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=30) as client:
        return client.post(server.endpoint + "/v3/auth/tokens", json=body)


def fail(server: LiveServer, user: str, times: int) -> None:
    for _ in range(times):
        response = login(server, user, WRONG)
        assert response.status_code == 401, response.text
        assert response.json()["error_code"] == "IAM.0001"


def check_user_locked(response: httpx.Response, duration: float = USER_DURATION_S) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error_code"] == "APIGW.0301"
    assert body["error_msg"] == USER_LOCKED
    assert REQUEST_ID.fullmatch(body["request_id"])
    assert "x-subject-token" not in response.headers
    assert 1 <= int(response.headers["retry-after"]) <= duration + 1


def password_checks(server: LiveServer) -> float:
    """Return the Argon2 checks that every worker of `server` has run, of any result."""
    text = httpx.get(server.endpoint + "/metrics").text
    total = 0.0
    for family in text_string_to_metric_families(text):
        if family.name == "liteimages_password_checks":
            total += sum(
                sample.value for sample in family.samples if sample.name.endswith("_total")
            )
    return total


def wait_for_table_lock(server: LiveServer, user_id: str) -> None:
    """Wait until the user's lock is in the lockouts table, as every instance reads it."""
    database = Database(server.database_url)
    deadline = time.monotonic() + WRITE_BOUND_S
    try:
        while time.monotonic() < deadline:
            with database.read() as session:
                record = session.get(LockoutRecord, user_key(user_id))
                if record is not None and record.locked_until and record.locked_until > utcnow():
                    return
            time.sleep(0.05)
    finally:
        database.dispose()
    raise AssertionError(f"no lock of user {user_id} in the lockouts table after {WRITE_BOUND_S} s")


def test_threshold_failures_lock_user(servers: tuple[LiveServer, LiveServer]) -> None:
    first, _ = servers
    name, _ = new_user(first)
    fail(first, name, USER_THRESHOLD)

    check_user_locked(login(first, name, PASSWORD))


def test_fewer_failures_keep_login(servers: tuple[LiveServer, LiveServer]) -> None:
    first, _ = servers
    name, _ = new_user(first)
    fail(first, name, USER_THRESHOLD - 1)

    response = login(first, name, PASSWORD)

    assert response.status_code == 201, response.text
    fail(first, name, USER_THRESHOLD - 1)
    assert login(first, name, PASSWORD).status_code == 201


def test_locked_user_costs_no_password_check(servers: tuple[LiveServer, LiveServer]) -> None:
    first, _ = servers
    name, user_id = new_user(first)
    fail(first, name, USER_THRESHOLD)
    wait_for_table_lock(first, user_id)
    before = password_checks(first)

    right = login(first, name, PASSWORD)
    wrong = login(first, name, WRONG)
    for _ in range(4):
        check_user_locked(login(first, name, PASSWORD))

    check_user_locked(right)
    check_user_locked(wrong)
    assert right.json()["error_msg"] == wrong.json()["error_msg"]
    assert password_checks(first) == before


def test_lock_ends_after_duration(servers: tuple[LiveServer, LiveServer]) -> None:
    first, _ = servers
    name, _ = new_user(first)
    fail(first, name, USER_THRESHOLD)
    check_user_locked(login(first, name, PASSWORD))
    time.sleep(USER_DURATION_S + 0.2)

    response = login(first, name, PASSWORD)

    assert response.status_code == 201, response.text


def test_lock_reaches_other_server(servers: tuple[LiveServer, LiveServer]) -> None:
    first, second = servers
    name, user_id = new_user(first)
    other, _ = new_user(first)
    fail(first, name, USER_THRESHOLD)
    wait_for_table_lock(first, user_id)

    # The second server checks the table before the password, with no wait for its poll.
    check_user_locked(login(second, name, PASSWORD))
    assert login(second, other, PASSWORD).status_code == 201


def test_failures_add_up_across_servers(servers: tuple[LiveServer, LiveServer]) -> None:
    first, second = servers
    name, user_id = new_user(first)
    fail(first, name, USER_THRESHOLD - 1)
    time.sleep(1.0)
    fail(second, name, 1)
    wait_for_table_lock(first, user_id)

    check_user_locked(login(first, name, PASSWORD))
    check_user_locked(login(second, name, PASSWORD))


def test_unknown_user_not_locked(servers: tuple[LiveServer, LiveServer]) -> None:
    first, _ = servers
    name = f"nobody-{secrets.token_hex(4)}"

    for _ in range(USER_THRESHOLD + 2):
        response = login(first, name, WRONG)
        assert response.status_code == 401
        assert response.json() == {
            "error_code": "IAM.0001",
            "error_msg": "The username or password is wrong.",
        }


def test_address_limit_throttles_logins(
    servers: tuple[LiveServer, LiveServer], limited: LiveServer
) -> None:
    name, _ = new_user(servers[0])
    unknown = f"nobody-{secrets.token_hex(4)}"
    for _ in range(LOGIN_BURST):
        assert login(limited, unknown, WRONG).status_code == 401

    throttled = login(limited, name, PASSWORD)

    assert throttled.status_code == 429, throttled.text
    assert throttled.json()["error_code"] == "APIGW.0308"
    assert throttled.json()["error_msg"] == "The throttling threshold has been reached"
    assert REQUEST_ID.fullmatch(throttled.json()["request_id"])
    assert 1 <= int(throttled.headers["retry-after"]) <= 60
    # The address limit of one server leaves the other servers alone.
    assert login(servers[1], name, PASSWORD).status_code == 201


def test_key_lockout_uses_configured_values(servers: tuple[LiveServer, LiveServer]) -> None:
    first, _ = servers
    _, user_id = new_user(first)
    access_key, secret_key = new_key(first, user_id)
    path = f"/v1/{first.project_id}/dev-servers/flavors"
    wrong = AkSkAuth(access_key, secret_key[::-1], first.project_id)
    right = AkSkAuth(access_key, secret_key, first.project_id)
    with httpx.Client(base_url=first.endpoint, timeout=30) as client:
        for _ in range(KEY_THRESHOLD):
            assert client.get(path, auth=wrong).status_code == 401

        locked = client.get(path, auth=right)
        assert locked.status_code == 401
        assert locked.json()["error_msg"] == KEY_LOCKED
        assert 1 <= int(locked.headers["retry-after"]) <= 2
        time.sleep(KEY_DURATION_S + 0.2)

        assert client.get(path, auth=right).status_code == 200
