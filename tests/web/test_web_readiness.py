"""GET /health/ready in process: freshness decides readiness, the database state is reported."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from liteimages.config import Settings
from liteimages.web.app import LiteImagesApp, create_app

pytestmark = pytest.mark.anyio

REQUEST_ID = re.compile(r"[0-9a-f]{32}")
READY_FIELDS = {
    "status",
    "catalog_revision",
    "catalog_age_seconds",
    "max_staleness_seconds",
    "database",
}
STALE_MESSAGE = re.compile(
    r"The service is not ready: the catalog view was last refreshed \d+\.\d s ago, "
    r"more than the max staleness of 0\.3 s"
)
SHORT_STALENESS_S = 0.3
HEALTH_LOGGER = "liteimages.web.health"


@asynccontextmanager
async def readiness_client(
    seeded: Any, *, load: bool = True, **values: Any
) -> AsyncIterator[tuple[LiteImagesApp, httpx.AsyncClient]]:
    """Yield a new application over the seeded database, with `values` as settings."""
    settings = Settings(
        data_dir=seeded.app.runtime.settings.data_dir,
        database_url=seeded.database.url,
        secret_key=seeded.secret_key,
        **values,
    )
    app = create_app(settings, metrics=False)
    if load:
        app.runtime.load()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
            yield app, http
    finally:
        app.runtime.close()


@contextmanager
def revisions_table_missing(seeded: Any) -> Iterator[None]:
    """Rename the revisions table away, so that every database check and refresh fails."""
    with seeded.database.engine.begin() as connection:
        connection.execute(text("ALTER TABLE revisions RENAME TO revisions_away"))
    try:
        yield
    finally:
        with seeded.database.engine.begin() as connection:
            connection.execute(text("ALTER TABLE revisions_away RENAME TO revisions"))


def health_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == HEALTH_LOGGER]


async def test_ready_body_fields(seeded: Any) -> None:
    async with readiness_client(seeded) as (app, http):
        response = await http.get("/health/ready")

    body = response.json()
    assert response.status_code == 200
    assert set(body) == READY_FIELDS
    assert body["status"] == "ready"
    assert body["catalog_revision"] == app.runtime.view.revision
    assert 0 <= body["catalog_age_seconds"] < 5
    assert body["max_staleness_seconds"] == 300
    assert body["database"] == "ok"
    assert REQUEST_ID.fullmatch(response.headers["x-request-id"])


async def test_not_loaded_is_503(seeded: Any) -> None:
    async with readiness_client(seeded, load=False) as (_, http):
        response = await http.get("/health/ready")

    assert response.status_code == 503
    assert response.json() == {
        "error_code": "ModelArts.0014",
        "error_msg": "The service is not ready: the catalog view is not loaded yet",
    }
    assert REQUEST_ID.fullmatch(response.headers["x-request-id"])


async def test_ready_while_database_unavailable(seeded: Any) -> None:
    async with readiness_client(seeded) as (_, http):
        with revisions_table_missing(seeded):
            response = await http.get("/health/ready")

    body = response.json()
    assert response.status_code == 200
    assert set(body) == READY_FIELDS
    assert body["database"] == "unavailable"
    assert "revisions" not in response.text


async def test_stale_view_is_503(seeded: Any) -> None:
    async with readiness_client(seeded, max_staleness=SHORT_STALENESS_S) as (_, http):
        fresh = await http.get("/health/ready")
        # No poll runs in process, so nothing refreshes the view while the test waits.
        await asyncio.sleep(SHORT_STALENESS_S + 0.1)
        stale = await http.get("/health/ready")
        read = await http.get(seeded.images_path, headers={"X-Auth-Token": seeded.token})

    assert fresh.status_code == 200
    assert stale.status_code == 503
    assert set(stale.json()) == {"error_code", "error_msg"}
    assert stale.json()["error_code"] == "ModelArts.0014"
    assert STALE_MESSAGE.fullmatch(stale.json()["error_msg"])
    assert read.status_code == 503
    assert read.json()["error_code"] == "ModelArts.0014"


async def test_refresh_makes_ready_again(seeded: Any) -> None:
    async with readiness_client(seeded, max_staleness=SHORT_STALENESS_S) as (app, http):
        await asyncio.sleep(SHORT_STALENESS_S + 0.1)
        stale = await http.get("/health/ready")
        await app.runtime.refresh()
        refreshed = await http.get("/health/ready")

    assert stale.status_code == 503
    assert refreshed.status_code == 200
    assert refreshed.json()["catalog_age_seconds"] < SHORT_STALENESS_S


async def test_strict_mode_database_unavailable(seeded: Any) -> None:
    async with readiness_client(seeded, ready_requires_database=True) as (_, http):
        before = await http.get("/health/ready")
        with revisions_table_missing(seeded):
            during = await http.get("/health/ready")
        after = await http.get("/health/ready")

    assert before.status_code == 200
    assert during.status_code == 503
    assert during.json() == {
        "error_code": "ModelArts.0014",
        "error_msg": "The service is not ready: the database check failed",
    }
    assert REQUEST_ID.fullmatch(during.headers["x-request-id"])
    assert after.status_code == 200
    assert after.json()["database"] == "ok"


async def test_strict_mode_stale_view(seeded: Any) -> None:
    values = {"ready_requires_database": True, "max_staleness": SHORT_STALENESS_S}
    async with readiness_client(seeded, **values) as (_, http):
        await asyncio.sleep(SHORT_STALENESS_S + 0.1)
        response = await http.get("/health/ready")

    assert response.status_code == 503
    assert STALE_MESSAGE.fullmatch(response.json()["error_msg"])


async def test_database_change_logged_once(seeded: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=HEALTH_LOGGER)
    async with readiness_client(seeded) as (_, http):
        await http.get("/health/ready")
        with revisions_table_missing(seeded):
            for _ in range(3):
                await http.get("/health/ready")
        for _ in range(3):
            await http.get("/health/ready")

    failures = [r for r in caplog.records if r.getMessage() == "database check failed"]
    assert health_messages(caplog) == [
        "ready to serve",
        "database check failed",
        "database check recovered",
    ]
    assert failures[0].levelno == logging.WARNING
    assert "revisions" in failures[0].error  # type: ignore[attr-defined]


async def test_readiness_change_logged_once(seeded: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=HEALTH_LOGGER)
    async with readiness_client(seeded, max_staleness=SHORT_STALENESS_S) as (app, http):
        await http.get("/health/ready")
        await asyncio.sleep(SHORT_STALENESS_S + 0.1)
        for _ in range(3):
            await http.get("/health/ready")
        await app.runtime.refresh()
        await http.get("/health/ready")

    messages = health_messages(caplog)
    assert len(messages) == 3
    assert messages[0] == "ready to serve"
    assert messages[1].startswith("not ready to serve: the catalog view was last refreshed")
    assert messages[2] == "ready to serve"
