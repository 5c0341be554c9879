"""POST /v3/auth/tokens and GET /v3/projects, in process."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse"


def login(
    user: str = "alice",
    password: object = PASSWORD,
    domain: dict[str, object] | None = None,
    project: dict[str, object] | None = None,
) -> dict[str, Any]:
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": user,
                        "password": password,
                        "domain": domain or {"name": "acme"},
                    }
                },
            },
            "scope": {"project": project or {"name": "cn-north-4"}},
        }
    }


def parse_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")


async def test_token_created(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.post("/v3/auth/tokens", json=login())

    assert response.status_code == 201
    token = response.json()["token"]
    assert token["methods"] == ["password"]
    assert token["project"]["id"] == seeded.project_id
    assert token["project"]["name"] == "cn-north-4"
    assert token["project"]["domain"]["name"] == "acme"
    assert token["user"]["name"] == "alice"
    assert token["roles"] == [{"id": "viewer", "name": "viewer"}]
    assert token["catalog"] == []
    assert parse_time(token["expires_at"]) - parse_time(token["issued_at"]) == timedelta(hours=24)
    assert len(response.headers["x-subject-token"]) >= 64


async def test_created_token_lists_images(http: httpx.AsyncClient, seeded: Any) -> None:
    created = await http.post("/v3/auth/tokens", json=login())
    token = created.headers["x-subject-token"]

    listed = await http.get(seeded.images_path, headers={"X-Auth-Token": token})

    assert listed.status_code == 200
    assert listed.json()["total"] == 31


async def test_token_by_ids(http: httpx.AsyncClient, seeded: Any) -> None:
    named = await http.post("/v3/auth/tokens", json=login())
    domain_id = named.json()["token"]["project"]["domain"]["id"]

    response = await http.post(
        "/v3/auth/tokens",
        json=login(domain={"id": domain_id}, project={"id": seeded.other_project_id}),
    )

    assert response.status_code == 201
    assert response.json()["token"]["project"]["name"] == "cn-south-1"


INVALID_BODIES = [
    b"",
    b"not json",
    b"[]",
    b'{"auth": 1}',
    b'{"auth": {}}',
    json.dumps({"auth": {"identity": {"methods": ["token"]}}}).encode(),
    json.dumps({"auth": {"identity": {"methods": "password"}}}).encode(),
    json.dumps({"auth": {"identity": {"methods": ["password"]}}}).encode(),
    json.dumps(login(user="")).encode(),
    json.dumps(login(password="")).encode(),
    json.dumps(login(password=12345678)).encode(),
    json.dumps(login(domain={"name": ""})).encode(),
    json.dumps(login(domain={"id": 7})).encode(),
    json.dumps(login(project={"name": None})).encode(),
    json.dumps({"auth": {**login()["auth"], "scope": {}}}).encode(),
    json.dumps({"auth": {**login()["auth"], "scope": {"domain": {"name": "acme"}}}}).encode(),
    b'{"auth": {"identity": ' * 2000,
]


@pytest.mark.parametrize("body", INVALID_BODIES)
async def test_invalid_body_rejected(http: httpx.AsyncClient, body: bytes) -> None:
    response = await http.post(
        "/v3/auth/tokens", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["error_code"] == "IAM.0011"
    assert response.json()["error_msg"].startswith("Request body is invalid: ")


@pytest.mark.parametrize(
    "body",
    [
        login(password="wrong horse"),
        login(user="nobody"),
        login(domain={"name": "nowhere"}),
    ],
)
async def test_wrong_credentials_401(http: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await http.post("/v3/auth/tokens", json=body)

    assert response.status_code == 401
    assert response.json() == {
        "error_code": "IAM.0001",
        "error_msg": "The username or password is wrong.",
    }


async def test_unknown_project_404(http: httpx.AsyncClient) -> None:
    response = await http.post("/v3/auth/tokens", json=login(project={"name": "cn-east-3"}))

    assert response.status_code == 404
    assert response.json()["error_code"] == "IAM.0004"


@pytest.mark.parametrize(
    "body",
    [login(domain={"name": "ac\x00me"}), login(user="ali\x00ce")],
)
async def test_nul_in_login_is_client_error(
    http: httpx.AsyncClient, seeded: Any, body: dict[str, Any], request: pytest.FixtureRequest
) -> None:

    response = await http.post("/v3/auth/tokens", json=body)

    assert 400 <= response.status_code < 500


async def test_projects_by_name(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.get(
        "/v3/projects", params={"name": "cn-north-4"}, headers={"X-Auth-Token": seeded.token}
    )

    assert response.status_code == 200
    projects = response.json()["projects"]
    assert [(project["id"], project["name"]) for project in projects] == [
        (seeded.project_id, "cn-north-4")
    ]


async def test_projects_signed_like_sdk(http: httpx.AsyncClient, seeded: Any) -> None:
    headers = seeded.signed("GET", "/v3/projects", "name=cn-south-1")

    response = await http.get("/v3/projects?name=cn-south-1", headers=headers)

    assert response.status_code == 200
    assert [project["id"] for project in response.json()["projects"]] == [seeded.other_project_id]


@pytest.mark.parametrize(("query", "expected"), [("", 2), ("?name=cn-east-3", 0), ("?name=", 0)])
async def test_projects_of_own_account(
    http: httpx.AsyncClient, seeded: Any, query: str, expected: int
) -> None:
    response = await http.get("/v3/projects" + query, headers={"X-Auth-Token": seeded.token})

    names = [project["name"] for project in response.json()["projects"]]
    assert response.status_code == 200
    assert len(names) == expected
    assert names == sorted(names)


async def test_projects_need_credentials(http: httpx.AsyncClient) -> None:
    response = await http.get("/v3/projects", params={"name": "cn-north-4"})

    assert response.status_code == 401
    assert response.json()["error_code"] == "APIGW.0301"
    assert response.json()["request_id"] == response.headers["x-request-id"]


async def test_projects_locked_key_has_retry_after(http: httpx.AsyncClient, seeded: Any) -> None:
    # A key of its own, because the lock lasts 300 s and the module shares alice's key.
    access_key, secret_key = seeded.new_key("bob")
    wrong = seeded.signed("GET", "/v3/projects", access_key=access_key, secret_key="w" * 40)
    right = seeded.signed("GET", "/v3/projects", access_key=access_key, secret_key=secret_key)

    failed = [(await http.get("/v3/projects", headers=wrong)).status_code for _ in range(5)]
    locked = await http.get("/v3/projects", headers=right)

    assert failed == [401] * 5
    assert locked.status_code == 401
    assert locked.json()["error_msg"].endswith("AK access failed to reach the limit,forbidden")
    assert 299 <= int(locked.headers["retry-after"]) <= 300
