"""Signature lockout across two server processes that share one database."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import httpx
import pytest
from resilience_support import Key, flavors_path, new_reader_key, signed_client

from support.server import LiveServer, start_server

LOCKED = "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden"
SIGNATURE_FAIL = "Incorrect IAM authentication information: verify aksk signature fail"
# Workers reload the lockouts within one 0.5 s revision poll of a change.
PROPAGATION_BOUND_S = 1.0


@pytest.fixture(scope="module")
def two_servers(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Yield two server processes on one database, with one demo project."""
    project_id = secrets.token_hex(16)
    first = start_server(module_database_url, tmp_path_factory.mktemp("a"), project_id)
    try:
        second = start_server(module_database_url, tmp_path_factory.mktemp("b"), project_id)
    except BaseException:
        first.stop()
        raise
    yield first, second
    second.stop()
    first.stop()


def wrong(key: Key) -> Key:
    return Key(key.access_key, key.secret_key[::-1])


def call(server: LiveServer, key: Key) -> httpx.Response:
    with signed_client(server, key) as client:
        return client.get(flavors_path(server.project_id))


def fail(server: LiveServer, key: Key, times: int) -> None:
    for _ in range(times):
        response = call(server, wrong(key))
        assert response.status_code == 401
        assert response.json()["error_msg"] == SIGNATURE_FAIL


def check_locked(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error_code"] == "APIGW.0301"
    assert response.json()["error_msg"] == LOCKED
    assert 298 <= int(response.headers["retry-after"]) <= 300


def test_lock_reaches_other_server(two_servers: tuple[LiveServer, LiveServer]) -> None:
    first, second = two_servers
    key = new_reader_key(first.database_url, first.project_id)
    other = new_reader_key(first.database_url, first.project_id)
    fail(first, key, 5)
    time.sleep(PROPAGATION_BOUND_S)

    refused = call(second, key)

    check_locked(refused)
    check_locked(call(first, key))
    assert call(second, other).status_code == 200


def test_failures_add_up_across_servers(two_servers: tuple[LiveServer, LiveServer]) -> None:
    first, second = two_servers
    key = new_reader_key(first.database_url, first.project_id)
    fail(first, key, 4)
    time.sleep(PROPAGATION_BOUND_S)

    fifth = call(second, wrong(key))
    assert fifth.json()["error_msg"] == SIGNATURE_FAIL
    check_locked(call(second, key))
    time.sleep(PROPAGATION_BOUND_S)
    check_locked(call(first, key))


def test_success_elsewhere_resets_count(two_servers: tuple[LiveServer, LiveServer]) -> None:
    first, second = two_servers
    key = new_reader_key(first.database_url, first.project_id)
    fail(first, key, 4)
    time.sleep(PROPAGATION_BOUND_S)
    assert call(second, key).status_code == 200
    time.sleep(PROPAGATION_BOUND_S)

    fail(first, key, 4)

    assert call(first, key).status_code == 200
