"""Metrics of `serve --workers 2`: every scrape adds up the requests of both workers."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from observability_support import (
    access_records,
    demo_token,
    images_path,
    sample,
    scrape,
    start_seeded_server,
    wait_for_access_record,
)
from sqlalchemy import func, select

from liteimages.catalog.models import Image
from liteimages.db.engine import Database
from support.databases import sqlite_url
from support.server import LiveServer

BATCH = 8
MAX_BATCHES = 25
SCRAPES = 6


@pytest.fixture(scope="module")
def server(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Yield a seeded server with two workers."""
    server = start_seeded_server(module_database_url, tmp_path_factory.mktemp("workers"), workers=2)
    yield server
    server.stop()


def list_images(server: LiveServer, token: str) -> str:
    """List the images on a new connection and return the request id."""
    response = httpx.get(server.endpoint + images_path(server), headers={"X-Auth-Token": token})
    assert response.status_code == 200
    return response.headers["x-request-id"]


@pytest.fixture(scope="module")
def spread_requests(server: LiveServer) -> int:
    """List the images, in concurrent batches, until both workers have served some.

    Returns how many list calls were made in all.
    """
    token = demo_token(server)
    calls = 0
    with ThreadPoolExecutor(BATCH) as pool:
        for _ in range(MAX_BATCHES):
            request_ids = list(pool.map(lambda _: list_images(server, token), range(BATCH)))
            calls += BATCH
            # A worker writes a batch's access lines after its metrics, so once every
            # request has its line, both workers have counted all of them.
            for request_id in request_ids:
                wait_for_access_record(server, request_id)
            if len(answering_pids(server)) == 2:
                break
    return calls


def answering_pids(server: LiveServer) -> set[int]:
    """Return the process ids that wrote an access line of an image list."""
    return {record["pid"] for record in access_records(server) if record["route"] == "list_images"}


def test_both_workers_answered(server: LiveServer, spread_requests: int) -> None:
    assert len(answering_pids(server)) == 2


def test_every_scrape_counts_all(server: LiveServer, spread_requests: int) -> None:
    counts = [
        sample(scrape(server), "liteimages_http_requests_total", route="list_images", status="200")
        for _ in range(SCRAPES)
    ]

    for count in counts:
        assert count == spread_requests


def test_gauge_with_workers(server: LiveServer) -> None:
    database = Database(server.database_url)
    try:
        with database.read() as session:
            images = session.scalar(select(func.count()).select_from(Image))
    finally:
        database.dispose()

    assert sample(scrape(server), "liteimages_catalog_images") == images


def test_metrics_folder_removed(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    server = start_seeded_server(
        sqlite_url(tmp_path), tmp_path / "data", workers=2, extra_env={"TMPDIR": str(temporary)}
    )
    try:
        scrape(server)
        while_running = [path.name for path in temporary.glob("liteimages-metrics-*")]
    finally:
        server.stop()

    assert len(while_running) == 1
    assert not list(temporary.glob("liteimages-metrics-*"))
