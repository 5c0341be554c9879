"""GET /health/live and /health/ready, including a dropped and a hung PostgreSQL database.

By default readiness follows the catalog view, which outlives a database failure, and
the body reports the database state. With LITEIMAGES_READY_REQUIRES_DATABASE the
failure makes the server unready at once.
"""

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
from observability_support import (
    images_path,
    log_records,
    sample,
    scrape,
    signed_get,
    start_seeded_server,
)
from sqlalchemy.engine import make_url

from support.databases import (
    fresh_postgres_database,
    plain_url,
    postgres_admin_url_or_skip,
)
from support.server import LiveServer

REQUEST_ID = re.compile(r"[0-9a-f]{32}")
# The readiness check waits up to 2 s for the database, so a response must come soon after.
READY_LIMIT_S = 5.0
# A check that shares a database read already older than 2 s returns without waiting.
SHARED_CHECK_LIMIT_S = 1.0
# The same setting, as a variable and as an option of `serve`.
STRICT = {"LITEIMAGES_READY_REQUIRES_DATABASE": "1"}
STRICT_OPTION = ("--ready-requires-database",)


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
    return postgres_admin_url_or_skip()


@contextmanager
def server_on_new_database(
    admin_url: str,
    data_dir: Path,
    extra_env: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
) -> Iterator[LiveServer]:
    """Run a seeded server on a new PostgreSQL database, dropped afterwards if still there."""
    with fresh_postgres_database(admin_url) as url:
        server = start_seeded_server(url, data_dir, extra_env=extra_env, extra_args=extra_args)
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


def drop_and_check(admin_url: str, server: LiveServer) -> Dropped:
    """Drop the server's database, asking for readiness before and after.

    A catalog read first puts the demo access key into the server's credential cache,
    which later reads need while the database is gone.
    """
    assert signed_get(server, images_path(server)).status_code == 200
    before = ready(server)
    drop_database(admin_url, server.database_url)
    started = time.monotonic()
    after = ready(server)
    return Dropped(server, before, after, time.monotonic() - started)


@pytest.fixture(scope="module")
def dropped(admin_url: str, postgres_server: LiveServer) -> Dropped:
    """Drop the database of the module's PostgreSQL server."""
    return drop_and_check(admin_url, postgres_server)


@pytest.fixture(scope="module")
def strict_dropped(admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dropped]:
    """Drop the database of a server that requires the database for readiness."""
    data_dir = tmp_path_factory.mktemp("strict")
    with server_on_new_database(admin_url, data_dir, STRICT) as server:
        yield drop_and_check(admin_url, server)


def drop_database(admin_url: str, database_url: str) -> None:
    """Drop the database of `database_url`, closing its connections and refusing new ones."""
    name = make_url(database_url).database
    with psycopg.connect(plain_url(admin_url), autocommit=True) as connection:
        connection.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def ready(server: LiveServer) -> httpx.Response:
    """Send GET /health/ready."""
    return httpx.get(server.endpoint + "/health/ready", timeout=30)


def messages_of(server: LiveServer, start: str) -> list[dict[str, object]]:
    """Return the server's log records whose message starts with `start`."""
    return [record for record in log_records(server) if record["message"].startswith(start)]


def test_live_ok(server: LiveServer) -> None:
    response = httpx.get(server.endpoint + "/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert REQUEST_ID.fullmatch(response.headers["x-request-id"])


def test_ready_ok(server: LiveServer) -> None:
    response = ready(server)
    body = response.json()

    assert response.status_code == 200
    assert body["status"] == "ready"
    assert body["database"] == "ok"
    assert body["max_staleness_seconds"] == 300
    # The server refreshes its view every 0.5 s.
    assert 0 <= body["catalog_age_seconds"] < 2
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
    assert not any(message.startswith("database check") for message in messages)


def test_ready_before_drop(dropped: Dropped) -> None:
    assert dropped.before.status_code == 200
    assert dropped.before.json()["database"] == "ok"


def test_ready_after_drop(dropped: Dropped) -> None:
    response = dropped.after
    name = make_url(dropped.server.database_url).database

    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["database"] == "unavailable"
    assert name
    assert name not in response.text
    assert dropped.seconds_after < READY_LIMIT_S


def test_catalog_served_after_drop(dropped: Dropped) -> None:
    response = signed_get(dropped.server, images_path(dropped.server))

    assert response.status_code == 200
    assert response.json()["total"] > 0


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


def test_database_failure_logged_once(dropped: Dropped) -> None:
    for _ in range(3):
        ready(dropped.server)

    failures = messages_of(dropped.server, "database check failed")
    name = make_url(dropped.server.database_url).database

    assert len(failures) == 1
    assert failures[0]["level"] == "WARNING"
    assert name
    assert name in str(failures[0]["error"])
    assert messages_of(dropped.server, "not ready to serve") == []


def test_strict_503_after_drop(strict_dropped: Dropped) -> None:
    response = strict_dropped.after

    assert strict_dropped.before.status_code == 200
    assert response.status_code == 503
    assert response.json() == {
        "error_code": "ModelArts.0014",
        "error_msg": "The service is not ready: the database check failed",
    }
    assert REQUEST_ID.fullmatch(response.headers["x-request-id"])
    assert strict_dropped.seconds_after < READY_LIMIT_S


def test_strict_catalog_served_after_drop(strict_dropped: Dropped) -> None:
    response = signed_get(strict_dropped.server, images_path(strict_dropped.server))

    assert response.status_code == 200


def test_strict_not_ready_logged(strict_dropped: Dropped) -> None:
    ready(strict_dropped.server)

    warnings = messages_of(strict_dropped.server, "not ready to serve")

    assert len(warnings) == 1
    assert warnings[0]["level"] == "WARNING"
    assert warnings[0]["message"] == "not ready to serve: the database check failed"
    assert warnings[0]["database"] == "unavailable"


@dataclass(frozen=True)
class Hung:
    """A server, two readiness responses while its database hangs, and one afterwards."""

    server: LiveServer
    first: httpx.Response
    first_seconds: float
    second: httpx.Response
    second_seconds: float
    after: httpx.Response


def check_while_hung(server: LiveServer) -> Hung:
    """Ask for readiness twice while a lock blocks the revision counters, then once after."""
    with psycopg.connect(plain_url(server.database_url)) as connection:
        # The lock blocks every read of the revision counters until the transaction ends.
        connection.execute("LOCK TABLE revisions IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        first = ready(server)
        first_seconds = time.monotonic() - started
        started = time.monotonic()
        second = ready(server)
        second_seconds = time.monotonic() - started
        connection.rollback()
    return Hung(server, first, first_seconds, second, second_seconds, ready(server))


@pytest.fixture(scope="module")
def hung(admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hung]:
    """Hang the database of a new server while asking for its readiness."""
    with server_on_new_database(admin_url, tmp_path_factory.mktemp("hung")) as server:
        yield check_while_hung(server)


@pytest.fixture(scope="module")
def strict_hung(admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hung]:
    """Hang the database of a new server that requires the database for readiness."""
    data_dir = tmp_path_factory.mktemp("strict-hung")
    with server_on_new_database(admin_url, data_dir, extra_args=STRICT_OPTION) as server:
        yield check_while_hung(server)


def test_ready_while_database_hangs(hung: Hung) -> None:
    assert hung.first.status_code == 200
    assert hung.first.json()["database"] == "timeout"
    assert 2.0 <= hung.first_seconds < READY_LIMIT_S


def test_shared_check_returns_at_once(hung: Hung) -> None:
    assert hung.second.status_code == 200
    assert hung.second.json()["database"] == "timeout"
    assert hung.second_seconds < SHARED_CHECK_LIMIT_S


def test_database_ok_after_hang(hung: Hung) -> None:
    assert hung.after.status_code == 200
    assert hung.after.json()["database"] == "ok"


def test_hang_logged_once(hung: Hung) -> None:
    messages = [record["message"] for record in log_records(hung.server)]

    assert messages.count("database check timed out after 2 s") == 1
    assert messages.count("database check recovered") == 1
    assert messages.count("ready to serve") == 1


def test_strict_503_while_database_hangs(strict_hung: Hung) -> None:
    assert strict_hung.first.status_code == 503
    assert strict_hung.first.json()["error_msg"] == (
        "The service is not ready: the database did not answer within 2 s"
    )
    assert 2.0 <= strict_hung.first_seconds < READY_LIMIT_S
    assert strict_hung.second.status_code == 503
    assert strict_hung.second_seconds < SHARED_CHECK_LIMIT_S


def test_strict_ready_after_hang(strict_hung: Hung) -> None:
    assert strict_hung.after.status_code == 200
