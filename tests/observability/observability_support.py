"""Helpers of the observability tests: seeded servers, signed calls, log lines and metrics.

The servers here are started without `--demo`: the demo account is seeded in process
first, so that the server never prints the demo credentials and everything in its
output is log lines.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
from prometheus_client.parser import text_string_to_metric_families

from liteimages.db.engine import Database
from liteimages.db.migrate import upgrade
from liteimages.demo import seed_demo
from liteimages.identity.secretbox import SecretBox
from liteimages.signing import SignableRequest, sign
from support.server import (
    DEMO_AK,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DEMO_SK,
    DEMO_USER,
    SECRET_KEY,
    LiveServer,
    server_env,
    start_server,
)

# Access lines are written after the response, so a test waits this long for one.
LOG_TIMEOUT_S = 10.0
# The server reloads its catalog view every 0.5 s, so a change shows well within this time.
RELOAD_TIMEOUT_S = 10.0

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def start_seeded_server(
    database_url: str,
    data_dir: Path,
    *,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
) -> LiveServer:
    """Seed the demo account and catalog, then start a server that prints no credentials."""
    project_id = secrets.token_hex(16)
    database = Database(database_url)
    try:
        upgrade(database.engine)
        seed_demo(database, SecretBox(SECRET_KEY.encode("ascii")), server_env(project_id))
    finally:
        database.dispose()
    # The access log is off by default, so these servers turn it on unless extra_env sets it.
    env = {"LITEIMAGES_ACCESS_LOG": "1", **(extra_env or {})}
    return start_server(
        database_url,
        data_dir,
        project_id,
        workers=workers,
        demo=False,
        extra_env=env,
        extra_args=extra_args,
    )


def images_path(server: LiveServer) -> str:
    """Return the path of the demo project's image list."""
    return f"/v1/{server.project_id}/dev-servers/images"


def signed_headers(
    server: LiveServer,
    path: str,
    access_key: str = DEMO_AK,
    secret_key: str = DEMO_SK,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Return the headers of a GET of `path` signed like the SDK signs it."""
    headers = {
        "host": f"127.0.0.1:{server.port}",
        "content-type": "application/json",
        "x-project-id": server.project_id,
        **(extra or {}),
    }
    headers.update(sign(SignableRequest("GET", path, "", headers), access_key, secret_key))
    return headers


def signed_get(
    server: LiveServer,
    path: str,
    access_key: str = DEMO_AK,
    secret_key: str = DEMO_SK,
    extra: dict[str, str] | None = None,
) -> httpx.Response:
    """Send a signed GET of `path`."""
    headers = signed_headers(server, path, access_key, secret_key, extra)
    return httpx.get(server.endpoint + path, headers=headers)


def login_body(server: LiveServer, password: str = DEMO_PASSWORD) -> dict[str, Any]:
    """Return a password-method token request for the demo user."""
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": DEMO_USER,
                        "password": password,
                        "domain": {"name": DEMO_DOMAIN},
                    }
                },
            },
            "scope": {"project": {"id": server.project_id}},
        }
    }


def password_login(server: LiveServer, password: str = DEMO_PASSWORD) -> httpx.Response:
    """Send POST /v3/auth/tokens with the demo user's name and `password`."""
    return httpx.post(server.endpoint + "/v3/auth/tokens", json=login_body(server, password))


def demo_token(server: LiveServer) -> str:
    """Return a new token of the demo user."""
    response = password_login(server)
    assert response.status_code == 201, response.text
    return response.headers["x-subject-token"]


def log_records(server: LiveServer) -> list[dict[str, Any]]:
    """Return every line the server wrote, each decoded as a JSON object."""
    return [orjson.loads(line) for line in server.log().splitlines() if line.strip()]


def access_records(server: LiveServer) -> Iterator[dict[str, Any]]:
    """Yield the access lines among the server's JSON log lines."""
    return (record for record in log_records(server) if record["logger"] == "liteimages.access")


def wait_for_access_record(server: LiveServer, request_id: str) -> dict[str, Any]:
    """Return the access line of `request_id`, waiting for the server to write it."""
    deadline = time.monotonic() + LOG_TIMEOUT_S
    while True:
        for record in access_records(server):
            if record["request_id"] == request_id:
                return record
        if time.monotonic() > deadline:
            raise AssertionError(f"no access line for request {request_id}:\n{server.log()}")
        time.sleep(0.05)


def scrape(server: LiveServer) -> Samples:
    """Return every sample of GET /metrics by name and labels."""
    response = httpx.get(server.endpoint + "/metrics")
    assert response.status_code == 200, response.text
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def sample(samples: Samples, name: str, **labels: str) -> float:
    """Return the value of one sample, or 0 if the server does not export it yet."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def wait_for_sample(server: LiveServer, name: str, expected: float, **labels: str) -> float:
    """Scrape until the sample equals `expected`, and return its last value."""
    deadline = time.monotonic() + RELOAD_TIMEOUT_S
    value = sample(scrape(server), name, **labels)
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        value = sample(scrape(server), name, **labels)
    return value
