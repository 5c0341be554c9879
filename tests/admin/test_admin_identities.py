"""Admin API for accounts, projects, users, roles, access keys and user tokens."""

from __future__ import annotations

import httpx
import pytest
from admin_support import (
    PASSWORD,
    Identity,
    Tenant,
    catalog_status,
    check_actor,
    check_error,
    check_no_secret,
    create_iam_user,
    create_image,
    create_tenant,
    find_event,
    issue_token,
    signed_client,
    token_client,
    unique_name,
)

from liteimages.admin.representations import etag
from support.server import DEMO_AK, DEMO_PASSWORD, DEMO_SK, LiveServer


@pytest.fixture(scope="module")
def tenant(admin: httpx.Client) -> Tenant:
    """Return a non-system account shared by the tests of this module."""
    return create_tenant(admin)


# Accounts


def test_account_create_records_event(admin: httpx.Client, demo_admin: Identity) -> None:
    name = unique_name("account")
    response = admin.post("/admin/v1/accounts", json={"name": name})
    assert response.status_code == 201, response.text
    account = response.json()
    assert account["name"] == name
    assert account["is_system"] is False
    event = find_event(admin, response, resource_type="account", resource_id=account["id"])
    assert event["action"] == "account.create"
    assert event["before"] is None
    assert event["after"] == account
    check_actor(event, demo_admin, DEMO_AK)


def test_account_get_and_list(admin: httpx.Client, tenant: Tenant) -> None:
    response = admin.get(f"/admin/v1/accounts/{tenant.account_id}")
    assert response.status_code == 200
    assert response.json()["name"] == tenant.name
    assert response.headers["ETag"] == etag(response.json())
    listed = admin.get("/admin/v1/accounts").json()["accounts"]
    assert tenant.account_id in {account["id"] for account in listed}


def test_account_delete_records_event(admin: httpx.Client, demo_admin: Identity) -> None:
    account = admin.post("/admin/v1/accounts", json={"name": unique_name("gone")}).json()
    tag = admin.get(f"/admin/v1/accounts/{account['id']}").headers["ETag"]
    response = admin.delete(f"/admin/v1/accounts/{account['id']}", headers={"If-Match": tag})
    assert response.status_code == 204
    check_error(admin.get(f"/admin/v1/accounts/{account['id']}"), 404, "ModelArts.5058")
    event = find_event(admin, response, resource_type="account", resource_id=account["id"])
    assert event["action"] == "account.delete"
    assert event["before"] == account
    assert event["after"] is None
    check_actor(event, demo_admin, DEMO_AK)


def test_account_stale_if_match_412(admin: httpx.Client) -> None:
    account = admin.post("/admin/v1/accounts", json={"name": unique_name("kept")}).json()
    response = admin.delete(f"/admin/v1/accounts/{account['id']}", headers={"If-Match": '"x"'})
    check_error(response, 412, "ModelArts.0112")
    assert admin.get(f"/admin/v1/accounts/{account['id']}").status_code == 200


def test_account_owning_images_409(admin: httpx.Client) -> None:
    owner = create_tenant(admin)
    create_image(admin, visibility="PRIVATE", owner_project_id=owner.project_id)
    response = admin.delete(f"/admin/v1/accounts/{owner.account_id}")
    check_error(response, 409, "ModelArts.0109")


def test_duplicate_account_409(admin: httpx.Client, tenant: Tenant) -> None:
    response = admin.post("/admin/v1/accounts", json={"name": tenant.name})
    check_error(response, 409, "ModelArts.0109")


# Projects


def test_project_create_and_delete(
    admin: httpx.Client, tenant: Tenant, demo_admin: Identity
) -> None:
    created = admin.post(
        f"/admin/v1/accounts/{tenant.account_id}/projects", json={"name": unique_name("region")}
    )
    assert created.status_code == 201, created.text
    project = created.json()
    assert project["account_id"] == tenant.account_id
    event = find_event(admin, created, resource_type="project", resource_id=project["id"])
    assert event["action"] == "project.create"
    assert event["after"] == project
    check_actor(event, demo_admin, DEMO_AK)
    listed = admin.get(f"/admin/v1/accounts/{tenant.account_id}/projects").json()["projects"]
    assert project["id"] in {item["id"] for item in listed}

    deleted = admin.delete(f"/admin/v1/projects/{project['id']}")
    assert deleted.status_code == 204
    event = find_event(admin, deleted, resource_type="project", resource_id=project["id"])
    assert event["action"] == "project.delete"
    assert event["before"] == project
    assert event["after"] is None
    listed = admin.get(f"/admin/v1/accounts/{tenant.account_id}/projects").json()["projects"]
    assert project["id"] not in {item["id"] for item in listed}


def test_project_owning_images_409(admin: httpx.Client, tenant: Tenant) -> None:
    create_image(admin, visibility="PRIVATE", owner_project_id=tenant.project_id)
    response = admin.delete(f"/admin/v1/projects/{tenant.project_id}")
    check_error(response, 409, "ModelArts.0109")


# Users


def test_user_create_records_event(
    admin: httpx.Client, tenant: Tenant, demo_admin: Identity
) -> None:
    password = "user-password-" + unique_name("p")
    response = admin.post(
        f"/admin/v1/accounts/{tenant.account_id}/users",
        json={"name": unique_name("user"), "password": password},
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["has_password"] is True
    assert user["is_root"] is False
    event = find_event(admin, response, resource_type="user", resource_id=user["id"])
    assert event["action"] == "user.create"
    assert event["after"] == user
    check_actor(event, demo_admin, DEMO_AK)
    check_no_secret(admin, [password])


def test_user_get_and_list(admin: httpx.Client, tenant: Tenant) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, None)
    response = admin.get(f"/admin/v1/users/{user.user_id}")
    assert response.status_code == 200
    assert response.json()["name"] == user.name
    assert response.headers["ETag"] == etag(response.json())
    listed = admin.get(f"/admin/v1/accounts/{tenant.account_id}/users").json()["users"]
    assert user.user_id in {item["id"] for item in listed}


def test_disabled_user_stops_at_once(
    admin: httpx.Client, live_server: LiveServer, tenant: Tenant, demo_admin: Identity
) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, "viewer")
    with signed_client(live_server, user.access_key, user.secret_key, tenant.project_id) as client:
        assert catalog_status(client, tenant.project_id) == 200
        tag = admin.get(f"/admin/v1/users/{user.user_id}").headers["ETag"]
        response = admin.patch(
            f"/admin/v1/users/{user.user_id}", json={"enabled": False}, headers={"If-Match": tag}
        )
        assert response.status_code == 200, response.text
        assert response.json()["enabled"] is False
        assert response.headers["ETag"] == etag(response.json())
        assert catalog_status(client, tenant.project_id) == 401
    event = find_event(admin, response, resource_type="user", resource_id=user.user_id)
    assert event["action"] == "user.update"
    assert event["before"]["enabled"] is True
    assert event["after"]["enabled"] is False
    check_actor(event, demo_admin, DEMO_AK)


def test_user_stale_if_match_412(admin: httpx.Client, tenant: Tenant) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, None)
    tag = admin.get(f"/admin/v1/users/{user.user_id}").headers["ETag"]
    admin.patch(f"/admin/v1/users/{user.user_id}", json={"enabled": False})
    stale = admin.patch(
        f"/admin/v1/users/{user.user_id}", json={"enabled": True}, headers={"If-Match": tag}
    )
    check_error(stale, 412, "ModelArts.0112")
    assert admin.get(f"/admin/v1/users/{user.user_id}").json()["enabled"] is False


def test_user_delete_records_event(
    admin: httpx.Client, live_server: LiveServer, tenant: Tenant, demo_admin: Identity
) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, "viewer")
    response = admin.delete(f"/admin/v1/users/{user.user_id}")
    assert response.status_code == 204
    check_error(admin.get(f"/admin/v1/users/{user.user_id}"), 404, "ModelArts.5058")
    with signed_client(live_server, user.access_key, user.secret_key, tenant.project_id) as client:
        assert catalog_status(client, tenant.project_id) == 401
    event = find_event(admin, response, resource_type="user", resource_id=user.user_id)
    assert event["action"] == "user.delete"
    assert event["before"]["name"] == user.name
    assert event["after"] is None
    check_actor(event, demo_admin, DEMO_AK)


def test_root_user_delete_409(admin: httpx.Client, tenant: Tenant) -> None:
    response = admin.delete(f"/admin/v1/users/{tenant.root_user_id}")
    check_error(response, 409, "ModelArts.0109")


def test_set_password_allows_login(
    admin: httpx.Client, live_server: LiveServer, tenant: Tenant, demo_admin: Identity
) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, "viewer")
    password = "changed-" + unique_name("password")
    response = admin.put(f"/admin/v1/users/{user.user_id}/password", json={"password": password})
    assert response.status_code == 204, response.text
    token = issue_token(live_server, tenant.name, user.name, password, tenant.project_id)
    with token_client(live_server, token) as client:
        assert catalog_status(client, tenant.project_id) == 200
    event = find_event(admin, response, resource_type="user", resource_id=user.user_id)
    assert event["action"] == "user.set_password"
    assert event["before"] is None
    assert event["after"]["has_password"] is True
    check_actor(event, demo_admin, DEMO_AK)
    check_no_secret(admin, [password, token])


def test_short_password_400(admin: httpx.Client, tenant: Tenant) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, None)
    response = admin.put(f"/admin/v1/users/{user.user_id}/password", json={"password": "short"})
    check_error(response, 400, "ModelArts.0101")
    assert "[password]" in response.json()["error_msg"]


# Roles


def test_role_grant_list_revoke(
    admin: httpx.Client, live_server: LiveServer, tenant: Tenant, demo_admin: Identity
) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, None)
    path = f"/admin/v1/users/{user.user_id}/roles/{tenant.project_id}/member"
    with signed_client(live_server, user.access_key, user.secret_key, tenant.project_id) as client:
        assert catalog_status(client, tenant.project_id) == 403
        granted = admin.put(path)
        assert granted.status_code == 204
        assert catalog_status(client, tenant.project_id) == 200
        roles = admin.get(f"/admin/v1/users/{user.user_id}/roles").json()["roles"]
        assert roles == [
            {"user_id": user.user_id, "project_id": tenant.project_id, "role": "member"}
        ]
        revoked = admin.delete(path)
        assert revoked.status_code == 204
        assert catalog_status(client, tenant.project_id) == 403
    assert admin.get(f"/admin/v1/users/{user.user_id}/roles").json()["roles"] == []
    event = find_event(admin, granted, resource_type="user", resource_id=user.user_id)
    assert event["action"] == "role.grant"
    assert event["after"] == {
        "user_id": user.user_id,
        "project_id": tenant.project_id,
        "role": "member",
    }
    check_actor(event, demo_admin, DEMO_AK)
    event = find_event(admin, revoked, resource_type="user", resource_id=user.user_id)
    assert event["action"] == "role.revoke"
    assert event["after"] is None


def test_unknown_role_400(admin: httpx.Client, tenant: Tenant) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, None)
    response = admin.put(f"/admin/v1/users/{user.user_id}/roles/{tenant.project_id}/owner")
    check_error(response, 400, "ModelArts.0101")


# Access keys


def test_access_key_secret_shown_once(
    admin: httpx.Client, live_server: LiveServer, tenant: Tenant, demo_admin: Identity
) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, "viewer")
    response = admin.post(f"/admin/v1/users/{user.user_id}/access-keys", json={"description": "ci"})
    assert response.status_code == 201, response.text
    key = response.json()
    assert len(key["secret_key"]) >= 16
    assert key["description"] == "ci"
    assert key["status"] == "ACTIVE"
    listing = admin.get(f"/admin/v1/users/{user.user_id}/access-keys")
    assert listing.status_code == 200
    assert key["access_key"] in {item["access_key"] for item in listing.json()["access_keys"]}
    assert key["secret_key"] not in listing.text
    assert user.secret_key not in listing.text
    assert all("secret_key" not in item for item in listing.json()["access_keys"])
    with signed_client(live_server, key["access_key"], key["secret_key"]) as client:
        assert catalog_status(client, tenant.project_id) == 200
    event = find_event(admin, response, resource_type="access_key", resource_id=key["access_key"])
    assert event["action"] == "access_key.create"
    assert "secret_key" not in event["after"]
    check_actor(event, demo_admin, DEMO_AK)
    check_no_secret(admin, [key["secret_key"], user.secret_key, DEMO_SK, DEMO_PASSWORD])


def test_third_active_key_409(admin: httpx.Client, tenant: Tenant) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, None)
    second = admin.post(f"/admin/v1/users/{user.user_id}/access-keys")
    assert second.status_code == 201, second.text
    third = admin.post(f"/admin/v1/users/{user.user_id}/access-keys")
    check_error(third, 409, "ModelArts.0109")


def test_enable_over_quota_409(admin: httpx.Client, tenant: Tenant) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, None)
    disabled = admin.patch(f"/admin/v1/access-keys/{user.access_key}", json={"status": "INACTIVE"})
    assert disabled.status_code == 200, disabled.text
    for _ in range(2):
        created = admin.post(f"/admin/v1/users/{user.user_id}/access-keys")
        assert created.status_code == 201, created.text
    enabled = admin.patch(f"/admin/v1/access-keys/{user.access_key}", json={"status": "ACTIVE"})
    check_error(enabled, 409, "ModelArts.0109")
    keys = admin.get(f"/admin/v1/users/{user.user_id}/access-keys").json()["access_keys"]
    statuses = {item["access_key"]: item["status"] for item in keys}
    assert statuses[user.access_key] == "INACTIVE"


def test_disabled_key_stops_at_once(
    admin: httpx.Client, live_server: LiveServer, tenant: Tenant, demo_admin: Identity
) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, "viewer")
    with signed_client(live_server, user.access_key, user.secret_key, tenant.project_id) as client:
        assert catalog_status(client, tenant.project_id) == 200
        response = admin.patch(
            f"/admin/v1/access-keys/{user.access_key}", json={"status": "INACTIVE"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "INACTIVE"
        assert response.headers["ETag"] == etag(response.json())
        assert catalog_status(client, tenant.project_id) == 401
    event = find_event(admin, response, resource_type="access_key", resource_id=user.access_key)
    assert event["action"] == "access_key.update"
    assert event["before"]["status"] == "ACTIVE"
    assert event["after"]["status"] == "INACTIVE"
    check_actor(event, demo_admin, DEMO_AK)


def test_bad_key_status_400(admin: httpx.Client, tenant: Tenant) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, None)
    response = admin.patch(f"/admin/v1/access-keys/{user.access_key}", json={"status": "PAUSED"})
    check_error(response, 400, "ModelArts.0101")


def test_deleted_key_stops_at_once(
    admin: httpx.Client, live_server: LiveServer, tenant: Tenant, demo_admin: Identity
) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, "viewer")
    with signed_client(live_server, user.access_key, user.secret_key, tenant.project_id) as client:
        assert catalog_status(client, tenant.project_id) == 200
        stale = admin.delete(
            f"/admin/v1/access-keys/{user.access_key}", headers={"If-Match": '"x"'}
        )
        check_error(stale, 412, "ModelArts.0112")
        response = admin.delete(f"/admin/v1/access-keys/{user.access_key}")
        assert response.status_code == 204
        assert catalog_status(client, tenant.project_id) == 401
    keys = admin.get(f"/admin/v1/users/{user.user_id}/access-keys").json()["access_keys"]
    assert keys == []
    event = find_event(admin, response, resource_type="access_key", resource_id=user.access_key)
    assert event["action"] == "access_key.delete"
    assert event["before"]["access_key"] == user.access_key
    assert event["after"] is None
    check_actor(event, demo_admin, DEMO_AK)


# Tokens


def test_revoke_user_tokens(
    admin: httpx.Client, live_server: LiveServer, tenant: Tenant, demo_admin: Identity
) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, "viewer", PASSWORD)
    tokens = [
        issue_token(live_server, tenant.name, user.name, PASSWORD, tenant.project_id)
        for _ in range(2)
    ]
    with token_client(live_server, tokens[0]) as client:
        assert catalog_status(client, tenant.project_id) == 200
        response = admin.delete(f"/admin/v1/users/{user.user_id}/tokens")
        assert response.status_code == 200, response.text
        assert response.json() == {"revoked": 2}
        assert catalog_status(client, tenant.project_id) == 401
    again = admin.delete(f"/admin/v1/users/{user.user_id}/tokens")
    assert again.json() == {"revoked": 0}
    event = find_event(admin, response, resource_type="user", resource_id=user.user_id)
    assert event["action"] == "token.revoke_all"
    assert event["after"] == {"revoked": 2}
    check_actor(event, demo_admin, DEMO_AK)
    check_no_secret(admin, tokens)
