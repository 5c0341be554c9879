"""Every error of the catalog API reaches stderr with status, code, message and request id."""

from __future__ import annotations

import re

import pytest
from cli_remote_support import Run, run_cli
from click.testing import Result

from support.server import DEMO_AK, DEMO_SK, LiveServer, free_port

MISSING_IMAGE_ID = "00000000-0000-4000-8000-000000000000"
REQUEST_ID = re.compile(r"\(request id [0-9a-f]{32}\)")


def assert_clean_failure(result: Result, exit_code: int) -> None:
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "status", "code", "message"),
    [
        (("images", "show", MISSING_IMAGE_ID), 404, "ModelArts.5058", MISSING_IMAGE_ID),
        (("images", "show", "not-a-uuid"), 400, "ModelArts.0101", "Invalid argument"),
        (("images", "list", "--flavor-name", "no.such.flavor"), 400, "ModelArts.0101", "no.such"),
        (("images", "list", "--limit", "5000"), 400, "ModelArts.0101", "limit"),
        (("images", "list", "--offset", "-1"), 400, "ModelArts.0101", "offset"),
        (("flavors", "list", "--limit", "0"), 400, "ModelArts.0101", "limit"),
    ],
)
def test_api_error_reported(
    remote: Run, args: tuple[str, ...], status: int, code: str, message: str
) -> None:
    result = remote(*args)
    assert_clean_failure(result, 1)
    assert f"Error: HTTP {status} {code}: " in result.stderr
    assert message in result.stderr
    assert REQUEST_ID.search(result.stderr)


def test_wrong_secret_key_rejected(remote: Run) -> None:
    result = remote("images", "list", HUAWEICLOUD_SDK_SK="wrong-secret-key-0123456789abcdef")
    assert_clean_failure(result, 1)
    assert "Error: HTTP 401 APIGW.0301: " in result.stderr
    assert "verify aksk signature fail" in result.stderr
    assert REQUEST_ID.search(result.stderr)
    assert "wrong-secret-key" not in result.output


def test_unknown_access_key_rejected(remote: Run) -> None:
    result = remote("images", "list", "--ak", "UNKNOWNACCESSKEY0001")
    assert_clean_failure(result, 1)
    assert "Error: HTTP 401 APIGW.0301: " in result.stderr
    assert "UNKNOWNACCESSKEY0001 not exist" in result.stderr


def test_bad_token_rejected(live_server: LiveServer) -> None:
    env = {
        "LITEIMAGES_ENDPOINT": live_server.endpoint,
        "HUAWEICLOUD_SDK_PROJECT_ID": live_server.project_id,
        "LITEIMAGES_TOKEN": "not-a-token",
    }
    result = run_cli(["images", "list"], env)
    assert_clean_failure(result, 1)
    assert "Error: HTTP 401 APIGW.0301: " in result.stderr


def test_foreign_project_forbidden(remote: Run) -> None:
    result = remote("images", "list", "--project-id", "0" * 32)
    assert_clean_failure(result, 1)
    assert "Error: HTTP 403 ModelArts.0108: " in result.stderr
    assert REQUEST_ID.search(result.stderr)


def test_no_credentials_config_error(live_server: LiveServer) -> None:
    env = {"LITEIMAGES_ENDPOINT": live_server.endpoint, "HUAWEICLOUD_SDK_PROJECT_ID": "p1"}
    result = run_cli(["images", "list"], env)
    assert_clean_failure(result, 2)
    assert "Error: no credentials" in result.stderr


def test_no_endpoint_config_error() -> None:
    result = run_cli(["images", "list"], {"HUAWEICLOUD_SDK_AK": DEMO_AK})
    assert_clean_failure(result, 2)
    assert "Error: no endpoint" in result.stderr


def test_no_project_config_error(live_server: LiveServer) -> None:
    env = {
        "LITEIMAGES_ENDPOINT": live_server.endpoint,
        "HUAWEICLOUD_SDK_AK": DEMO_AK,
        "HUAWEICLOUD_SDK_SK": DEMO_SK,
    }
    result = run_cli(["flavors", "list"], env)
    assert_clean_failure(result, 2)
    assert "Error: no project id" in result.stderr


def test_unreachable_endpoint_reported() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    env = {
        "LITEIMAGES_ENDPOINT": endpoint,
        "HUAWEICLOUD_SDK_AK": DEMO_AK,
        "HUAWEICLOUD_SDK_SK": DEMO_SK,
        "HUAWEICLOUD_SDK_PROJECT_ID": "p1",
    }
    result = run_cli(["images", "list"], env)
    assert_clean_failure(result, 1)
    assert f"Error: failed to connect to {endpoint}" in result.stderr
    assert DEMO_SK not in result.output


def test_invalid_endpoint_config_error() -> None:
    env = {
        "LITEIMAGES_ENDPOINT": "ftp://127.0.0.1:9",
        "HUAWEICLOUD_SDK_AK": DEMO_AK,
        "HUAWEICLOUD_SDK_SK": DEMO_SK,
        "HUAWEICLOUD_SDK_PROJECT_ID": "p1",
    }
    result = run_cli(["images", "list"], env)
    assert_clean_failure(result, 2)
    assert "Error: invalid endpoint 'ftp://127.0.0.1:9'" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("images", "list", "--server-type", "XYZ"),
        ("images", "list", "--limit", "ten"),
        ("images", "show"),
    ],
)
def test_usage_error_exit_two(remote: Run, args: tuple[str, ...]) -> None:
    result = remote(*args)
    assert_clean_failure(result, 2)
