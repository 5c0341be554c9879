"""GET /health/ready of a live server through a database outage, with a 3 s max staleness.

During the outage the server keeps serving catalog reads from memory, and readiness
must match: 200 with the database reported unavailable, then 503 once the view
is older than the max staleness, at the moment catalog reads start failing. Each
outage affects only a database that the test created:

- `revisions`: the revision counters table is renamed away, on SQLite and PostgreSQL,
  so every refresh and database check fails with a missing table.
- `connections`: the PostgreSQL database refuses new connections and its open ones are
  terminated, so the server cannot connect at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from observability_support import images_path, log_records, signed_headers, start_seeded_server
from sqlalchemy import text
from sqlalchemy.engine import make_url

from liteimages.db.engine import Database
from support.databases import (
    fresh_postgres_database,
    plain_url,
    postgres_admin_url_or_skip,
    sqlite_url,
)
from support.server import LiveServer

MAX_STALENESS_S = 3.0
POLL_INTERVAL_S = 0.5
# Pause between two samples of a catalog read and a readiness check.
SAMPLE_PAUSE_S = 0.1
# Readiness checks that must return 503 before the outage ends, so that the state is
# seen to hold.
STALE_SAMPLES = 5
# Maximum seconds after the view has become stale until readiness returns 503.
STALE_MARGIN_S = 1.5
# Allowance, not a measured bound, for a poll or a response that is late because other
# tests and servers share the CPU (pytest -n 2).
TIMING_TOLERANCE_S = 1.0
# The server polls every 0.5 s and reconnects on the first poll after the outage.
RECOVERY_S = 5.0
HTTP_TIMEOUT_S = 10.0
READY_FIELDS = {
    "status",
    "catalog_revision",
    "catalog_age_seconds",
    "max_staleness_seconds",
    "database",
}
UNAVAILABLE = "ModelArts.0014"

Outage = Callable[[str], AbstractContextManager[None]]


@dataclass(frozen=True)
class Sample:
    """A catalog read and then a readiness check, with monotonic times around both."""

    started: float
    read: httpx.Response
    ready: httpx.Response
    finished: float


@dataclass(frozen=True)
class Run:
    """A server, the samples taken before, during and after its outage, and its times."""

    server: LiveServer
    before: Sample
    outage_started: float
    during: list[Sample]
    after: Sample
    recovery_seconds: float


@contextmanager
def revisions_missing(database_url: str) -> Iterator[None]:
    """Rename the revisions table away for the duration of the block."""
    database = Database(database_url)
    try:
        with database.engine.begin() as connection:
            connection.execute(text("ALTER TABLE revisions RENAME TO revisions_away"))
        yield
        with database.engine.begin() as connection:
            connection.execute(text("ALTER TABLE revisions_away RENAME TO revisions"))
    finally:
        database.dispose()


def postgres_connections_refused(admin_url: str) -> Outage:
    """Return an outage that shuts one PostgreSQL database off from every client."""

    @contextmanager
    def outage(database_url: str) -> Iterator[None]:
        name = make_url(database_url).database
        with psycopg.connect(plain_url(admin_url), autocommit=True) as connection:
            connection.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )
            try:
                yield
            finally:
                connection.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')

    return outage


def take_sample(server: LiveServer, client: httpx.Client) -> Sample:
    """Send a signed catalog read, then GET /health/ready."""
    path = images_path(server)
    started = time.monotonic()
    read = client.get(path, headers=signed_headers(server, path))
    ready = client.get("/health/ready")
    return Sample(started, read, ready, time.monotonic())


def run_outage(server: LiveServer, outage: Outage) -> Run:
    """Sample the server before, during and after an outage of its database."""
    with httpx.Client(base_url=server.endpoint, timeout=HTTP_TIMEOUT_S) as client:
        # The first read also puts the demo access key into the credential cache.
        before = take_sample(server, client)
        during: list[Sample] = []
        with outage(server.database_url):
            outage_started = time.monotonic()
            deadline = outage_started + MAX_STALENESS_S + STALE_MARGIN_S + 2.0
            while time.monotonic() < deadline:
                during.append(take_sample(server, client))
                if sum(s.ready.status_code == 503 for s in during) >= STALE_SAMPLES:
                    break
                time.sleep(SAMPLE_PAUSE_S)
        recovery_started = time.monotonic()
        after = take_sample(server, client)
        while not is_recovered(after) and time.monotonic() < recovery_started + RECOVERY_S:
            time.sleep(SAMPLE_PAUSE_S)
            after = take_sample(server, client)
    recovery_seconds = time.monotonic() - recovery_started
    return Run(server, before, outage_started, during, after, recovery_seconds)


def is_recovered(sample: Sample) -> bool:
    ready = sample.ready
    fresh = sample.read.status_code == 200 and ready.status_code == 200
    return fresh and ready.json()["database"] == "ok"


def start_server(database_url: str, data_dir: Path) -> LiveServer:
    extra_env = {"LITEIMAGES_MAX_STALENESS": str(MAX_STALENESS_S)}
    return start_seeded_server(database_url, data_dir, extra_env=extra_env)


OUTAGES = [
    "sqlite-revisions",
    pytest.param("postgres-revisions", marks=pytest.mark.postgres),
    pytest.param("postgres-connections", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="module", params=OUTAGES)
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Start a server on a new database, run one kind of outage, and stop the server."""
    data_dir = tmp_path_factory.mktemp("readiness")
    if request.param == "sqlite-revisions":
        server = start_server(sqlite_url(data_dir), data_dir)
        try:
            yield run_outage(server, revisions_missing)
        finally:
            server.stop()
        return
    admin_url = postgres_admin_url_or_skip()
    outage: Outage = revisions_missing
    if request.param == "postgres-connections":
        outage = postgres_connections_refused(admin_url)
    with fresh_postgres_database(admin_url) as url:
        server = start_server(url, data_dir)
        try:
            yield run_outage(server, outage)
        finally:
            server.stop()


def body(response: httpx.Response) -> dict[str, Any]:
    result: dict[str, Any] = response.json()
    return result


def first_unready(run: Run) -> Sample:
    return next(s for s in run.during if s.ready.status_code == 503)


def test_ready_before_outage(run: Run) -> None:
    assert run.before.read.status_code == 200
    assert run.before.ready.status_code == 200
    assert body(run.before.ready)["database"] == "ok"


def test_ready_while_view_fresh(run: Run) -> None:
    fresh_until = run.outage_started + MAX_STALENESS_S - POLL_INTERVAL_S - TIMING_TOLERANCE_S
    fresh = [s for s in run.during if s.finished < fresh_until]

    assert len(fresh) >= 5
    assert {s.ready.status_code for s in fresh} == {200}
    assert {body(s.ready)["database"] for s in fresh} == {"unavailable"}
    assert {s.read.status_code for s in fresh} == {200}


def test_ready_body_fields_during_outage(run: Run) -> None:
    ready = [s.ready for s in run.during if s.ready.status_code == 200]

    assert ready
    assert {frozenset(body(response)) for response in ready} == {frozenset(READY_FIELDS)}
    assert {body(response)["max_staleness_seconds"] for response in ready} == {MAX_STALENESS_S}


def test_age_counts_from_outage(run: Run) -> None:
    ready = [s for s in run.during if s.ready.status_code == 200]

    for sample in ready:
        age = body(sample.ready)["catalog_age_seconds"]
        # The last successful refresh ended about one poll interval before the outage.
        assert age >= sample.started - run.outage_started - TIMING_TOLERANCE_S
        assert age <= sample.finished - run.outage_started + POLL_INTERVAL_S + TIMING_TOLERANCE_S


def test_unready_once_stale(run: Run) -> None:
    unready = first_unready(run)
    since_outage = unready.finished - run.outage_started
    error = body(unready.ready)

    assert since_outage >= MAX_STALENESS_S - POLL_INTERVAL_S - TIMING_TOLERANCE_S
    assert since_outage <= MAX_STALENESS_S + STALE_MARGIN_S
    assert set(error) == {"error_code", "error_msg"}
    assert error["error_code"] == UNAVAILABLE
    assert error["error_msg"].startswith(
        "The service is not ready: the catalog view was last refreshed "
    )
    assert error["error_msg"].endswith(" s ago, more than the max staleness of 3 s")
    assert len(unready.ready.headers["x-request-id"]) == 32


def test_stays_unready_while_stale(run: Run) -> None:
    unready = first_unready(run)
    checks = [s.ready for s in run.during if s.started >= unready.started]
    # The read of the first unready sample came before its check, when the view may
    # still have been fresh.
    reads = [s.read for s in run.during if s.started > unready.started]

    assert len(checks) >= STALE_SAMPLES
    assert {response.status_code for response in checks} == {503}
    assert reads
    assert {response.status_code for response in reads} == {503}
    assert {body(response)["error_code"] for response in reads} == {UNAVAILABLE}


@pytest.mark.parametrize("stage", ["before", "during", "after"])
def test_ready_matches_reads(run: Run, stage: str) -> None:
    samples = {"before": [run.before], "during": run.during, "after": [run.after]}[stage]

    # The read comes first, so a fresh view at the check means a fresh view at the read,
    # and a stale view at the read means a stale view at the check.
    for sample in samples:
        if sample.ready.status_code == 200:
            assert sample.read.status_code == 200
        if sample.read.status_code == 503:
            assert sample.ready.status_code == 503


def test_ready_after_outage(run: Run) -> None:
    assert run.after.ready.status_code == 200
    assert body(run.after.ready)["database"] == "ok"
    assert body(run.after.ready)["catalog_age_seconds"] < POLL_INTERVAL_S + 1.0
    assert run.after.read.status_code == 200
    assert run.recovery_seconds < RECOVERY_S


def test_outage_logged_once_per_change(run: Run) -> None:
    records = log_records(run.server)
    messages = [record["message"] for record in records]
    failures = [record for record in records if record["message"] == "database check failed"]
    unready = [m for m in messages if m.startswith("not ready to serve: ")]

    assert len(failures) == 1
    assert failures[0]["level"] == "WARNING"
    assert failures[0]["error"]
    assert len(unready) == 1
    assert unready[0].startswith("not ready to serve: the catalog view was last refreshed ")
    assert messages.count("ready to serve") == 2
    assert messages.count("database check recovered") == 1


def test_logged_error_kept_out_of_bodies(run: Run) -> None:
    records = log_records(run.server)
    error = next(r["error"] for r in records if r["message"] == "database check failed")
    responses = [s.ready for s in run.during] + [run.after.ready]

    name = make_url(run.server.database_url).database

    assert error
    assert name
    assert all(error not in response.text for response in responses)
    assert all(name not in response.text for response in responses)
    assert all("revisions" not in response.text for response in responses)
