"""GET /health/live and /health/ready, including a dropped and a hung PostgreSQL database."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from observability_support import log_records, sample, scrape, start_seeded_server
from sqlalchemy.engine import make_url

from support.databases import fresh_postgres_database, postgres_admin_url, postgres_required
from support.server import LiveServer

REQUEST_ID = re.compile(r"[0-9a-f]{32}")
# The readiness check gives the database 2 s; a 503 must come soon after that.
READY_LIMIT_S = 5.0


@pytest.fixture(scope="module")
def server(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Yield a seeded server."""
    server = start_seeded_server(module_database_url, tmp_path_factory.mktemp("health"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def admin_url() -> str:
    """Return the URL that PostgreSQL test databases are created from, or skip."""
    url = postgres_admin_url()
    if url is None:
        message = "LITEIMAGES_TEST_POSTGRES_URL is not set"
        if postgres_required():
            pytest.fail(f"PostgreSQL is required but {message}")
        pytest.skip(message)
    return url


@contextmanager
def server_on_new_database(admin_url: str, data_dir: Path) -> Iterator[LiveServer]:
    """Run a seeded server on a new PostgreSQL database, dropped afterwards if still there."""
    with fresh_postgres_database(admin_url) as url:
        server = start_seeded_server(url, data_dir)
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def postgres_server(
    admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Yield a seeded server on a PostgreSQL database of this module alone."""
    with server_on_new_database(admin_url, tmp_path_factory.mktemp("postgres")) as server:
        yield server


@dataclass(frozen=True)
class Dropped:
    """A server whose database was dropped, and its readiness before and after."""

    server: LiveServer
    before: httpx.Response
    after: httpx.Response
    seconds_after: float


@pytest.fixture(scope="module")
def dropped(admin_url: str, postgres_server: LiveServer) -> Dropped:
    """Drop the server's database, asking for readiness before and after."""
    before = ready(postgres_server)
    drop_database(admin_url, postgres_server.database_url)
    started = time.monotonic()
    after = ready(postgres_server)
    return Dropped(postgres_server, before, after, time.monotonic() - started)


def plain_url(url: str) -> str:
    """Return a SQLAlchemy PostgreSQL URL in the form psycopg accepts."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def drop_database(admin_url: str, database_url: str) -> None:
    """Drop the database of `database_url`, closing its connections and refusing new ones."""
    name = make_url(database_url).database
    with psycopg.connect(plain_url(admin_url), autocommit=True) as connection:
        connection.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def ready(server: LiveServer) -> httpx.Response:
    """Send GET /health/ready."""
    return httpx.get(server.endpoint + "/health/ready", timeout=30)


def test_live_ok(server: LiveServer) -> None:
    response = httpx.get(server.endpoint + "/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert REQUEST_ID.fullmatch(response.headers["x-request-id"])


def test_ready_ok(server: LiveServer) -> None:
    response = ready(server)

    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert REQUEST_ID.fullmatch(response.headers["x-request-id"])


def test_ready_names_revision(server: LiveServer) -> None:
    revision = sample(scrape(server), "liteimages_catalog_revision")

    body = ready(server).json()

    assert body["catalog_revision"] == revision


def test_ready_logged_once(server: LiveServer) -> None:
    for _ in range(3):
        ready(server)

    messages = [record["message"] for record in log_records(server)]

    assert messages.count("ready to serve") == 1


def test_ready_before_drop(dropped: Dropped) -> None:
    assert dropped.before.status_code == 200


def test_ready_503_after_drop(dropped: Dropped) -> None:
    response = dropped.after

    assert response.status_code == 503
    assert response.json()["error_code"] == "ModelArts.0014"
    assert response.json()["error_msg"] == "The service is not ready: the database check failed"
    assert REQUEST_ID.fullmatch(response.headers["x-request-id"])
    assert dropped.seconds_after < READY_LIMIT_S


def test_live_ok_after_drop(dropped: Dropped) -> None:
    response = httpx.get(dropped.server.endpoint + "/health/live")

    assert response.status_code == 200


def test_refresh_failures_after_drop(dropped: Dropped) -> None:
    deadline = time.monotonic() + READY_LIMIT_S
    failed = sample(scrape(dropped.server), "liteimages_catalog_refreshes_total", result="failed")
    while failed == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
        failed = sample(
            scrape(dropped.server), "liteimages_catalog_refreshes_total", result="failed"
        )

    assert failed > 0


def test_not_ready_logged(dropped: Dropped) -> None:
    ready(dropped.server)

    warnings = [
        record
        for record in log_records(dropped.server)
        if record["message"].startswith("not ready to serve")
    ]

    assert len(warnings) == 1
    assert warnings[0]["level"] == "WARNING"
    assert warnings[0]["error"]


@pytest.fixture
def hung_server(admin_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """Yield a seeded server on a PostgreSQL database of this test alone."""
    with server_on_new_database(admin_url, tmp_path) as server:
        yield server


def test_ready_503_while_database_hangs(hung_server: LiveServer) -> None:
    with psycopg.connect(plain_url(hung_server.database_url)) as connection:
        # The lock blocks every read of the revision counters until the transaction ends.
        connection.execute("LOCK TABLE revisions IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        hung = ready(hung_server)
        elapsed = time.monotonic() - started
        connection.rollback()

    assert hung.status_code == 503
    assert hung.json()["error_msg"] == (
        "The service is not ready: the database did not answer within 2 s"
    )
    assert 2.0 <= elapsed < READY_LIMIT_S
    assert ready(hung_server).status_code == 200
