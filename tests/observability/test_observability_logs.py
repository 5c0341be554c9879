"""JSON log lines of a live server: one access line per request, and never a secret."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from observability_support import (
    access_records,
    demo_token,
    images_path,
    log_records,
    password_login,
    signed_get,
    signed_headers,
    start_seeded_server,
    wait_for_access_record,
)

from support.server import DEMO_AK, DEMO_PASSWORD, DEMO_SK, LiveServer

WRONG_SK = "wrong-secret-key-for-the-log-test-0123"
WRONG_PASSWORD = "wrong-password-for-the-log-test-456"
SIGNATURE = re.compile(r"Signature=([0-9a-f]{64})")


@pytest.fixture(scope="module")
def server(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Yield a seeded server whose output is only JSON log lines."""
    server = start_seeded_server(module_database_url, tmp_path_factory.mktemp("logs"))
    yield server
    server.stop()


def signature_of(headers: dict[str, str]) -> str:
    """Return the hex signature of an Authorization header."""
    found = SIGNATURE.search(headers["Authorization"])
    assert found is not None
    return found[1]


@pytest.fixture(scope="module")
def secrets_sent(server: LiveServer) -> dict[str, str]:
    """Make calls with every kind of secret and return each secret by name."""
    path = images_path(server)
    good_headers = signed_headers(server, path)
    expect_status(httpx.get(server.endpoint + path, headers=good_headers), 200)
    wrong_headers = signed_headers(server, path, secret_key=WRONG_SK)
    expect_status(httpx.get(server.endpoint + path, headers=wrong_headers), 401)

    expect_status(password_login(server, WRONG_PASSWORD), 401)
    token = demo_token(server)
    expect_status(httpx.get(server.endpoint + path, headers={"X-Auth-Token": token}), 200)

    temporary = create_temporary_credential(server, token)
    temporary_headers = signed_headers(
        server,
        path,
        temporary["access"],
        temporary["secret"],
        {"x-security-token": temporary["securitytoken"]},
    )
    last = httpx.get(server.endpoint + path, headers=temporary_headers)
    expect_status(last, 200)
    wait_for_access_record(server, last.headers["x-request-id"])

    return {
        "demo secret key": DEMO_SK,
        "wrong secret key": WRONG_SK,
        "demo password": DEMO_PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "token": token,
        "temporary secret key": temporary["secret"],
        "security token": temporary["securitytoken"],
        "signature": signature_of(good_headers),
        "wrong signature": signature_of(wrong_headers),
        "temporary signature": signature_of(temporary_headers),
    }


def expect_status(response: httpx.Response, status: int) -> None:
    """Assert the status of a response, showing its body when it differs."""
    assert response.status_code == status, response.text


def create_temporary_credential(server: LiveServer, token: str) -> dict[str, Any]:
    """Exchange a token for a temporary AK, SK and security token."""
    response = httpx.post(
        server.endpoint + "/v3.0/OS-CREDENTIAL/securitytokens",
        headers={"X-Auth-Token": token},
        json={"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": 900}}}},
    )
    assert response.status_code == 201, response.text
    credential: dict[str, Any] = response.json()["credential"]
    return credential


def test_every_line_is_json(server: LiveServer) -> None:
    response = httpx.get(server.endpoint + "/health/live")
    wait_for_access_record(server, response.headers["x-request-id"])

    records = log_records(server)

    assert records
    for record in records:
        assert {"time", "level", "logger", "message", "pid"} <= record.keys()


def test_uvicorn_lines_are_json(server: LiveServer) -> None:
    messages = [
        record["message"] for record in log_records(server) if record["logger"] == "uvicorn.error"
    ]

    assert "Application startup complete." in messages


def test_time_is_utc_iso(server: LiveServer) -> None:
    record = log_records(server)[0]

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["time"])


def test_access_line_for_aksk(server: LiveServer) -> None:
    path = images_path(server)
    response = signed_get(server, path)

    record = wait_for_access_record(server, response.headers["x-request-id"])

    assert response.status_code == 200
    assert record["level"] == "INFO"
    assert record["message"] == f"GET {path} 200"
    assert record["method"] == "GET"
    assert record["path"] == path
    assert record["route"] == "list_images"
    assert record["status"] == 200
    assert record["duration_ms"] >= 0
    assert record["client"] == "127.0.0.1"
    assert record["project_id"] == server.project_id
    assert record["access_key"] == DEMO_AK
    assert record["auth_method"] == "aksk"
    assert record["auth_failure"] is None


def test_access_line_for_token(server: LiveServer) -> None:
    token = demo_token(server)
    url = f"{server.endpoint}/v1/{server.project_id}/dev-servers/flavors"
    response = httpx.get(url, headers={"X-Auth-Token": token})

    record = wait_for_access_record(server, response.headers["x-request-id"])

    assert record["status"] == 200
    assert record["route"] == "list_flavors"
    assert record["project_id"] == server.project_id
    assert record["access_key"] is None
    assert record["auth_method"] == "token"


def test_access_line_for_wrong_sk(server: LiveServer) -> None:
    response = signed_get(server, images_path(server), secret_key=WRONG_SK)

    record = wait_for_access_record(server, response.headers["x-request-id"])

    assert record["status"] == 401
    assert record["auth_failure"] == "signature_mismatch"
    assert record["access_key"] == DEMO_AK
    assert record["project_id"] is None


def test_access_line_hides_unknown_access_key(server: LiveServer) -> None:
    # A client that swapped its keys names its secret key as the access key.
    response = signed_get(server, images_path(server), access_key=DEMO_SK, secret_key=DEMO_AK)

    record = wait_for_access_record(server, response.headers["x-request-id"])
    lines = server.log()

    assert record["status"] == 401
    assert record["auth_failure"] == "unknown_access_key"
    assert record["access_key"] == "[unknown]"
    assert DEMO_SK not in lines


def test_access_line_without_credentials(server: LiveServer) -> None:
    response = httpx.get(server.endpoint + images_path(server))

    record = wait_for_access_record(server, response.headers["x-request-id"])

    assert record["status"] == 401
    assert record["auth_failure"] == "missing_credentials"
    assert record["access_key"] is None


def test_access_line_keeps_path_encoded(server: LiveServer) -> None:
    response = httpx.get(server.endpoint + "/no/such%0Apath")

    record = wait_for_access_record(server, response.headers["x-request-id"])

    assert record["status"] == 404
    assert record["route"] == "other"
    assert record["path"] == "/no/such%0Apath"


def test_one_access_line_per_request(server: LiveServer) -> None:
    request_ids = [
        httpx.get(server.endpoint + "/health/ready").headers["x-request-id"] for _ in range(3)
    ]
    wait_for_access_record(server, request_ids[-1])

    logged = [record["request_id"] for record in access_records(server)]

    for request_id in request_ids:
        assert logged.count(request_id) == 1


def test_secret_calls_are_logged(server: LiveServer, secrets_sent: dict[str, str]) -> None:
    failures = [record.get("auth_failure") for record in access_records(server)]

    assert "signature_mismatch" in failures
    assert any(
        record["route"] == "iam" and record["status"] == 401 for record in access_records(server)
    )


@pytest.mark.parametrize(
    "name",
    [
        "demo secret key",
        "wrong secret key",
        "demo password",
        "wrong password",
        "token",
        "temporary secret key",
        "security token",
        "signature",
        "wrong signature",
        "temporary signature",
    ],
)
def test_secret_not_logged(server: LiveServer, secrets_sent: dict[str, str], name: str) -> None:
    output = server.log()

    assert secrets_sent[name] not in output
