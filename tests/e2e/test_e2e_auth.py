"""Authentication and permission errors, the IAM token call and the SDK's project look-up."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from e2e_support import (
    AUTH_PREFIX,
    REQUEST_ID,
    ApiError,
    Credential,
    SdkCaller,
    build_caller,
    check_error,
    create_iam_key,
    create_tenant,
    image_ids,
    invalid_argument,
    secret_box,
    unique_name,
    wait_until,
)
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, SdkException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkmodelarts.v1 import ListDevServerImagesRequest, ModelArtsClient
from sqlalchemy.orm import Session

from liteimages.db.engine import Database
from liteimages.identity import service as identity
from liteimages.identity.models import AccessKey, Project, Token
from liteimages.identity.tokens import hash_token
from liteimages.signing import SignableRequest, format_sdk_date, sign
from support.server import DEMO_AK, DEMO_DOMAIN, DEMO_PASSWORD, DEMO_SK, DEMO_USER, LiveServer

DOCUMENTED_IMAGE_ID = "d7811cdb-b0c6-44fe-9931-1f3b2b6ef477"
RESOURCES = ["images", f"images/{DOCUMENTED_IMAGE_ID}", "flavors"]
OPERATIONS = ["ListDevServerImages", "GetDevServerImage", "ListDevServerFlavors"]
WRONG_SK = "wrong-secret-key-0123456789abcdef"
SIGNATURE_FAIL = AUTH_PREFIX + "verify aksk signature fail"
LOCKED = AUTH_PREFIX + "AK access failed to reach the limit,forbidden"
TOKEN_LIFETIME = timedelta(hours=24)


def status_of(caller: SdkCaller) -> int:
    """Return the status of a list call, successful or not."""
    try:
        return int(caller.list_images().status_code)
    except ClientRequestException as error:
        return int(error.status_code)


def identity_user_of(session: Session, access_key: str) -> str:
    """Return the id of the user who owns an access key."""
    key = session.get(AccessKey, access_key)
    assert key is not None
    return key.user_id


def demo_account_id(database: Database, project_id: str) -> str:
    """Return the id of the account that owns the demo project."""
    with database.read() as session:
        project = session.get(Project, project_id)
        assert project is not None
        return project.account_id


@pytest.fixture
def fresh_key(server_database: Database, live_server: LiveServer) -> Credential:
    """Return a new key of an IAM user with the viewer role on the demo project."""
    account_id = demo_account_id(server_database, live_server.project_id)
    return create_iam_key(server_database, account_id, live_server.project_id, "viewer")


@pytest.fixture(scope="module")
def second_project(server_database: Database, live_server: LiveServer) -> str:
    """Return the id of a second project of the demo account."""
    account_id = demo_account_id(server_database, live_server.project_id)
    with server_database.write() as session:
        return identity.create_project(session, account_id, unique_name("region")).id


def wrong_secret_caller(server: LiveServer, credential: Credential) -> SdkCaller:
    """Return a caller that signs with the right access key and a wrong secret key."""
    return build_caller(server, Credential(credential.ak, WRONG_SK, credential.project_id))


def catalog_url(server: LiveServer, project_id: str, resource: str = "images") -> str:
    """Return the URL of a catalog resource of a project."""
    return f"{server.endpoint}/v1/{project_id}/dev-servers/{resource}"


def raw_error(response: httpx.Response) -> ApiError:
    """Return the error a raw response carries."""
    return ApiError.from_httpx(response)


def login_body(project: dict[str, str], password: str = DEMO_PASSWORD) -> dict[str, Any]:
    """Return a password-method token request of the demo user, scoped to `project`."""
    user = {"name": DEMO_USER, "password": password, "domain": {"name": DEMO_DOMAIN}}
    return {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": user}},
            "scope": {"project": project},
        }
    }


@pytest.fixture(scope="module")
def token(live_server: LiveServer) -> str:
    """Return a token of the demo user scoped to the demo project."""
    body = login_body({"id": live_server.project_id})
    response = httpx.post(f"{live_server.endpoint}/v3/auth/tokens", json=body)
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


# Requests without a credential, and token authentication.


@pytest.mark.parametrize("resource", RESOURCES)
def test_no_credentials_rejected(live_server: LiveServer, resource: str) -> None:
    response = httpx.get(catalog_url(live_server, live_server.project_id, resource))
    check_error(raw_error(response), 401, "APIGW.0301", AUTH_PREFIX + "x-auth-token not found")


@pytest.mark.parametrize(
    "value",
    ["garbage", "MIIabc+/=", secrets.token_urlsafe(48), "x" * 20_000],
    ids=["word", "base64", "unknown", "long"],
)
def test_bad_token_rejected(live_server: LiveServer, value: str) -> None:
    response = httpx.get(
        catalog_url(live_server, live_server.project_id), headers={"X-Auth-Token": value}
    )
    check_error(raw_error(response), 401, "APIGW.0301", AUTH_PREFIX + "decrypt token fail")


def test_expired_token_rejected(live_server: LiveServer, server_database: Database) -> None:
    value = secrets.token_urlsafe(48)
    now = datetime.now(UTC)
    account_id = demo_account_id(server_database, live_server.project_id)
    with server_database.write() as session:
        user = identity.find_user(session, account_id, DEMO_USER)
        session.add(
            Token(
                token_hash=hash_token(value),
                user_id=user.id,
                project_id=live_server.project_id,
                issued_at=now - TOKEN_LIFETIME - timedelta(hours=1),
                expires_at=now - timedelta(hours=1),
            )
        )
    response = httpx.get(
        catalog_url(live_server, live_server.project_id), headers={"X-Auth-Token": value}
    )
    check_error(raw_error(response), 401, "APIGW.0307", "The token must be updated")


def test_token_lists_images(live_server: LiveServer, token: str, demo: SdkCaller) -> None:
    response = httpx.get(
        catalog_url(live_server, live_server.project_id), headers={"X-Auth-Token": token}
    )
    assert response.status_code == 200
    assert [item["image_id"] for item in response.json()["data"]] == image_ids(demo.list_images())


def test_token_project_mismatch(live_server: LiveServer, token: str, second_project: str) -> None:
    response = httpx.get(catalog_url(live_server, second_project), headers={"X-Auth-Token": token})
    check_error(
        raw_error(response),
        403,
        "ModelArts.0210",
        "The project id in the request URL does not match the token",
    )


# The IAM token call.


def test_token_call_created(live_server: LiveServer) -> None:
    body = login_body({"id": live_server.project_id})
    response = httpx.post(f"{live_server.endpoint}/v3/auth/tokens", json=body)
    assert response.status_code == 201
    assert response.headers["X-Subject-Token"]


def test_token_body_fields(live_server: LiveServer) -> None:
    body = login_body({"name": "cn-north-4"})
    response = httpx.post(f"{live_server.endpoint}/v3/auth/tokens", json=body)
    document = response.json()["token"]
    assert {"expires_at", "methods", "project", "user", "roles", "catalog"} <= set(document)
    assert document["methods"] == ["password"]
    assert document["project"]["id"] == live_server.project_id
    assert document["project"]["name"] == "cn-north-4"
    assert document["user"]["name"] == DEMO_USER
    assert document["user"]["domain"]["name"] == DEMO_DOMAIN


def parse_iam_time(text: str) -> datetime:
    """Parse an IAM timestamp such as 2024-01-31T10:00:00.123000Z."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def test_token_valid_for_a_day(live_server: LiveServer) -> None:
    before = datetime.now(UTC)
    body = login_body({"id": live_server.project_id})
    response = httpx.post(f"{live_server.endpoint}/v3/auth/tokens", json=body)
    after = datetime.now(UTC)
    expires_at = parse_iam_time(response.json()["token"]["expires_at"])
    assert before + TOKEN_LIFETIME - timedelta(seconds=1) <= expires_at
    assert expires_at <= after + TOKEN_LIFETIME + timedelta(seconds=1)


def test_token_wrong_password(live_server: LiveServer) -> None:
    body = login_body({"id": live_server.project_id}, password="wrong-password-123")
    response = httpx.post(f"{live_server.endpoint}/v3/auth/tokens", json=body)
    assert response.status_code == 401
    assert "X-Subject-Token" not in response.headers
    assert response.json()["error_code"].startswith("IAM.")


# AK/SK signatures.


def test_unknown_access_key(live_server: LiveServer) -> None:
    caller = build_caller(
        live_server, Credential("UNKNOWNKEY0123456789", DEMO_SK, live_server.project_id)
    )
    error = caller.error_of(caller.list_images)
    check_error(error, 401, "APIGW.0301", AUTH_PREFIX + "ak UNKNOWNKEY0123456789 not exist")


def test_wrong_secret_key(live_server: LiveServer, fresh_key: Credential) -> None:
    caller = wrong_secret_caller(live_server, fresh_key)
    error = caller.error_of(caller.list_images)
    check_error(error, 401, "APIGW.0301", SIGNATURE_FAIL)


def test_mismatch_body_has_canonical_request(
    live_server: LiveServer, fresh_key: Credential
) -> None:
    caller = wrong_secret_caller(live_server, fresh_key)
    error = caller.error_of(lambda: caller.list_images(server_type="BMS"))
    canonical = error.body["canonical_request"]
    assert canonical.startswith(f"GET\n/v1/{fresh_key.project_id}/dev-servers/images/\n")
    assert "\nserver_type=BMS\n" in canonical


def test_mismatch_body_hides_secret_keys(live_server: LiveServer, fresh_key: Credential) -> None:
    caller = wrong_secret_caller(live_server, fresh_key)
    error = caller.error_of(caller.list_images)
    assert fresh_key.sk not in error.text
    assert WRONG_SK not in error.text


def sdk_date(shift: timedelta) -> str:
    """Return an X-Sdk-Date value `shift` away from now."""
    return format_sdk_date(datetime.now(UTC) + shift)


@pytest.mark.parametrize(
    "shift",
    [timedelta(minutes=14, seconds=50), -timedelta(minutes=14, seconds=50)],
    ids=["ahead", "behind"],
)
def test_date_within_window_accepted(
    live_server: LiveServer, fresh_key: Credential, shift: timedelta
) -> None:
    caller = build_caller(live_server, fresh_key)
    response = caller.list_images(headers={"X-Sdk-Date": sdk_date(shift)})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "shift",
    [timedelta(minutes=15, seconds=10), -timedelta(minutes=15, seconds=10)],
    ids=["ahead", "behind"],
)
def test_date_outside_window_rejected(
    live_server: LiveServer, fresh_key: Credential, shift: timedelta
) -> None:
    caller = build_caller(live_server, fresh_key)
    signed_at = sdk_date(shift)
    error = caller.error_of(lambda: caller.list_images(headers={"X-Sdk-Date": signed_at}))
    pattern = re.escape(f"{AUTH_PREFIX}signature expired, signature time:{signed_at},server time:")
    check_error(error, 401, "APIGW.0301", re.compile(pattern + r"\d{8}T\d{6}Z"))


def test_expired_date_names_server_time(live_server: LiveServer, fresh_key: Credential) -> None:
    caller = build_caller(live_server, fresh_key)
    signed_at = sdk_date(timedelta(minutes=20))
    error = caller.error_of(lambda: caller.list_images(headers={"X-Sdk-Date": signed_at}))
    server_time = error.error_msg.rsplit("server time:", 1)[1]
    shown = datetime.strptime(server_time, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(shown - datetime.now(UTC)) < timedelta(seconds=30)


def test_key_locked_after_five_failures(live_server: LiveServer, fresh_key: Credential) -> None:
    wrong = wrong_secret_caller(live_server, fresh_key)
    for _ in range(5):
        check_error(wrong.error_of(wrong.list_images), 401, "APIGW.0301", SIGNATURE_FAIL)
    check_error(wrong.error_of(wrong.list_images), 401, "APIGW.0301", LOCKED)


def test_locked_key_refuses_right_secret(live_server: LiveServer, fresh_key: Credential) -> None:
    wrong = wrong_secret_caller(live_server, fresh_key)
    for _ in range(5):
        wrong.error_of(wrong.list_images)
    right = build_caller(live_server, fresh_key)
    check_error(right.error_of(right.list_images), 401, "APIGW.0301", LOCKED)


def test_success_resets_failure_count(live_server: LiveServer, fresh_key: Credential) -> None:
    wrong = wrong_secret_caller(live_server, fresh_key)
    right = build_caller(live_server, fresh_key)
    for _ in range(2):
        for _ in range(4):
            check_error(wrong.error_of(wrong.list_images), 401, "APIGW.0301", SIGNATURE_FAIL)
        assert right.list_images().status_code == 200


def test_lock_leaves_other_keys_usable(
    live_server: LiveServer, fresh_key: Credential, demo: SdkCaller
) -> None:
    wrong = wrong_secret_caller(live_server, fresh_key)
    for _ in range(6):
        wrong.error_of(wrong.list_images)
    assert demo.list_images().status_code == 200


# Projects and permissions.


@pytest.mark.parametrize("operation", OPERATIONS)
def test_path_project_differs_from_header(
    demo: SdkCaller, second_project: str, operation: str
) -> None:
    calls = {
        "ListDevServerImages": lambda: demo.list_images(path_project_id=second_project),
        "GetDevServerImage": lambda: demo.get_image(
            DOCUMENTED_IMAGE_ID, path_project_id=second_project
        ),
        "ListDevServerFlavors": lambda: demo.list_flavors(path_project_id=second_project),
    }
    error = demo.error_of(calls[operation])
    check_error(
        error, 403, "ModelArts.0210", "The project id in the request URL does not match the token"
    )


def test_signed_header_project_mismatch(live_server: LiveServer, second_project: str) -> None:
    path = f"/v1/{live_server.project_id}/dev-servers/images"
    headers = {
        "Host": f"127.0.0.1:{live_server.port}",
        "Content-Type": "application/json",
        "X-Project-Id": second_project,
    }
    request = SignableRequest("GET", path, "", headers)
    headers.update(sign(request, DEMO_AK, DEMO_SK))
    response = httpx.get(live_server.endpoint + path, headers=headers)
    check_error(
        raw_error(response),
        403,
        "ModelArts.0210",
        "The project id in the request URL does not match the token",
    )


@pytest.mark.parametrize("operation", OPERATIONS)
def test_user_without_grant_forbidden(
    live_server: LiveServer, server_database: Database, operation: str
) -> None:
    account_id = demo_account_id(server_database, live_server.project_id)
    credential = create_iam_key(server_database, account_id, live_server.project_id, None)
    caller = build_caller(live_server, credential)
    calls = {
        "ListDevServerImages": caller.list_images,
        "GetDevServerImage": lambda: caller.get_image(DOCUMENTED_IMAGE_ID),
        "ListDevServerFlavors": caller.list_flavors,
    }
    error = caller.error_of(calls[operation])
    check_error(
        error,
        403,
        "ModelArts.0108",
        f"You are not authorized to perform the ({operation}) operation",
    )


def test_grant_on_other_project_forbidden(
    live_server: LiveServer, server_database: Database, second_project: str
) -> None:
    account_id = demo_account_id(server_database, live_server.project_id)
    credential = create_iam_key(server_database, account_id, second_project, "admin")
    caller = build_caller(
        live_server, Credential(credential.ak, credential.sk, live_server.project_id)
    )
    error = caller.error_of(caller.list_images)
    check_error(
        error,
        403,
        "ModelArts.0108",
        "You are not authorized to perform the (ListDevServerImages) operation",
    )


@pytest.mark.parametrize("role", ["admin", "member", "viewer"])
def test_any_role_may_read(
    live_server: LiveServer, server_database: Database, demo: SdkCaller, role: str
) -> None:
    account_id = demo_account_id(server_database, live_server.project_id)
    caller = build_caller(
        live_server, create_iam_key(server_database, account_id, live_server.project_id, role)
    )
    assert image_ids(caller.list_images()) == image_ids(demo.list_images())


def test_root_user_reads_every_project(live_server: LiveServer, server_database: Database) -> None:
    tenant = create_tenant(server_database)
    with server_database.write() as session:
        second = identity.create_project(session, tenant.account_id, unique_name("region")).id
    caller = build_caller(
        live_server, Credential(tenant.credential.ak, tenant.credential.sk, second)
    )
    assert caller.list_images().status_code == 200


def test_other_account_project_forbidden(
    live_server: LiveServer, server_database: Database, demo_credential: Credential
) -> None:
    tenant = create_tenant(server_database)
    caller = build_caller(
        live_server, Credential(demo_credential.ak, demo_credential.sk, tenant.project_id)
    )
    error = caller.error_of(caller.list_images)
    check_error(
        error,
        403,
        "ModelArts.0108",
        "You are not authorized to perform the (ListDevServerImages) operation",
    )


# The SDK's project look-up by region.


def region_client(server: LiveServer, credential: Credential, region: str) -> ModelArtsClient:
    """Build a client that has a region but no project id, with IAM on the live server."""
    credentials = BasicCredentials(credential.ak, credential.sk).with_iam_endpoint(server.endpoint)
    return (
        ModelArtsClient.new_builder()
        .with_credentials(credentials)
        .with_region(Region(region, server.endpoint))
        .build()
    )


def test_region_finds_project(live_server: LiveServer, fresh_key: Credential) -> None:
    client = region_client(live_server, fresh_key, "cn-north-4")
    assert client.get_credentials().project_id == live_server.project_id


def test_region_client_lists_images(
    live_server: LiveServer, fresh_key: Credential, demo: SdkCaller
) -> None:
    client = region_client(live_server, fresh_key, "cn-north-4")
    response = client.list_dev_server_images(ListDevServerImagesRequest())
    assert image_ids(response) == image_ids(demo.list_images())


def test_unknown_region_fails(live_server: LiveServer, fresh_key: Credential) -> None:
    with pytest.raises(SdkException, match="ap-southeast-9"):
        region_client(live_server, fresh_key, "ap-southeast-9")


def test_projects_call_by_name(live_server: LiveServer, fresh_key: Credential) -> None:
    path = "/v3/projects"
    headers = {"Host": f"127.0.0.1:{live_server.port}", "Content-Type": "application/json"}
    request = SignableRequest("GET", path, "name=cn-north-4", headers)
    headers.update(sign(request, fresh_key.ak, fresh_key.sk))
    response = httpx.get(f"{live_server.endpoint}{path}?name=cn-north-4", headers=headers)
    projects = response.json()["projects"]
    assert response.status_code == 200
    assert [(project["id"], project["name"]) for project in projects] == [
        (live_server.project_id, "cn-north-4")
    ]


# Requests the SDK signs in less common shapes.


def test_success_carries_request_id(demo: SdkCaller) -> None:
    demo.list_images()
    assert demo.recorder.last is not None
    assert REQUEST_ID.fullmatch(demo.recorder.last.headers.get("X-Request-Id", ""))


def test_bodies_are_json(demo: SdkCaller) -> None:
    demo.list_images()
    assert demo.recorder.last is not None
    assert demo.recorder.last.headers["Content-Type"].startswith("application/json")
    demo.error_of(lambda: demo.list_images(server_type="XYZ"))
    assert demo.recorder.last.headers["Content-Type"].startswith("application/json")


def test_request_ids_differ(demo: SdkCaller) -> None:
    seen = set()
    for _ in range(3):
        demo.list_images()
        assert demo.recorder.last is not None
        seen.add(demo.recorder.last.headers["X-Request-Id"])
    assert len(seen) == 3


def test_iam_calls_carry_request_id(live_server: LiveServer) -> None:
    body = login_body({"id": live_server.project_id})
    created = httpx.post(f"{live_server.endpoint}/v3/auth/tokens", json=body)
    refused = httpx.post(
        f"{live_server.endpoint}/v3/auth/tokens",
        json=login_body({"id": live_server.project_id}, password="wrong-password-123"),
    )
    assert REQUEST_ID.fullmatch(created.headers.get("X-Request-Id", ""))
    assert REQUEST_ID.fullmatch(refused.headers.get("X-Request-Id", ""))


@pytest.mark.parametrize(
    "headers",
    [{"X_Custom_Header": "unsigned"}, {"X-Custom": "名称 value"}, {"X-Custom": "  padded  "}],
    ids=["underscore", "non-ascii", "padded"],
)
def test_extra_headers_verify(demo: SdkCaller, headers: dict[str, str]) -> None:
    assert demo.list_images(headers=headers).status_code == 200


def test_unsigned_odd_query_verifies(demo: SdkCaller) -> None:
    pairs = [("名", "值"), ("a b", "c+d"), ("empty", ""), ("z", "~!*'()"), ("k", "a=b&c")]
    assert demo.list_images(extra=pairs).status_code == 200


def test_repeated_unknown_key_verifies(demo: SdkCaller) -> None:
    # Sorting these values before and after percent-encoding gives different orders.
    pairs = [("x", "名"), ("x", "a"), ("x", "~"), ("x", "A b"), ("x", "")]
    assert demo.list_images(extra=pairs).status_code == 200


def test_get_without_content_type(live_server: LiveServer, demo_credential: Credential) -> None:
    config = HttpConfig.get_default_config()
    config.ignore_content_type_for_get_request = True
    caller = build_caller(live_server, demo_credential, config)
    assert caller.list_images().status_code == 200
    assert caller.recorder.last is not None
    assert "Content-Type" not in caller.recorder.last.request.headers


def test_token_user_without_grant(live_server: LiveServer, server_database: Database) -> None:
    account_id = demo_account_id(server_database, live_server.project_id)
    name = unique_name("user")
    with server_database.write() as session:
        identity.create_user(session, account_id, name, "grantless-password-1")
    user = {"name": name, "password": "grantless-password-1", "domain": {"name": DEMO_DOMAIN}}
    body = {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": user}},
            "scope": {"project": {"id": live_server.project_id}},
        }
    }
    created = httpx.post(f"{live_server.endpoint}/v3/auth/tokens", json=body)
    token_value = created.headers["X-Subject-Token"]
    response = httpx.get(
        catalog_url(live_server, live_server.project_id), headers={"X-Auth-Token": token_value}
    )
    check_error(
        raw_error(response),
        403,
        "ModelArts.0108",
        "You are not authorized to perform the (ListDevServerImages) operation",
    )


@pytest.mark.parametrize("project_id", ["bad_project", "a" * 65, "project.1"])
def test_malformed_project_id(
    live_server: LiveServer, demo_credential: Credential, project_id: str
) -> None:
    caller = build_caller(
        live_server, Credential(demo_credential.ak, demo_credential.sk, project_id)
    )
    error = caller.error_of(caller.list_images)
    check_error(error, 400, "ModelArts.0101", invalid_argument("project_id"))


# Malformed AK/SK requests, built with the project's own signer.


def signed_headers_for(
    server: LiveServer, credential: Credential, path: str, raw_query: str = ""
) -> dict[str, str]:
    """Return the headers of a correctly signed GET request."""
    headers = {
        "Host": f"127.0.0.1:{server.port}",
        "Content-Type": "application/json",
        "X-Project-Id": credential.project_id,
    }
    headers.update(
        sign(SignableRequest("GET", path, raw_query, headers), credential.ak, credential.sk)
    )
    return headers


def test_own_signer_accepted(live_server: LiveServer, fresh_key: Credential) -> None:
    path = f"/v1/{fresh_key.project_id}/dev-servers/images"
    headers = signed_headers_for(live_server, fresh_key, path)
    assert httpx.get(live_server.endpoint + path, headers=headers).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic dXNlcjpwYXNz",
        "SDK-HMAC-SHA256 garbage",
        "SDK-HMAC-SHA256 Access=, SignedHeaders=, Signature=",
        "SDK-HMAC-SHA256 Access={ak}, SignedHeaders=host;x-sdk-date, Signature=zz",
    ],
    ids=["basic", "no-fields", "empty-fields", "bad-signature"],
)
def test_malformed_authorization_rejected(
    live_server: LiveServer, fresh_key: Credential, authorization: str
) -> None:
    path = f"/v1/{fresh_key.project_id}/dev-servers/images"
    headers = signed_headers_for(live_server, fresh_key, path)
    headers["Authorization"] = authorization.format(ak=fresh_key.ak)
    error = raw_error(httpx.get(live_server.endpoint + path, headers=headers))
    check_error(error, 401, "APIGW.0301", re.compile(re.escape(AUTH_PREFIX) + ".+"))


def test_missing_sdk_date_rejected(live_server: LiveServer, fresh_key: Credential) -> None:
    path = f"/v1/{fresh_key.project_id}/dev-servers/images"
    headers = signed_headers_for(live_server, fresh_key, path)
    del headers["X-Sdk-Date"]
    error = raw_error(httpx.get(live_server.endpoint + path, headers=headers))
    check_error(error, 401, "APIGW.0301", re.compile(re.escape(AUTH_PREFIX) + ".+"))


def test_signed_header_missing_rejected(live_server: LiveServer, fresh_key: Credential) -> None:
    path = f"/v1/{fresh_key.project_id}/dev-servers/images"
    headers = signed_headers_for(live_server, fresh_key, path)
    del headers["X-Project-Id"]
    error = raw_error(httpx.get(live_server.endpoint + path, headers=headers))
    check_error(error, 401, "APIGW.0301", re.compile(re.escape(AUTH_PREFIX) + ".+"))


def test_changed_query_rejected(live_server: LiveServer, fresh_key: Credential) -> None:
    path = f"/v1/{fresh_key.project_id}/dev-servers/images"
    headers = signed_headers_for(live_server, fresh_key, path, "server_type=BMS")
    url = f"{live_server.endpoint}{path}?server_type=ECS"
    check_error(raw_error(httpx.get(url, headers=headers)), 401, "APIGW.0301", SIGNATURE_FAIL)


# Credential caches follow changes made in the database.


def test_new_key_usable_after_miss(live_server: LiveServer, server_database: Database) -> None:
    account_id = demo_account_id(server_database, live_server.project_id)
    access_key = "LATEKEY" + secrets.token_hex(6).upper()
    secret = "late-secret-key-0123456789abcdef"
    caller = build_caller(live_server, Credential(access_key, secret, live_server.project_id))
    missing = caller.error_of(caller.list_images)
    check_error(missing, 401, "APIGW.0301", AUTH_PREFIX + f"ak {access_key} not exist")
    with server_database.write() as session:
        user = identity.create_user(session, account_id, unique_name("user"), None)
        identity.grant_role(session, user.id, live_server.project_id, "viewer")
        identity.create_access_key(
            session, secret_box(), user.id, access_key=access_key, secret_key=secret
        )
    wait_until(lambda: status_of(caller) == 200)


def test_grant_takes_effect(live_server: LiveServer, server_database: Database) -> None:
    account_id = demo_account_id(server_database, live_server.project_id)
    credential = create_iam_key(server_database, account_id, live_server.project_id, None)
    caller = build_caller(live_server, credential)
    assert caller.error_of(caller.list_images).status_code == 403
    with server_database.write() as session:
        user_id = identity_user_of(session, credential.ak)
        identity.grant_role(session, user_id, live_server.project_id, "member")
    wait_until(lambda: status_of(caller) == 200)
