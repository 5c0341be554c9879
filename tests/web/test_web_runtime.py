"""The worker runtime: reloading on revision changes and polling through database failures."""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from liteimages.catalog import service as catalog
from liteimages.catalog.enums import Arch, ServerType
from liteimages.catalog.service import ImageSpec
from liteimages.config import Settings
from liteimages.db.engine import Database
from liteimages.db.migrate import upgrade
from liteimages.identity import service as identity
from liteimages.identity.secretbox import generate_key
from liteimages.runtime import Runtime

pytestmark = pytest.mark.anyio


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """Yield a loaded runtime over a new migrated database, polling every 20 ms."""
    database = Database(database_url)
    upgrade(database.engine)
    database.dispose()
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        secret_key=generate_key().decode("ascii"),
        poll_interval=0.02,
    )
    runtime = Runtime(settings)
    runtime.load()
    yield runtime
    runtime.close()


async def test_refresh_without_change_keeps_view(runtime: Runtime) -> None:
    before = runtime.view

    await runtime.refresh()

    assert runtime.view is before
    assert runtime.fresh_at > 0


async def test_identity_change_keeps_view(runtime: Runtime) -> None:
    before = runtime.view
    with runtime.database.write() as session:
        identity.create_account(session, "acme")

    await runtime.refresh()

    assert runtime.view is before


async def test_catalog_change_reloads_view(runtime: Runtime) -> None:
    with runtime.database.write() as session:
        catalog.add_image(session, ImageSpec("new", Arch.ARM, ServerType.BMS))

    await runtime.refresh()

    assert runtime.view.revision == 1
    assert runtime.view.image_count == 1


async def test_overlapping_refreshes_never_go_back(runtime: Runtime) -> None:
    seen: list[int] = []

    def add_images() -> None:
        for index in range(20):
            with runtime.database.write() as session:
                catalog.add_image(session, ImageSpec(f"i{index}", Arch.ARM, ServerType.BMS))

    async def refresh_repeatedly() -> None:
        for _ in range(15):
            await runtime.refresh()
            seen.append(runtime.view.revision)

    writer = asyncio.create_task(asyncio.to_thread(add_images))
    await asyncio.gather(*(refresh_repeatedly() for _ in range(4)))
    await writer
    await runtime.refresh()

    assert seen == sorted(seen)
    assert runtime.view.image_count == 20


async def test_loaded_view_skips_collections(runtime: Runtime) -> None:
    view = runtime.view

    assert gc.get_freeze_count() > 0
    assert not any(tracked is view for tracked in gc.get_objects())


async def test_reload_frees_old_view(runtime: Runtime) -> None:
    old_view = weakref.ref(runtime.view)
    with runtime.database.write() as session:
        catalog.add_image(session, ImageSpec("new", Arch.ARM, ServerType.BMS))

    await runtime.refresh()

    assert runtime.view.image_count == 1
    assert old_view() is None
    assert not any(tracked is runtime.view for tracked in gc.get_objects())


async def wait_for(condition: object, seconds: float = 10.0) -> None:
    """Sleep in small steps until `condition()` is true, failing after `seconds`."""
    assert callable(condition)
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"condition not met within {seconds} s")


async def test_poll_survives_database_failure(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="liteimages.runtime")
    poller = asyncio.create_task(runtime.poll())
    try:
        with runtime.database.engine.begin() as connection:
            connection.execute(text("ALTER TABLE revisions RENAME TO revisions_away"))
        await wait_for(lambda: "catalog refresh failed (1 in a row)" in caplog.text)
        with runtime.database.engine.begin() as connection:
            connection.execute(text("ALTER TABLE revisions_away RENAME TO revisions"))
        with runtime.database.write() as session:
            catalog.add_image(session, ImageSpec("after-recovery", Arch.ARM, ServerType.BMS))
        await wait_for(lambda: runtime.view.image_count == 1)
    finally:
        poller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await poller

    assert "catalog refresh recovered after" in caplog.text
    assert caplog.text.count("catalog refresh failed") == 1
