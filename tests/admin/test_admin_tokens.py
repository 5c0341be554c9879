"""Token revocation and temporary credentials (AK/SK plus security token) over the IAM paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from admin_support import (
    PASSWORD,
    Identity,
    Tenant,
    catalog_status,
    check_actor,
    check_error,
    check_forbidden,
    check_no_secret,
    create_iam_user,
    create_tenant,
    find_event,
    issue_token,
    plain_client,
    signed_client,
    token_client,
    wait_for,
)
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmodelarts.v1 import ListDevServerImagesRequest, ModelArtsClient
from sqlalchemy import update

from liteimages.db import revisions
from liteimages.db.engine import Database
from liteimages.identity.models import AccessKey
from support.server import DEMO_DOMAIN, DEMO_PASSWORD, DEMO_USER, LiveServer

SECURITY_TOKENS = "/v3.0/OS-CREDENTIAL/securitytokens"


def credential_request(duration: Any = None) -> dict[str, Any]:
    """Return a token-method temporary credential request, with `duration` if given."""
    token: dict[str, Any] = {} if duration is None else {"duration_seconds": duration}
    return {"auth": {"identity": {"methods": ["token"], "token": token}}}


def demo_token(server: LiveServer) -> str:
    """Return a new token of the demo user, scoped to the demo project."""
    return issue_token(server, DEMO_DOMAIN, DEMO_USER, DEMO_PASSWORD, server.project_id)


def temporary_credential(
    server: LiveServer, token: str, duration: int | None = None
) -> dict[str, Any]:
    """Turn a demo token into temporary credentials and return them."""
    with token_client(server, token) as client:
        response = client.post(SECURITY_TOKENS, json=credential_request(duration))
    assert response.status_code == 201, response.text
    credential: dict[str, Any] = response.json()["credential"]
    return credential


def sdk_list_total(server: LiveServer, credential: dict[str, Any], security_token: str) -> int:
    """List the demo project's images with the official SDK and temporary credentials."""
    credentials = BasicCredentials(
        credential["access"], credential["secret"], server.project_id
    ).with_security_token(security_token)
    client = (
        ModelArtsClient.new_builder()
        .with_credentials(credentials)
        .with_endpoint(server.endpoint)
        .build()
    )
    total: int = client.list_dev_server_images(ListDevServerImagesRequest()).total
    return total


def sdk_error(server: LiveServer, credential: dict[str, Any], security_token: str) -> Any:
    """Return the SDK exception of a list call expected to fail."""
    with pytest.raises(ClientRequestException) as raised:
        sdk_list_total(server, credential, security_token)
    return raised.value


@pytest.fixture(scope="module")
def shared_token(live_server: LiveServer) -> str:
    """Return a demo token that the tests of this module use but never revoke."""
    return demo_token(live_server)


@pytest.fixture(scope="module")
def tenant(admin: httpx.Client) -> Tenant:
    """Return a non-system account shared by the tests of this module."""
    return create_tenant(admin)


# Revoking one token


def test_revoke_own_token(
    admin: httpx.Client, live_server: LiveServer, demo_admin: Identity
) -> None:
    token = demo_token(live_server)
    with token_client(live_server, token) as client:
        assert catalog_status(client, live_server.project_id) == 200
        response = client.delete("/v3/auth/tokens", headers={"X-Subject-Token": token})
        assert response.status_code == 204, response.text
        refused = client.get(f"/v1/{live_server.project_id}/dev-servers/flavors")
        check_error(refused, 401, "APIGW.0301")
    event = find_event(admin, response, resource_type="user", resource_id=demo_admin.user_id)
    assert event["action"] == "token.revoke"
    check_actor(event, demo_admin, None)
    check_no_secret(admin, [token])


def test_revoked_token_again_404(admin: httpx.Client, live_server: LiveServer) -> None:
    token = demo_token(live_server)
    first = admin.delete("/v3/auth/tokens", headers={"X-Subject-Token": token})
    assert first.status_code == 204
    again = admin.delete("/v3/auth/tokens", headers={"X-Subject-Token": token})
    check_error(again, 404, "IAM.0004")
    assert token not in again.text


def test_unknown_token_404(admin: httpx.Client) -> None:
    response = admin.delete("/v3/auth/tokens", headers={"X-Subject-Token": "not-a-token"})
    check_error(response, 404, "IAM.0004")


def test_missing_subject_token_400(admin: httpx.Client) -> None:
    check_error(admin.delete("/v3/auth/tokens"), 400, "IAM.0009")


def test_admin_revokes_user_token(
    admin: httpx.Client, live_server: LiveServer, tenant: Tenant
) -> None:
    user = create_iam_user(admin, tenant.account_id, tenant.project_id, "viewer", PASSWORD)
    token = issue_token(live_server, tenant.name, user.name, PASSWORD, tenant.project_id)
    with token_client(live_server, token) as client:
        assert catalog_status(client, tenant.project_id) == 200
        response = admin.delete("/v3/auth/tokens", headers={"X-Subject-Token": token})
        assert response.status_code == 204
        assert catalog_status(client, tenant.project_id) == 401


def test_other_account_revoke_403(
    live_server: LiveServer, tenant: Tenant, shared_token: str
) -> None:
    token = shared_token
    with signed_client(live_server, tenant.access_key, tenant.secret_key) as outsider:
        response = outsider.delete("/v3/auth/tokens", headers={"X-Subject-Token": token})
    check_forbidden(response)
    with token_client(live_server, token) as client:
        assert catalog_status(client, live_server.project_id) == 200


def test_revoke_without_credential_401(live_server: LiveServer) -> None:
    with plain_client(live_server) as client:
        response = client.delete("/v3/auth/tokens", headers={"X-Subject-Token": "anything"})
    check_error(response, 401, "APIGW.0301")


# Temporary credentials


def test_temporary_credential_works_with_sdk(
    admin: httpx.Client, live_server: LiveServer, demo_admin: Identity, shared_token: str
) -> None:
    token = shared_token
    with token_client(live_server, token) as client:
        response = client.post(SECURITY_TOKENS, json=credential_request(3600))
    assert response.status_code == 201, response.text
    credential = response.json()["credential"]
    assert set(credential) == {"access", "secret", "securitytoken", "expires_at"}
    expires_at = datetime.fromisoformat(credential["expires_at"])
    lifetime = expires_at - datetime.now(UTC)
    assert timedelta(minutes=58) < lifetime <= timedelta(hours=1)
    assert sdk_list_total(live_server, credential, credential["securitytoken"]) > 0
    event = find_event(
        admin, response, resource_type="access_key", resource_id=credential["access"]
    )
    assert event["action"] == "temporary_credential.create"
    check_actor(event, demo_admin, None)
    check_no_secret(admin, [credential["secret"], credential["securitytoken"], token])


def test_default_duration_is_900(live_server: LiveServer, shared_token: str) -> None:
    credential = temporary_credential(live_server, shared_token)
    lifetime = datetime.fromisoformat(credential["expires_at"]) - datetime.now(UTC)
    assert timedelta(seconds=880) < lifetime <= timedelta(seconds=900)


def test_temporary_key_listed_without_secret(
    admin: httpx.Client, live_server: LiveServer, demo_admin: Identity, shared_token: str
) -> None:
    credential = temporary_credential(live_server, shared_token)
    listing = admin.get(f"/admin/v1/users/{demo_admin.user_id}/access-keys")
    keys = {item["access_key"]: item for item in listing.json()["access_keys"]}
    assert keys[credential["access"]]["temporary"] is True
    assert credential["secret"] not in listing.text
    assert credential["securitytoken"] not in listing.text


def test_expired_credential_401(
    live_server: LiveServer, server_database: Database, shared_token: str
) -> None:
    credential = temporary_credential(live_server, shared_token)
    assert sdk_list_total(live_server, credential, credential["securitytoken"]) > 0
    with server_database.write() as session:
        session.execute(
            update(AccessKey)
            .where(AccessKey.access_key == credential["access"])
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        revisions.bump(session, revisions.IDENTITY)

    def expired() -> bool:
        try:
            sdk_list_total(live_server, credential, credential["securitytoken"])
        except ClientRequestException as error:
            return bool(error.status_code == 401)
        return False

    assert wait_for(expired)
    error = sdk_error(live_server, credential, credential["securitytoken"])
    assert error.status_code == 401
    assert error.error_code == "APIGW.0307"


def test_wrong_security_token_401(live_server: LiveServer, shared_token: str) -> None:
    credential = temporary_credential(live_server, shared_token)
    error = sdk_error(live_server, credential, credential["securitytoken"][:-4] + "AAAA")
    assert error.status_code == 401
    assert error.error_code == "APIGW.0301"


def test_missing_security_token_401(live_server: LiveServer, shared_token: str) -> None:
    credential = temporary_credential(live_server, shared_token)
    with signed_client(
        live_server, credential["access"], credential["secret"], live_server.project_id
    ) as client:
        response = client.get(f"/v1/{live_server.project_id}/dev-servers/images")
    check_error(response, 401, "APIGW.0301")


def test_signed_caller_gets_401(admin: httpx.Client) -> None:
    response = admin.post(SECURITY_TOKENS, json=credential_request())
    check_error(response, 401, "APIGW.0301")
    assert "x-auth-token" in response.json()["error_msg"]


def test_unauthenticated_request_401(live_server: LiveServer) -> None:
    with plain_client(live_server) as client:
        response = client.post(SECURITY_TOKENS, json=credential_request())
    check_error(response, 401, "APIGW.0301")


@pytest.mark.parametrize(
    "body",
    [
        credential_request(899),
        credential_request(86401),
        credential_request("900"),
        credential_request(True),
        {"auth": {"identity": {"methods": ["password"], "token": {}}}},
        {"auth": {"identity": {"methods": ["token"], "token": {"id": "another-token"}}}},
        {"auth": []},
    ],
)
def test_bad_credential_request_400(
    live_server: LiveServer, shared_token: str, body: dict[str, Any]
) -> None:
    with token_client(live_server, shared_token) as client:
        response = client.post(SECURITY_TOKENS, json=body)
    check_error(response, 400, "IAM.0011")


def test_malformed_credential_json_400(live_server: LiveServer, shared_token: str) -> None:
    with token_client(live_server, shared_token) as client:
        response = client.post(SECURITY_TOKENS, content=b"{oops")
    check_error(response, 400, "IAM.0011")
