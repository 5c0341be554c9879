"""A worker's runtime: how long it serves from memory, and lockouts made by other workers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from resilience_support import caller
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from liteimages.config import Settings
from liteimages.db.engine import Database
from liteimages.db.migrate import upgrade
from liteimages.errors import ServiceUnavailable
from liteimages.identity.errors import AccessKeyLocked
from liteimages.identity.lockout import LockoutStore
from liteimages.identity.secretbox import generate_key
from liteimages.identity.throttle import Throttled
from liteimages.runtime import Runtime

pytestmark = pytest.mark.anyio

MAX_STALENESS_S = 1.0


def make_runtime(database_url: str, folder: Path, **values: object) -> Runtime:
    settings = Settings(
        data_dir=folder,
        database_url=database_url,
        secret_key=generate_key().decode("ascii"),
        poll_interval=0.02,
        max_staleness=MAX_STALENESS_S,
    )
    runtime = Runtime(Settings(**{**settings.__dict__, **values}))
    runtime.load()
    return runtime


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """Yield a loaded runtime over a new migrated database, 1 s max staleness."""
    database = Database(database_url)
    upgrade(database.engine)
    database.dispose()
    runtime = make_runtime(database_url, tmp_path)
    yield runtime
    runtime.close()


def rename_revisions(runtime: Runtime, old: str, new: str) -> None:
    with runtime.database.engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))


async def test_loaded_runtime_is_fresh(runtime: Runtime) -> None:
    runtime.check_fresh()


async def test_stale_after_failed_refreshes(runtime: Runtime) -> None:
    rename_revisions(runtime, "revisions", "revisions_away")
    try:
        with pytest.raises(DBAPIError, match="revisions"):
            await runtime.refresh()
        runtime.check_fresh()
        await asyncio.sleep(MAX_STALENESS_S + 0.1)

        with pytest.raises(ServiceUnavailable) as raised:
            runtime.check_fresh()
    finally:
        rename_revisions(runtime, "revisions_away", "revisions")

    assert raised.value.error_code == "ModelArts.0014"


async def test_fresh_again_after_refresh(runtime: Runtime) -> None:
    rename_revisions(runtime, "revisions", "revisions_away")
    await asyncio.sleep(MAX_STALENESS_S + 0.1)
    rename_revisions(runtime, "revisions_away", "revisions")

    await runtime.refresh()

    runtime.check_fresh()


async def test_refresh_loads_other_workers_lock(runtime: Runtime) -> None:
    other_worker = LockoutStore(runtime.database)
    for _ in range(5):
        other_worker.add_failure("AK1", 5, 300.0)

    runtime.lockout.check("AK1")
    await runtime.refresh()

    with pytest.raises(AccessKeyLocked):
        runtime.lockout.check("AK1")


async def test_runtime_throttle_follows_settings(database_url: str, tmp_path: Path) -> None:
    database = Database(database_url)
    upgrade(database.engine)
    database.dispose()
    runtime = make_runtime(database_url, tmp_path, rate_limit_key=1.0, rate_limit_key_burst=4)
    try:
        for _ in range(4):
            runtime.throttle.check(caller(), "p1")
        with pytest.raises(Throttled):
            runtime.throttle.check(caller(), "p1")
    finally:
        runtime.close()


async def test_workers_share_limit(database_url: str, tmp_path: Path) -> None:
    database = Database(database_url)
    upgrade(database.engine)
    database.dispose()
    runtime = make_runtime(
        database_url, tmp_path, workers=2, rate_limit_project=1.0, rate_limit_project_burst=4
    )
    try:
        for _ in range(2):
            runtime.throttle.check(caller(), "p1")
        with pytest.raises(Throttled):
            runtime.throttle.check(caller(), "p1")
    finally:
        runtime.close()
