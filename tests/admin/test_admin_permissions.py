"""Who may call the admin API: system administrators and account administrators only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from admin_support import (
    IamUser,
    Identity,
    Tenant,
    check_forbidden,
    create_iam_user,
    create_image,
    create_tenant,
    image_document,
    signed_client,
    unique_name,
)

from support.server import LiveServer

FLAVOR = "c7.4xlarge.2"  # a demo X86 ECS flavor
# ImageAdmin.update reads owner_project_id with fields.text, which rejects null, so a
# private image cannot be made public. The response is 400 before any permission check.


@dataclass(frozen=True)
class Route:
    """One admin call, with placeholders for the ids of the fixture's resources."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    # Whether an administrator of another, non-system account may make the call.
    outsider_allowed: bool = False


ROUTES = [
    Route("POST", "/images", image_document()),
    Route("POST", "/images", image_document(visibility="PRIVATE", owner_project_id="{project}")),
    Route("GET", "/images", outsider_allowed=True),
    Route("GET", "/images/{public}"),
    Route("GET", "/images/{private}"),
    Route("PATCH", "/images/{public}", {"description": "changed"}),
    Route("PATCH", "/images/{private}", {"description": "changed"}),
    Route("DELETE", "/images/{public}"),
    Route("DELETE", "/images/{private}"),
    Route("PUT", "/images/{private}/flavors/" + FLAVOR),
    Route("DELETE", "/images/{linked}/flavors/" + FLAVOR),
    Route("PUT", "/images/{private}/shares/{other_project}"),
    Route("DELETE", "/images/{shared}/shares/{other_project}"),
    Route("POST", "/flavors", {"name": "refused-flavor", "arch": "X86", "server_type": "ECS"}),
    Route("GET", "/flavors", outsider_allowed=True),
    Route("GET", "/flavors/" + FLAVOR, outsider_allowed=True),
    Route("PATCH", "/flavors/" + FLAVOR, {"count": 1}),
    Route("DELETE", "/flavors/" + FLAVOR),
    Route("POST", "/accounts", {"name": "refused-account"}),
    Route("GET", "/accounts", outsider_allowed=True),
    Route("GET", "/accounts/{account}"),
    Route("DELETE", "/accounts/{account}"),
    Route("POST", "/accounts/{account}/projects", {"name": "refused-project"}),
    Route("GET", "/accounts/{account}/projects"),
    Route("DELETE", "/projects/{project}"),
    Route("POST", "/accounts/{account}/users", {"name": "refused-user"}),
    Route("GET", "/accounts/{account}/users"),
    Route("GET", "/users/{target}"),
    Route("PATCH", "/users/{target}", {"enabled": False}),
    Route("DELETE", "/users/{target}"),
    Route("PUT", "/users/{target}/password", {"password": "refused-password"}),
    Route("GET", "/users/{target}/roles"),
    Route("PUT", "/users/{target}/roles/{project}/admin"),
    Route("DELETE", "/users/{target}/roles/{project}/viewer"),
    Route("POST", "/users/{target}/access-keys", {}),
    Route("GET", "/users/{target}/access-keys"),
    Route("PATCH", "/access-keys/{target_key}", {"status": "INACTIVE"}),
    Route("DELETE", "/access-keys/{target_key}"),
    Route("DELETE", "/users/{target}/tokens"),
    Route("GET", "/audit-events", outsider_allowed=True),
]


@dataclass(frozen=True)
class World:
    """Resources of the demo (system) account, and callers who must not manage them."""

    ids: dict[str, str]
    callers: dict[str, IamUser | Tenant]
    outsider: Tenant
    snapshot: dict[str, Any]

    @property
    def caller_user_ids(self) -> list[str]:
        """Return the user ids behind the refused callers' keys."""
        return [
            caller.root_user_id if isinstance(caller, Tenant) else caller.user_id
            for caller in self.callers.values()
        ]


def _snapshot(admin: httpx.Client, ids: dict[str, str]) -> dict[str, Any]:
    return {
        "images": [
            admin.get(f"/admin/v1/images/{ids[name]}").json()
            for name in ("public", "private", "linked", "shared")
        ],
        "flavor": admin.get(f"/admin/v1/flavors/{FLAVOR}").json(),
        "user": admin.get(f"/admin/v1/users/{ids['target']}").json(),
        "roles": admin.get(f"/admin/v1/users/{ids['target']}/roles").json(),
        "keys": admin.get(f"/admin/v1/users/{ids['target']}/access-keys").json(),
        "projects": admin.get(f"/admin/v1/accounts/{ids['account']}/projects").json(),
        "users": admin.get(f"/admin/v1/accounts/{ids['account']}/users").json(),
    }


@pytest.fixture(scope="module")
def world(admin: httpx.Client, live_server: LiveServer, demo_admin: Identity) -> World:
    """Create the demo account's resources, a second account and the refused callers."""
    project = live_server.project_id
    outsider = create_tenant(admin)
    target = create_iam_user(admin, demo_admin.account_id, project, "viewer")
    private = {"visibility": "PRIVATE", "owner_project_id": project}
    shared = create_image(admin, **private)
    admin.put(f"/admin/v1/images/{shared['id']}/shares/{outsider.project_id}")
    ids = {
        "project": project,
        "account": demo_admin.account_id,
        "public": create_image(admin)["id"],
        "private": create_image(admin, **private)["id"],
        "linked": create_image(admin, flavors=[FLAVOR], **private)["id"],
        "shared": shared["id"],
        "other_project": outsider.project_id,
        "target": target.user_id,
        "target_key": target.access_key,
    }
    callers: dict[str, IamUser | Tenant] = {
        "viewer": create_iam_user(admin, demo_admin.account_id, project, "viewer"),
        "no_role": create_iam_user(admin, demo_admin.account_id, project, None),
        "outsider": outsider,
    }
    return World(ids, callers, outsider, _snapshot(admin, ids))


@pytest.fixture
def caller_client(
    request: pytest.FixtureRequest, live_server: LiveServer, world: World
) -> Iterator[httpx.Client]:
    """Yield a client signed with the key of the caller named by the test parameter."""
    caller = world.callers[request.param]
    with signed_client(live_server, caller.access_key, caller.secret_key) as client:
        yield client


def _send(client: httpx.Client, route: Route, ids: dict[str, str]) -> httpx.Response:
    path = "/admin/v1" + route.path.format(**ids)
    body = None
    if route.body is not None:
        body = {
            key: value.format(**ids) if isinstance(value, str) else value
            for key, value in route.body.items()
        }
    return client.request(route.method, path, json=body)


def _route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


@pytest.mark.parametrize("caller_client", ["viewer", "no_role"], indirect=True)
@pytest.mark.parametrize("route", ROUTES, ids=_route_id)
def test_non_admin_user_403(caller_client: httpx.Client, route: Route, world: World) -> None:
    check_forbidden(_send(caller_client, route, world.ids))


@pytest.mark.parametrize("caller_client", ["outsider"], indirect=True)
@pytest.mark.parametrize(
    "route", [route for route in ROUTES if not route.outsider_allowed], ids=_route_id
)
def test_other_account_admin_403(caller_client: httpx.Client, route: Route, world: World) -> None:
    check_forbidden(_send(caller_client, route, world.ids))


def test_refused_calls_change_nothing(admin: httpx.Client, world: World) -> None:
    assert _snapshot(admin, world.ids) == world.snapshot
    for user_id in world.caller_user_ids:
        events = admin.get("/admin/v1/audit-events", params={"actor": user_id}).json()
        assert events["audit_events"] == []


def test_other_account_reads_only_own(
    live_server: LiveServer, world: World, demo_admin: Identity
) -> None:
    outsider = world.outsider
    with signed_client(live_server, outsider.access_key, outsider.secret_key) as client:
        images = client.get("/admin/v1/images").json()["images"]
        accounts = client.get("/admin/v1/accounts").json()["accounts"]
        events = client.get("/admin/v1/audit-events").json()["audit_events"]
    assert images == []
    assert [account["id"] for account in accounts] == [outsider.account_id]
    assert all(event["actor"]["account_id"] == outsider.account_id for event in events)


# What an administrator of a non-system account may do


@dataclass(frozen=True)
class Manager:
    """An IAM user with the admin role in a non-system account, and its signed client."""

    tenant: Tenant
    user: IamUser
    client: httpx.Client


@pytest.fixture(scope="module")
def manager(admin: httpx.Client, live_server: LiveServer) -> Iterator[Manager]:
    """Yield an account administrator of a new non-system account."""
    tenant = create_tenant(admin)
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, "admin")
    with signed_client(live_server, user.access_key, user.secret_key) as client:
        yield Manager(tenant, user, client)


def test_account_admin_manages_users(manager: Manager) -> None:
    client, tenant = manager.client, manager.tenant
    created = client.post(
        f"/admin/v1/accounts/{tenant.account_id}/users", json={"name": unique_name("member")}
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    granted = client.put(f"/admin/v1/users/{user_id}/roles/{tenant.project_id}/viewer")
    assert granted.status_code == 204, granted.text
    key = client.post(f"/admin/v1/users/{user_id}/access-keys", json={})
    assert key.status_code == 201, key.text
    disabled = client.patch(
        f"/admin/v1/access-keys/{key.json()['access_key']}", json={"status": "INACTIVE"}
    )
    assert disabled.status_code == 200, disabled.text
    assert client.delete(f"/admin/v1/users/{user_id}").status_code == 204


def test_account_admin_manages_images(
    manager: Manager, live_server: LiveServer, admin: httpx.Client
) -> None:
    client, tenant = manager.client, manager.tenant
    document = image_document(visibility="PRIVATE", owner_project_id=tenant.project_id)
    created = client.post("/admin/v1/images", json=document)
    assert created.status_code == 201, created.text
    image_id = created.json()["id"]
    path = f"/admin/v1/images/{image_id}"
    assert client.patch(path, json={"description": "ours"}).status_code == 200
    assert client.put(f"{path}/flavors/{FLAVOR}").status_code == 204
    shared = client.put(f"{path}/shares/{live_server.project_id}")
    assert shared.status_code == 204, shared.text
    listed = client.get("/admin/v1/images").json()["images"]
    assert [image["id"] for image in listed] == [image_id]
    assert listed[0]["shared_with"] == [live_server.project_id]
    catalog = admin.get(f"/v1/{live_server.project_id}/dev-servers/images/{image_id}")
    assert catalog.status_code == 200
    assert client.delete(f"{path}/shares/{live_server.project_id}").status_code == 204
    assert client.delete(path).status_code == 204


def test_account_admin_actions_audited(manager: Manager, admin: httpx.Client) -> None:
    tenant, user = manager.tenant, manager.user
    document = image_document(visibility="PRIVATE", owner_project_id=tenant.project_id)
    response = manager.client.post("/admin/v1/images", json=document)
    events = admin.get(
        "/admin/v1/audit-events", params={"resource_id": response.json()["id"]}
    ).json()["audit_events"]
    assert len(events) == 1
    assert events[0]["request_id"] == response.headers["X-Request-Id"]
    assert events[0]["actor"]["user_id"] == user.user_id
    assert events[0]["actor"]["name"] == f"{tenant.name}/{user.name}"
    assert events[0]["actor"]["account_id"] == tenant.account_id
    assert events[0]["actor"]["access_key"] == user.access_key
    own = manager.client.get("/admin/v1/audit-events").json()["audit_events"]
    assert own
    assert all(event["actor"]["account_id"] == tenant.account_id for event in own)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/images", image_document()),
        ("POST", "/images", image_document(visibility="PRIVATE", owner_project_id="{demo}")),
        ("PATCH", "/images/{own}", {"visibility": "PUBLIC", "owner_project_id": None}),
        ("PATCH", "/images/{own}", {"owner_project_id": "{demo}"}),
        ("PATCH", "/images/{public}", {"description": "changed"}),
        ("POST", "/flavors", {"name": "refused-flavor", "arch": "X86", "server_type": "ECS"}),
        ("PATCH", "/flavors/" + FLAVOR, {"count": 1}),
        ("DELETE", "/flavors/" + FLAVOR, None),
        ("POST", "/accounts", {"name": "refused-account"}),
    ],
)
def test_account_admin_limits(
    manager: Manager,
    world: World,
    live_server: LiveServer,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    own = create_image(
        manager.client, visibility="PRIVATE", owner_project_id=manager.tenant.project_id
    )
    ids = {"own": own["id"], "demo": live_server.project_id, "public": world.ids["public"]}
    if body is not None:
        body = {
            key: value.format(**ids) if isinstance(value, str) else value
            for key, value in body.items()
        }
    response = manager.client.request(method, "/admin/v1" + path.format(**ids), json=body)
    check_forbidden(response)
    assert manager.client.get(f"/admin/v1/images/{own['id']}").json() == own
