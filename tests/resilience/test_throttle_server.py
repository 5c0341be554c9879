"""Request limits of a running server: bounded bursts, rejected with 429 APIGW.0308."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from resilience_support import (
    HTTP_TIMEOUT_S,
    Key,
    flavors_path,
    new_demo_project,
    new_reader_key,
    signed_client,
)

from support.server import LiveServer, demo_token, start_server

REQUEST_ID = re.compile(r"[0-9a-f]{32}")
KEY_RATE = 1.0
KEY_BURST = 10
PROJECT_RATE = 1.0
PROJECT_BURST = 15
BURST_REQUESTS = 50
LIMITS = {
    "LITEIMAGES_RATE_LIMIT_KEY": f"{KEY_RATE}/s",
    "LITEIMAGES_RATE_LIMIT_KEY_BURST": str(KEY_BURST),
    "LITEIMAGES_RATE_LIMIT_PROJECT": f"{PROJECT_RATE * 60}/min",
    "LITEIMAGES_RATE_LIMIT_PROJECT_BURST": str(PROJECT_BURST),
}


@pytest.fixture(scope="module")
def limited_server(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Yield a server limited to 1 request/s per key (burst 10) and per project (burst 15)."""
    server = start_server(
        module_database_url,
        tmp_path_factory.mktemp("limited"),
        secrets.token_hex(16),
        extra_env=LIMITS,
    )
    yield server
    server.stop()


@dataclass
class Burst:
    """The responses to a burst of requests and how long it took."""

    responses: list[httpx.Response]
    seconds: float

    def count(self, status: int) -> int:
        return sum(1 for response in self.responses if response.status_code == status)


def burst(clients: list[httpx.Client], path: str, total: int) -> Burst:
    """Send `total` requests, taking the clients in turn, one at a time."""
    started = time.monotonic()
    responses = [clients[index % len(clients)].get(path) for index in range(total)]
    return Burst(responses, time.monotonic() - started)


def refilled(rate: float, seconds: float) -> int:
    """Return the most tokens a bucket can regain in `seconds`, plus one for rounding."""
    return int(rate * seconds) + 1


@dataclass(frozen=True)
class Tenant:
    project_id: str
    keys: list[Key]


def new_tenant(server: LiveServer, keys: int) -> Tenant:
    project_id = new_demo_project(server.database_url)
    return Tenant(
        project_id, [new_reader_key(server.database_url, project_id) for _ in range(keys)]
    )


def test_key_burst_then_throttled(limited_server: LiveServer) -> None:
    tenant = new_tenant(limited_server, 1)
    with signed_client(limited_server, tenant.keys[0], tenant.project_id) as client:
        result = burst([client], flavors_path(tenant.project_id), BURST_REQUESTS)

    assert result.count(200) >= KEY_BURST
    assert result.count(200) <= KEY_BURST + refilled(KEY_RATE, result.seconds)
    assert result.count(200) + result.count(429) == BURST_REQUESTS


def test_throttled_answer_matches_gateway(limited_server: LiveServer) -> None:
    tenant = new_tenant(limited_server, 1)
    with signed_client(limited_server, tenant.keys[0], tenant.project_id) as client:
        result = burst([client], flavors_path(tenant.project_id), KEY_BURST + 5)
    throttled = [response for response in result.responses if response.status_code == 429]

    assert throttled
    for response in throttled:
        body = response.json()
        assert set(body) == {"error_code", "error_msg", "request_id"}
        assert body["error_code"] == "APIGW.0308"
        assert body["error_msg"] == "The throttling threshold has been reached"
        assert REQUEST_ID.fullmatch(body["request_id"])
        assert body["request_id"] == response.headers["x-request-id"]
        assert response.headers["retry-after"] == "1"
        assert response.headers["content-type"] == "application/json"


def test_served_again_after_retry_after(limited_server: LiveServer) -> None:
    tenant = new_tenant(limited_server, 1)
    path = flavors_path(tenant.project_id)
    with signed_client(limited_server, tenant.keys[0], tenant.project_id) as client:
        last = burst([client], path, KEY_BURST + 5).responses[-1]
        time.sleep(int(last.headers["retry-after"]))
        after = client.get(path)

    assert last.status_code == 429
    assert after.status_code == 200


def test_project_limit_spans_keys(limited_server: LiveServer) -> None:
    tenant = new_tenant(limited_server, 3)
    clients = [signed_client(limited_server, key, tenant.project_id) for key in tenant.keys]
    try:
        result = burst(clients, flavors_path(tenant.project_id), BURST_REQUESTS)
    finally:
        for client in clients:
            client.close()

    # Three keys could pass 30 requests on their own limits; the project allows 15.
    assert result.count(200) >= PROJECT_BURST
    assert result.count(200) <= PROJECT_BURST + refilled(PROJECT_RATE, result.seconds)


def test_key_rejection_spares_project(limited_server: LiveServer) -> None:
    tenant = new_tenant(limited_server, 2)
    path = flavors_path(tenant.project_id)
    with signed_client(limited_server, tenant.keys[0], tenant.project_id) as first:
        first_burst = burst([first], path, 30)
    with signed_client(limited_server, tenant.keys[1], tenant.project_id) as second:
        second_burst = burst([second], path, 30)
    seconds = first_burst.seconds + second_burst.seconds

    # The first key's 20 rejected requests took no project tokens, so 5 are left.
    assert second_burst.count(200) >= PROJECT_BURST - KEY_BURST
    assert second_burst.count(200) <= PROJECT_BURST - KEY_BURST + refilled(PROJECT_RATE, seconds)


def test_token_caller_limited_per_user(limited_server: LiveServer) -> None:
    headers = {"X-Auth-Token": demo_token(limited_server, timeout=HTTP_TIMEOUT_S)}
    with httpx.Client(
        base_url=limited_server.endpoint, headers=headers, timeout=HTTP_TIMEOUT_S
    ) as client:
        result = burst([client], flavors_path(limited_server.project_id), 30)

    assert result.count(200) >= KEY_BURST
    assert result.count(200) <= KEY_BURST + refilled(KEY_RATE, result.seconds)


def test_limits_split_among_workers(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    limits = {"LITEIMAGES_RATE_LIMIT_KEY": "2/s", "LITEIMAGES_RATE_LIMIT_KEY_BURST": "10"}
    server = start_server(
        module_database_url,
        tmp_path_factory.mktemp("workers"),
        secrets.token_hex(16),
        workers=2,
        extra_env=limits,
    )
    try:
        tenant = new_tenant(server, 1)
        # A new connection per request lets either worker take it.
        with signed_client(server, tenant.keys[0], tenant.project_id, keep_alive=False) as client:
            result = burst([client], flavors_path(tenant.project_id), 40)
    finally:
        server.stop()

    # Each worker allows a burst of 5 at 1/s, so the pair never passes more than 10.
    assert result.count(200) >= 5
    assert result.count(200) <= 10 + refilled(2.0, result.seconds)
    assert result.count(200) + result.count(429) == 40
