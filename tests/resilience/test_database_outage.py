"""A database outage under load: a private PostgreSQL cluster is stopped and started again.

While the database is down the server must respond to every request within the client
timeout. Catalog reads are served from memory until the view is older than the max
staleness, and then fail with 503 ModelArts.0014. Writes fail with 503 and leave
nothing half-written. Once the database is
back, the same process serves and accepts fresh data again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from resilience_support import (
    HTTP_TIMEOUT_S,
    Key,
    PrivatePostgres,
    flavors_path,
    images_path,
    signed_client,
)
from sqlalchemy import text

from liteimages.catalog.enums import Arch, ServerType
from liteimages.catalog.service import ImageSpec, add_image
from liteimages.db.engine import Database
from support.server import (
    DEMO_AK,
    DEMO_SK,
    LiveServer,
    demo_login,
    start_server,
)

MAX_STALENESS_S = 3.0
BEFORE_S = 2.0
OUTAGE_S = 7.0
AFTER_S = 4.0
# Pause between two requests of one client thread, so that the load leaves CPU to the server.
PAUSE_S = 0.02
TOKEN_PAUSE_S = 0.2
# The server polls every 0.5 s and reconnects on the first poll after the database is back.
RECOVERY_S = 2.0
UNAVAILABLE = "ModelArts.0014"


@dataclass(frozen=True)
class Outcome:
    """One request of the load: what was sent, when, and what came back."""

    kind: str
    started: float
    finished: float
    status: int | None
    error_code: str | None
    failure: str | None
    name: str | None


@dataclass
class Timeline:
    """Monotonic times of the outage, taken around the pg_ctl calls."""

    stop_begin: float = 0.0
    stop_end: float = 0.0
    start_begin: float = 0.0
    start_end: float = 0.0


class Load:
    """Client threads that send requests until stopped and record every outcome."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.clients: list[httpx.Client] = []

    def add(
        self,
        kind: str,
        send: Callable[[int], tuple[httpx.Response, str | None]],
        pause: float = PAUSE_S,
    ) -> None:
        thread = threading.Thread(target=self._run, args=(kind, send, pause), daemon=True)
        self._threads.append(thread)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=HTTP_TIMEOUT_S * 3)
        for client in self.clients:
            client.close()

    def of(self, kind: str, begin: float = 0.0, end: float = float("inf")) -> list[Outcome]:
        """Return the outcomes of `kind` whose request started after `begin` and ended by `end`."""
        return [
            o for o in self.outcomes if o.kind == kind and begin <= o.started and o.finished <= end
        ]

    def _run(
        self, kind: str, send: Callable[[int], tuple[httpx.Response, str | None]], pause: float
    ) -> None:
        sequence = 0
        while not self._stop.is_set():
            sequence += 1
            started = time.monotonic()
            try:
                response, name = send(sequence)
            except httpx.HTTPError as error:
                outcome = Outcome(kind, started, time.monotonic(), None, None, repr(error), None)
            else:
                code = _error_code(response)
                outcome = Outcome(
                    kind, started, time.monotonic(), response.status_code, code, None, name
                )
            with self._lock:
                self.outcomes.append(outcome)
            time.sleep(pause)


def _error_code(response: httpx.Response) -> str | None:
    if response.status_code < 400:
        return None
    try:
        return str(response.json().get("error_code"))
    except ValueError:
        return "not JSON: " + response.text[:100]


@dataclass
class Run:
    """The server, its database and the results of one outage under load."""

    server: LiveServer
    load: Load
    timeline: Timeline
    prefix: str
    flavor: str


@pytest.fixture(scope="module")
def outage(
    private_postgres: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Run]:
    """Run the load, stop the cluster for OUTAGE_S seconds, start it, and stop the load."""
    url = private_postgres.create_database()
    server = start_server(
        url,
        tmp_path_factory.mktemp("outage"),
        secrets.token_hex(16),
        extra_env={"LITEIMAGES_MAX_STALENESS": str(MAX_STALENESS_S)},
    )
    try:
        yield _run_outage(server, private_postgres)
    finally:
        server.stop()


def _run_outage(server: LiveServer, cluster: PrivatePostgres) -> Run:
    demo = Key(DEMO_AK, DEMO_SK)
    prefix = f"outage-{secrets.token_hex(3)}"
    with signed_client(server, demo) as client:
        flavor = client.get(flavors_path(server.project_id)).json()["data"][0]["flavor"]
    token = httpx.post(f"{server.endpoint}/v3/auth/tokens", json=demo_login(server.project_id))
    assert token.status_code == 201, token.text
    load = Load()
    _add_clients(load, server, demo, token.headers["X-Subject-Token"], prefix, flavor)
    timeline = Timeline()
    load.start()
    try:
        time.sleep(BEFORE_S)
        timeline.stop_begin = time.monotonic()
        cluster.stop("fast")
        timeline.stop_end = time.monotonic()
        time.sleep(OUTAGE_S)
        timeline.start_begin = time.monotonic()
        cluster.start()
        timeline.start_end = time.monotonic()
        time.sleep(AFTER_S)
    finally:
        load.stop()
    return Run(server, load, timeline, prefix, flavor)


def _add_clients(
    load: Load, server: LiveServer, demo: Key, token: str, prefix: str, flavor: str
) -> None:
    signed = signed_client(server, demo)
    by_token = httpx.Client(
        base_url=server.endpoint, headers={"X-Auth-Token": token}, timeout=HTTP_TIMEOUT_S
    )
    writer = signed_client(server, demo)
    plain = httpx.Client(base_url=server.endpoint, timeout=HTTP_TIMEOUT_S)
    load.clients += [signed, by_token, writer, plain]

    def read(_: int) -> tuple[httpx.Response, str | None]:
        return signed.get(images_path(server.project_id)), None

    def read_by_token(_: int) -> tuple[httpx.Response, str | None]:
        return by_token.get(flavors_path(server.project_id)), None

    def write(sequence: int) -> tuple[httpx.Response, str | None]:
        name = f"{prefix}-{sequence:05d}"
        document = {"name": name, "arch": "X86", "server_type": "ECS", "flavors": [flavor]}
        return writer.post("/admin/v1/images", json=document), name

    def issue_token(_: int) -> tuple[httpx.Response, str | None]:
        response = plain.post("/v3/auth/tokens", json=demo_login(server.project_id))
        return response, response.headers.get("X-Subject-Token")

    load.add("read", read)
    load.add("token-read", read_by_token)
    load.add("write", write)
    load.add("token", issue_token, TOKEN_PAUSE_S)


def statuses(outcomes: list[Outcome]) -> set[int | None]:
    return {outcome.status for outcome in outcomes}


def test_no_request_hangs(outage: Run) -> None:
    failures = [outcome.failure for outcome in outage.load.outcomes if outcome.failure]
    slowest = max(outcome.finished - outcome.started for outcome in outage.load.outcomes)

    assert failures == []
    assert slowest < HTTP_TIMEOUT_S


@pytest.mark.parametrize(
    ("kind", "success"), [("read", 200), ("token-read", 200), ("write", 201), ("token", 201)]
)
def test_only_success_or_unavailable(outage: Run, kind: str, success: int) -> None:
    outcomes = outage.load.of(kind)
    unavailable = [outcome for outcome in outcomes if outcome.status == 503]

    assert outcomes
    assert statuses(outcomes) <= {success, 503}
    assert {outcome.error_code for outcome in unavailable} <= {UNAVAILABLE}


@pytest.mark.parametrize("kind", ["read", "token-read"])
def test_reads_served_from_memory(outage: Run, kind: str) -> None:
    timeline = outage.timeline
    fresh_enough = outage.load.of(
        kind, timeline.stop_end + 0.2, timeline.stop_begin + MAX_STALENESS_S - 1.0
    )

    assert fresh_enough
    assert statuses(fresh_enough) == {200}


@pytest.mark.parametrize("kind", ["read", "token-read"])
def test_stale_reads_unavailable(outage: Run, kind: str) -> None:
    timeline = outage.timeline
    stale = outage.load.of(kind, timeline.stop_end + MAX_STALENESS_S + 0.5, timeline.start_begin)

    assert stale
    assert statuses(stale) == {503}


@pytest.mark.parametrize("kind", ["write", "token"])
def test_writes_unavailable_during_outage(outage: Run, kind: str) -> None:
    timeline = outage.timeline
    during = outage.load.of(kind, timeline.stop_end + 0.2, timeline.start_begin)

    assert during
    assert statuses(during) == {503}


@pytest.mark.parametrize(
    ("kind", "success"), [("read", 200), ("token-read", 200), ("write", 201), ("token", 201)]
)
def test_served_before_and_after(outage: Run, kind: str, success: int) -> None:
    timeline = outage.timeline
    before = outage.load.of(kind, 0.0, timeline.stop_begin - 0.1)
    after = outage.load.of(kind, timeline.start_end + RECOVERY_S)

    assert before
    assert after
    assert statuses(before) == {success}
    assert statuses(after) == {success}


def stored_images(database: Database, prefix: str) -> dict[str, tuple[int, int]]:
    """Return each image named `prefix-*` with its count of flavor links and audit events."""
    query = text(
        "SELECT i.name,"
        " (SELECT count(*) FROM image_flavors f WHERE f.image_id = i.id),"
        " (SELECT count(*) FROM audit_events a"
        "   WHERE a.resource_id = i.id AND a.action = 'image.create')"
        " FROM images i WHERE i.name LIKE :pattern"
    )
    with database.read() as session:
        rows = session.execute(query, {"pattern": f"{prefix}-%"}).all()
    return {row[0]: (row[1], row[2]) for row in rows}


def test_acknowledged_writes_stored_whole(outage: Run) -> None:
    writes = outage.load.of("write")
    acknowledged = {o.name for o in writes if o.status == 201}
    rejected = {o.name for o in writes if o.status == 503}
    database = Database(outage.server.database_url)
    try:
        stored = stored_images(database, outage.prefix)
    finally:
        database.dispose()

    assert acknowledged
    assert acknowledged <= set(stored)
    # A write whose connection dropped during COMMIT may be stored although it got 503.
    assert set(stored) <= acknowledged | rejected
    assert {counts for counts in stored.values()} == {(1, 1)}


def test_acknowledged_tokens_work(outage: Run) -> None:
    tokens = [o.name for o in outage.load.of("token") if o.status == 201 and o.name]
    path = flavors_path(outage.server.project_id)

    answers = [
        httpx.get(f"{outage.server.endpoint}{path}", headers={"X-Auth-Token": token}).status_code
        for token in tokens[-20:]
    ]

    assert tokens
    assert set(answers) == {200}


def test_fresh_writes_after_recovery(outage: Run) -> None:
    server = outage.server
    name = f"{outage.prefix}-after"
    document = {"name": name, "arch": "ARM", "server_type": "BMS"}
    with signed_client(server, Key(DEMO_AK, DEMO_SK)) as client:
        created = client.post("/admin/v1/images", json=document)
        listed = client.get(images_path(server.project_id), params={"name": name})

    assert created.status_code == 201, created.text
    assert listed.status_code == 200
    assert [image["name"] for image in listed.json()["data"]] == [name]


def test_poller_resumes_after_recovery(outage: Run) -> None:
    server = outage.server
    name = f"{outage.prefix}-direct"
    database = Database(server.database_url)
    try:
        with database.write() as session:
            add_image(session, ImageSpec(name, Arch.X86, ServerType.HPS))
    finally:
        database.dispose()

    with signed_client(server, Key(DEMO_AK, DEMO_SK)) as client:
        deadline = time.monotonic() + 2.0
        names: list[str] = []
        while time.monotonic() < deadline and names != [name]:
            listed = client.get(images_path(server.project_id), params={"name": name})
            names = [image["name"] for image in listed.json()["data"]]
            time.sleep(0.05)

    assert names == [name]


def test_log_names_outage(outage: Run) -> None:
    log = outage.server.log()

    assert "catalog refresh failed" in log
    assert "catalog refresh recovered" in log
    position = log.find("Traceback")
    assert position == -1, log[max(0, position - 300) : position + 3000]
