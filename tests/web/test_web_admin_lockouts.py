"""The lockout routes of the admin API, called in process on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from liteimages.client import AkSkAuth, TokenAuth
from liteimages.db.engine import Database
from liteimages.identity import service as identity
from liteimages.identity.lockout import LockoutRecord, LockoutStore, user_key
from liteimages.identity.secretbox import SecretBox

pytestmark = pytest.mark.anyio

# Any base URL works in process: the signature covers the Host header sent with it.
BASE_URL = "http://127.0.0.1:8080"
PASSWORD = "lockout-password-123"
REQUEST_ID = re.compile(r"[0-9a-f]{32}")
KEY_LOCKED = (
    "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden"
)
THRESHOLD = 5


@dataclass(frozen=True)
class Key:
    """An access key pair and the name of its user."""

    access_key: str
    secret_key: str
    user: str = ""


@dataclass(frozen=True)
class Admins:
    """Keys of a system administrator and of the root users of accounts acme and other."""

    system: Key
    acme: Key
    other: Key
    acme_id: str
    other_id: str


@pytest.fixture(scope="module")
def admins(seeded: Any) -> Admins:
    """Create a system account and access keys of the three administrators."""
    box = SecretBox(seeded.secret_key.encode("ascii"))
    keys: dict[str, Key] = {}
    with seeded.database.write() as session:
        identity.create_account(session, "ops", is_system=True)
        ids = {}
        for name in ("ops", "acme", "other"):
            account = identity.find_account(session, name)
            root = identity.find_user(session, account.id, name)
            created = identity.create_access_key(session, box, root.id)
            keys[name] = Key(created.access_key, created.secret_key)
            ids[name] = account.id
    return Admins(keys["ops"], keys["acme"], keys["other"], ids["acme"], ids["other"])


@asynccontextmanager
async def client(seeded: Any, auth: httpx.Auth | None) -> AsyncIterator[httpx.AsyncClient]:
    """Yield a client of the application that authenticates with `auth`."""
    transport = httpx.ASGITransport(app=seeded.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, auth=auth) as http:
        yield http


def signed(key: Key, seeded: Any) -> AkSkAuth:
    return AkSkAuth(key.access_key, key.secret_key, seeded.project_id)


def new_key(seeded: Any) -> Key:
    """Create a user of account acme with a viewer grant and an access key, as `Key.user`."""
    box = SecretBox(seeded.secret_key.encode("ascii"))
    with seeded.database.write() as session:
        acme = identity.find_account(session, "acme")
        user = identity.create_user(session, acme.id, f"member-{secrets.token_hex(4)}", None)
        identity.grant_role(session, user.id, seeded.project_id, "viewer")
        created = identity.create_access_key(session, box, user.id)
    return Key(created.access_key, created.secret_key, user.name)


def user_id_of(database: Database, account: str, user: str) -> str:
    with database.read() as session:
        return identity.find_user(session, identity.find_account(session, account).id, user).id


def fail(database: Database, key: str, times: int) -> None:
    store = LockoutStore(database)
    for _ in range(times):
        store.add_failure(key, THRESHOLD, 300.0)


def check_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code
    assert REQUEST_ID.fullmatch(response.headers["X-Request-Id"])


@pytest.fixture
async def cleared(seeded: Any, admins: Admins) -> AsyncIterator[None]:
    """Start and end each test with no lockouts, in the table and in memory."""
    async with client(seeded, signed(admins.system, seeded)) as http:
        assert (await http.delete("/admin/v1/lockouts")).status_code == 200
        yield
        await seeded.app.runtime.lockout.flush()
        await seeded.app.runtime.user_lockout.flush()
        assert (await http.delete("/admin/v1/lockouts")).status_code == 200


async def flavors_status(seeded: Any, key: Key) -> int:
    async with client(seeded, signed(key, seeded)) as http:
        response = await http.get(f"/v1/{seeded.project_id}/dev-servers/flavors")
    return response.status_code


async def lock_by_signatures(seeded: Any, key: Key) -> None:
    """Send THRESHOLD requests signed with a wrong secret key, then check the key is locked."""
    wrong = Key(key.access_key, key.secret_key[::-1], key.user)
    async with client(seeded, signed(wrong, seeded)) as http:
        for _ in range(THRESHOLD):
            response = await http.get(f"/v1/{seeded.project_id}/dev-servers/flavors")
            assert response.status_code == 401
    async with client(seeded, signed(key, seeded)) as http:
        locked = await http.get(f"/v1/{seeded.project_id}/dev-servers/flavors")
    assert locked.json()["error_msg"] == KEY_LOCKED
    await seeded.app.runtime.lockout.flush()


async def test_clear_unlocks_signature_lockout(seeded: Any, admins: Admins, cleared: None) -> None:
    key = new_key(seeded)
    await lock_by_signatures(seeded, key)
    async with client(seeded, signed(admins.system, seeded)) as admin:
        listed = (await admin.get("/admin/v1/lockouts")).json()["lockouts"]
        response = await admin.delete(f"/admin/v1/lockouts/access-keys/{key.access_key}")
        events = (
            await admin.get(
                "/admin/v1/audit-events",
                params={"action": "lockout.clear", "resource_id": key.access_key},
            )
        ).json()["audit_events"]

    assert [item["access_key"] for item in listed] == [key.access_key]
    assert listed[0]["locked"] is True
    assert listed[0]["user_name"] == key.user
    assert response.status_code == 200
    assert response.json() == {"cleared": 1}
    assert await flavors_status(seeded, key) == 200
    assert len(events) == 1
    assert events[0]["request_id"] == response.headers["X-Request-Id"]
    assert events[0]["resource_type"] == "access_key"
    assert events[0]["before"] == listed[0]
    assert events[0]["after"] is None


async def test_clear_unlocks_password_lockout(seeded: Any, admins: Admins, cleared: None) -> None:
    with seeded.database.write() as session:
        acme = identity.find_account(session, "acme")
        dora = identity.create_user(session, acme.id, "dora", PASSWORD).id
        identity.grant_role(session, dora, seeded.project_id, "viewer")
    fail(seeded.database, user_key(dora), THRESHOLD)
    login = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "dora", "password": PASSWORD, "domain": {"name": "acme"}}
                },
            },
            "scope": {"project": {"id": seeded.project_id}},
        }
    }
    async with client(seeded, None) as http:
        locked = await http.post("/v3/auth/tokens", json=login)
    async with client(seeded, signed(admins.acme, seeded)) as admin:
        response = await admin.delete(f"/admin/v1/lockouts/users/{dora}")
    async with client(seeded, None) as http:
        issued = await http.post("/v3/auth/tokens", json=login)

    assert locked.status_code == 401
    assert locked.json()["error_code"] == "APIGW.0301"
    assert response.json() == {"cleared": 1}
    assert issued.status_code == 201, issued.text


async def test_clear_without_lockout_returns_zero(
    seeded: Any, admins: Admins, cleared: None
) -> None:
    key = new_key(seeded)
    async with client(seeded, signed(admins.system, seeded)) as admin:
        response = await admin.delete(f"/admin/v1/lockouts/access-keys/{key.access_key}")

    assert response.status_code == 200
    assert response.json() == {"cleared": 0}


@pytest.mark.parametrize(
    "path", ["/admin/v1/lockouts/access-keys/NOSUCHKEY1", "/admin/v1/lockouts/users/" + "0" * 32]
)
async def test_clear_unknown_404(seeded: Any, admins: Admins, path: str) -> None:
    async with client(seeded, signed(admins.system, seeded)) as admin:
        response = await admin.delete(path)

    check_error(response, 404, "ModelArts.5058")


async def test_list_filters_and_pages(seeded: Any, admins: Admins, cleared: None) -> None:
    alice = user_id_of(seeded.database, "acme", "alice")
    fail(seeded.database, user_key(alice), 2)
    keys = sorted(new_key(seeded).access_key for _ in range(2))
    for access_key in keys:
        fail(seeded.database, access_key, THRESHOLD)
    async with client(seeded, signed(admins.system, seeded)) as admin:

        async def listed(**params: str) -> list[dict[str, Any]]:
            response = await admin.get("/admin/v1/lockouts", params=params)
            assert response.status_code == 200, response.text
            found: list[dict[str, Any]] = response.json()["lockouts"]
            return found

        every = await listed()
        users = await listed(kind="USER")
        locked = await listed(locked="true")
        counting = await listed(locked="false", kind="user")
        first_page = await listed(limit="2")
        second_page = await listed(limit="2", offset="2")
        acme = await listed(account_id=admins.acme_id)
        other = await listed(account_id=admins.other_id)

    assert [item["access_key"] for item in every if item["kind"] == "access_key"] == keys
    assert [item["user_id"] for item in users] == [alice]
    assert [item["access_key"] for item in locked] == keys
    assert [item["failures"] for item in counting] == [2]
    assert first_page + second_page == every
    assert len(first_page) == 2
    assert len(every) == 3
    assert {item["account_id"] for item in acme} == {admins.acme_id}
    assert len(acme) == 3
    assert other == []


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("kind=keys", "kind"),
        ("kind=", "kind"),
        ("locked=yes", "locked"),
        ("locked=true&locked=false", "locked"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("offset=-1", "offset"),
        ("account_id=", "account_id"),
    ],
)
async def test_bad_lockout_query_400(
    seeded: Any, admins: Admins, query: str, parameter: str
) -> None:
    async with client(seeded, signed(admins.system, seeded)) as admin:
        response = await admin.get(f"/admin/v1/lockouts?{query}")

    check_error(response, 400, "ModelArts.0101")
    assert response.json()["error_msg"].startswith(f"Invalid argument. parameter [{parameter}] ")


async def test_bad_clear_query_400(seeded: Any, admins: Admins) -> None:
    async with client(seeded, signed(admins.system, seeded)) as admin:
        response = await admin.delete("/admin/v1/lockouts?kind=everything")

    check_error(response, 400, "ModelArts.0101")


async def test_no_credential_401(seeded: Any) -> None:
    async with client(seeded, None) as http:
        response = await http.get("/admin/v1/lockouts")

    check_error(response, 401, "APIGW.0301")
    assert response.json()["request_id"] == response.headers["X-Request-Id"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/v1/lockouts"),
        ("DELETE", "/admin/v1/lockouts"),
        ("DELETE", "/admin/v1/lockouts/users/{alice}"),
    ],
)
async def test_non_admin_403(seeded: Any, method: str, path: str) -> None:
    alice = user_id_of(seeded.database, "acme", "alice")
    async with client(seeded, TokenAuth(seeded.token)) as http:
        response = await http.request(method, path.format(alice=alice))

    check_error(response, 403, "ModelArts.0108")


async def test_account_admin_sees_own_lockouts(seeded: Any, admins: Admins, cleared: None) -> None:
    alice = user_id_of(seeded.database, "acme", "alice")
    fail(seeded.database, user_key(alice), 1)
    fail(seeded.database, admins.other.access_key, 1)
    async with client(seeded, signed(admins.acme, seeded)) as admin:
        own = (await admin.get("/admin/v1/lockouts")).json()["lockouts"]
        foreign = await admin.get("/admin/v1/lockouts", params={"account_id": admins.other_id})
        refused = await admin.delete(f"/admin/v1/lockouts/access-keys/{admins.other.access_key}")

    assert [item["user_id"] for item in own] == [alice]
    check_error(foreign, 403, "ModelArts.0108")
    check_error(refused, 403, "ModelArts.0108")


async def test_account_admin_clears_own_lockouts(
    seeded: Any, admins: Admins, cleared: None
) -> None:
    alice = user_id_of(seeded.database, "acme", "alice")
    fail(seeded.database, user_key(alice), 1)
    fail(seeded.database, admins.other.access_key, 1)
    async with client(seeded, signed(admins.acme, seeded)) as admin:
        response = await admin.delete("/admin/v1/lockouts")

    assert response.json() == {"cleared": 1}
    with seeded.database.read() as session:
        assert session.get(LockoutRecord, user_key(alice)) is None
        assert session.get(LockoutRecord, admins.other.access_key) is not None


async def test_clear_all_of_one_kind(seeded: Any, admins: Admins, cleared: None) -> None:
    alice = user_id_of(seeded.database, "acme", "alice")
    key = new_key(seeded)
    fail(seeded.database, user_key(alice), 1)
    await lock_by_signatures(seeded, key)
    async with client(seeded, signed(admins.system, seeded)) as admin:
        response = await admin.delete("/admin/v1/lockouts", params={"kind": "access_key"})
        remaining = (await admin.get("/admin/v1/lockouts")).json()["lockouts"]

    assert response.json() == {"cleared": 1}
    assert await flavors_status(seeded, key) == 200
    assert [item["kind"] for item in remaining] == ["user"]
