"""Helpers of the admin API tests: signed clients, tenants made through the API, audit look-ups."""

from __future__ import annotations

import re
import secrets
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from liteimages.client import AkSkAuth, TokenAuth
from support.server import DEMO_DOMAIN, DEMO_USER, LiveServer

REQUEST_ID = re.compile(r"[0-9a-f]{32}")
PASSWORD = "tenant-password-456"
# The server polls revisions every 0.5 s; this bounds the wait for a change made in the database.
RELOAD_TIMEOUT_S = 10.0
HTTP_TIMEOUT_S = 30.0
# The test servers speak plain HTTP, so no connection uses this context. Sharing it saves each
# httpx client from loading the CA bundle, which takes tens of milliseconds.
TLS_CONTEXT = ssl.create_default_context()


def unique_name(prefix: str) -> str:
    """Return `prefix` plus a random suffix, unique within a database."""
    return f"{prefix}-{secrets.token_hex(4)}"


def signed_client(
    server: LiveServer, access_key: str, secret_key: str, project_id: str | None = None
) -> httpx.Client:
    """Return an httpx client that signs every request with the access key."""
    return httpx.Client(
        base_url=server.endpoint,
        auth=AkSkAuth(access_key, secret_key, project_id),
        timeout=HTTP_TIMEOUT_S,
        verify=TLS_CONTEXT,
    )


def token_client(server: LiveServer, token: str) -> httpx.Client:
    """Return an httpx client that sends `token` in X-Auth-Token."""
    return httpx.Client(
        base_url=server.endpoint, auth=TokenAuth(token), timeout=HTTP_TIMEOUT_S, verify=TLS_CONTEXT
    )


def plain_client(server: LiveServer) -> httpx.Client:
    """Return an httpx client that sends no credential."""
    return httpx.Client(base_url=server.endpoint, timeout=HTTP_TIMEOUT_S, verify=TLS_CONTEXT)


def issue_token(server: LiveServer, domain: str, user: str, password: str, project_id: str) -> str:
    """Return a new password token of `user`, scoped to the project."""
    login = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "password": password, "domain": {"name": domain}}
                },
            },
            "scope": {"project": {"id": project_id}},
        }
    }
    with plain_client(server) as client:
        response = client.post("/v3/auth/tokens", json=login)
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


def check_error(response: httpx.Response, status: int, code: str) -> None:
    """Assert the status and error code of an error response, and its request id header."""
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code, response.text
    assert REQUEST_ID.fullmatch(response.headers["X-Request-Id"])


def check_forbidden(response: httpx.Response) -> None:
    """Assert a 403 ModelArts.0108 response."""
    check_error(response, 403, "ModelArts.0108")
    assert response.json()["error_msg"].startswith("You are not authorized to perform the (")


def catalog_status(client: httpx.Client, project_id: str) -> int:
    """Return the status of ListDevServerFlavors, a catalog call every project may make."""
    return client.get(f"/v1/{project_id}/dev-servers/flavors").status_code


def wait_for(condition: Callable[[], bool], timeout: float = RELOAD_TIMEOUT_S) -> bool:
    """Poll `condition` every 0.1 s until it is true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@dataclass(frozen=True)
class Identity:
    """The demo administrator as the audit trail names it."""

    account_id: str
    user_id: str
    name: str


def demo_identity(admin: httpx.Client) -> Identity:
    """Look up the demo account and its demo user through the admin API."""
    accounts = admin.get("/admin/v1/accounts").json()["accounts"]
    account = next(item for item in accounts if item["name"] == DEMO_DOMAIN)
    users = admin.get(f"/admin/v1/accounts/{account['id']}/users").json()["users"]
    user = next(item for item in users if item["name"] == DEMO_USER)
    return Identity(account["id"], user["id"], f"{DEMO_DOMAIN}/{DEMO_USER}")


@dataclass(frozen=True)
class Tenant:
    """A non-system account with one project, made through the admin API, and its root key."""

    name: str
    account_id: str
    project_id: str
    root_user_id: str
    access_key: str
    secret_key: str


def create_tenant(admin: httpx.Client, region: str = "cn-north-4") -> Tenant:
    """Create an account, a project and an access key of the account's root user."""
    name = unique_name("tenant")
    account = admin.post("/admin/v1/accounts", json={"name": name})
    assert account.status_code == 201, account.text
    account_id = account.json()["id"]
    project = admin.post(f"/admin/v1/accounts/{account_id}/projects", json={"name": region})
    assert project.status_code == 201, project.text
    users = admin.get(f"/admin/v1/accounts/{account_id}/users").json()["users"]
    root = next(user for user in users if user["is_root"])
    key = admin.post(f"/admin/v1/users/{root['id']}/access-keys", json={})
    assert key.status_code == 201, key.text
    return Tenant(
        name,
        account_id,
        project.json()["id"],
        root["id"],
        key.json()["access_key"],
        key.json()["secret_key"],
    )


@dataclass(frozen=True)
class IamUser:
    """An IAM user made through the admin API, with one access key."""

    user_id: str
    name: str
    access_key: str
    secret_key: str


def create_iam_user(
    admin: httpx.Client,
    account_id: str,
    project_id: str,
    role: str | None,
    password: str | None = None,
) -> IamUser:
    """Create an IAM user with `role` on the project (None: no role) and an access key.

    The user gets a password only if one is given, because hashing it takes a while.
    """
    name = unique_name("user")
    document = {"name": name} if password is None else {"name": name, "password": password}
    user = admin.post(f"/admin/v1/accounts/{account_id}/users", json=document)
    assert user.status_code == 201, user.text
    user_id = user.json()["id"]
    if role is not None:
        granted = admin.put(f"/admin/v1/users/{user_id}/roles/{project_id}/{role}")
        assert granted.status_code == 204, granted.text
    key = admin.post(f"/admin/v1/users/{user_id}/access-keys", json={"description": "test"})
    assert key.status_code == 201, key.text
    return IamUser(user_id, name, key.json()["access_key"], key.json()["secret_key"])


def image_document(**fields: Any) -> dict[str, Any]:
    """Return a minimal image document with a unique name, plus `fields`."""
    return {"name": unique_name("image"), "arch": "X86", "server_type": "ECS", **fields}


def create_image(admin: httpx.Client, **fields: Any) -> dict[str, Any]:
    """Register an image through the admin API and return its representation."""
    response = admin.post("/admin/v1/images", json=image_document(**fields))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def find_event(admin: httpx.Client, response: httpx.Response, **filters: str) -> dict[str, Any]:
    """Return the one audit event written by the request that got `response`."""
    request_id = response.headers["X-Request-Id"]
    listing = admin.get("/admin/v1/audit-events", params={"limit": "1000", **filters})
    assert listing.status_code == 200, listing.text
    events = [
        event for event in listing.json()["audit_events"] if event["request_id"] == request_id
    ]
    assert len(events) == 1, events
    event: dict[str, Any] = events[0]
    return event


def check_actor(event: dict[str, Any], actor: Identity, access_key: str | None) -> None:
    """Assert that the event names the demo administrator and the key it signed with."""
    assert event["actor"]["user_id"] == actor.user_id
    assert event["actor"]["name"] == actor.name
    assert event["actor"]["account_id"] == actor.account_id
    assert event["actor"]["access_key"] == access_key
    assert event["actor"]["via"] == "api"


def audit_text(admin: httpx.Client) -> str:
    """Return every audit event the administrator may read, serialized as JSON text."""
    events: list[Any] = []
    offset = 0
    while True:
        page = admin.get("/admin/v1/audit-events", params={"limit": 1000, "offset": offset})
        assert page.status_code == 200, page.text
        batch = page.json()["audit_events"]
        events.extend(batch)
        if len(batch) < 1000:
            return orjson.dumps(events).decode()
        offset += 1000


def check_no_secret(admin: httpx.Client, values: Iterable[str]) -> None:
    """Assert that no audit event contains any of `values`."""
    text = audit_text(admin)
    for value in values:
        assert value not in text
