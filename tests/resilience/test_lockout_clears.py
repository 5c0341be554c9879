"""Clearing lockouts in the table and in the memory of every worker, on both databases."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import anyio.to_thread
import pytest
from sqlalchemy import select

from liteimages.config import Settings
from liteimages.db import revisions
from liteimages.db.base import utcnow
from liteimages.db.engine import Database
from liteimages.identity.errors import AccessKeyLocked, UserLocked
from liteimages.identity.lockout import (
    LOCKOUT_REVISION,
    Lockout,
    LockoutKind,
    LockoutRecord,
    LockoutState,
    LockoutStore,
    load_lockouts,
    user_key,
)
from liteimages.identity.lockout_clears import (
    CLEAR_RETENTION,
    LockoutClear,
    LockoutClearRecord,
    clear_all_lockouts,
    clear_lockouts,
    load_changes,
    newest_clear_id,
)
from liteimages.identity.secretbox import generate_key
from liteimages.runtime import Runtime

pytestmark = pytest.mark.anyio

USER_KEY = user_key("0123456789abcdef0123456789abcdef")


def fail(database: Database, key: str, times: int) -> None:
    store = LockoutStore(database)
    for _ in range(times):
        store.add_failure(key, 5, 300.0)


def stored_keys(database: Database) -> set[str]:
    with database.read() as session:
        return set(session.scalars(select(LockoutRecord.access_key)))


def lockout_revision(database: Database) -> int:
    with database.read() as session:
        return revisions.read_all(session)[LOCKOUT_REVISION]


def is_locked(runtime: Runtime, key: str) -> bool:
    lockout = runtime.user_lockout if key.startswith("user:") else runtime.lockout
    try:
        lockout.check(key)
    except (AccessKeyLocked, UserLocked):
        return True
    return False


@pytest.fixture
def runtimes(database: Database, tmp_path: Path) -> Iterator[tuple[Runtime, Runtime]]:
    """Yield two loaded runtimes on one database, as two workers have them."""
    settings = Settings(
        data_dir=tmp_path, database_url=database.url, secret_key=generate_key().decode("ascii")
    )
    first, second = Runtime(settings), Runtime(settings)
    first.load()
    second.load()
    yield first, second
    first.close()
    second.close()


def test_clear_deletes_rows_and_returns_them(database: Database) -> None:
    fail(database, "AK1", 5)
    fail(database, "AK2", 2)

    with database.write() as session:
        cleared = clear_lockouts(session, ["AK1", "MISSING"])

    assert [state.access_key for state in cleared] == ["AK1"]
    assert cleared[0].locked_until is not None
    assert stored_keys(database) == {"AK2"}


def test_clear_bumps_revision_once(database: Database) -> None:
    fail(database, "AK1", 1)
    fail(database, "AK2", 1)
    before = lockout_revision(database)

    with database.write() as session:
        clear_lockouts(session, ["AK1", "AK2"])

    assert lockout_revision(database) == before + 1


def test_clear_of_nothing_still_announced(database: Database) -> None:
    with database.write() as session:
        assert clear_lockouts(session, ["AK1"]) == []

    with database.read() as session:
        changes = load_changes(session, 0)
        newest = newest_clear_id(session)
    assert changes.clears == [LockoutClear(access_key="AK1")]
    assert changes.newest_clear_id == newest


def test_clear_all_of_one_kind(database: Database) -> None:
    fail(database, "AK1", 5)
    fail(database, USER_KEY, 5)

    with database.write() as session:
        cleared = clear_all_lockouts(session, LockoutKind.USER)

    assert [state.access_key for state in cleared] == [USER_KEY]
    assert stored_keys(database) == {"AK1"}


def test_clear_all_of_both_kinds(database: Database) -> None:
    fail(database, "AK1", 5)
    fail(database, USER_KEY, 1)

    with database.write() as session:
        cleared = clear_all_lockouts(session)

    assert {state.access_key for state in cleared} == {"AK1", USER_KEY}
    assert stored_keys(database) == set()
    with database.read() as session:
        assert load_changes(session, 0).clears == [LockoutClear()]


def test_changes_after_id_only(database: Database) -> None:
    with database.write() as session:
        clear_lockouts(session, ["AK1"])
    with database.read() as session:
        seen = newest_clear_id(session)
    with database.write() as session:
        clear_all_lockouts(session, LockoutKind.ACCESS_KEY)

    with database.read() as session:
        changes = load_changes(session, seen)

    assert changes.clears == [LockoutClear(kind=LockoutKind.ACCESS_KEY)]
    assert changes.newest_clear_id > seen


def test_old_clears_are_pruned(database: Database) -> None:
    old = utcnow() - CLEAR_RETENTION - timedelta(seconds=1)
    with database.write() as session:
        session.add(LockoutClearRecord(access_key="OLD", kind=None, cleared_at=old))

    with database.write() as session:
        clear_lockouts(session, ["NEW"])

    with database.read() as session:
        remaining_keys = set(session.scalars(select(LockoutClearRecord.access_key)))
    assert remaining_keys == {"NEW"}


def test_failure_after_clear_counts_from_zero(database: Database) -> None:
    fail(database, "AK1", 4)
    with database.write() as session:
        clear_lockouts(session, ["AK1"])

    state = LockoutStore(database).add_failure("AK1", 5, 300.0)

    assert state.failures == 1
    assert state.locked_until is None


async def test_clear_unlocks_every_worker(
    database: Database, runtimes: tuple[Runtime, Runtime]
) -> None:
    first, second = runtimes
    fail(database, "AK1", 5)
    fail(database, USER_KEY, 5)
    await first.refresh()
    await second.refresh()
    assert is_locked(first, "AK1")
    assert is_locked(second, USER_KEY)

    with database.write() as session:
        clear_lockouts(session, ["AK1", USER_KEY])
    await first.refresh()
    await second.refresh()

    for runtime in runtimes:
        assert not is_locked(runtime, "AK1")
        assert not is_locked(runtime, USER_KEY)


async def test_clear_all_drops_memory_only_lock(
    database: Database, runtimes: tuple[Runtime, Runtime]
) -> None:
    first, _ = runtimes
    # In a worker thread no event loop runs, so no write is queued and the lock lives in
    # memory only, as it does after writes failed while the database was unreachable.
    await anyio.to_thread.run_sync(_fail_five_times, first, "AK1")
    assert is_locked(first, "AK1")
    assert stored_keys(database) == set()

    with database.write() as session:
        clear_all_lockouts(session)
    await first.refresh()

    assert not is_locked(first, "AK1")


async def test_lock_after_clear_survives_reloads(
    database: Database, runtimes: tuple[Runtime, Runtime]
) -> None:
    first, second = runtimes
    fail(database, "AK1", 5)
    await first.refresh()
    with database.write() as session:
        clear_lockouts(session, ["AK1"])
    await first.refresh()
    assert not is_locked(first, "AK1")

    fail(database, "AK1", 5)
    await first.refresh()
    fail(database, "AK2", 1)
    await first.refresh()

    assert is_locked(first, "AK1")
    await second.refresh()
    assert is_locked(second, "AK1")


async def test_clear_before_start_not_applied(database: Database, tmp_path: Path) -> None:
    with database.write() as session:
        clear_lockouts(session, ["AK1"])
    fail(database, "AK1", 5)
    settings = Settings(
        data_dir=tmp_path, database_url=database.url, secret_key=generate_key().decode("ascii")
    )
    runtime = Runtime(settings)
    try:
        runtime.load()
        fail(database, "AK2", 1)
        await runtime.refresh()

        assert is_locked(runtime, "AK1")
    finally:
        runtime.close()


async def test_pending_write_result_ignored_after_forget(database: Database) -> None:
    lockout = Lockout(store=LockoutStore(database))
    for _ in range(5):
        lockout.record_failure("AK1")
    # No await has run yet, so the five writes are all still queued.
    lockout.forget("AK1")

    await lockout.flush()

    # The writes locked the key in the table, but their results do not reach memory.
    lockout.check("AK1")
    assert stored_keys(database) == {"AK1"}
    with database.read() as session:
        lockout.replace(load_lockouts(session))
    with pytest.raises(AccessKeyLocked):
        lockout.check("AK1")
    lockout.close()


def _fail_five_times(runtime: Runtime, key: str) -> None:
    for _ in range(5):
        runtime.lockout.record_failure(key)


def test_failure_racing_clear_counts_once(database: Database) -> None:
    fail(database, "AK1", 4)
    results: list[LockoutState] = []
    errors: list[BaseException] = []

    def one_failure() -> None:
        try:
            results.append(LockoutStore(database).add_failure("AK1", 5, 300.0))
        except BaseException as error:
            errors.append(error)

    with database.write() as session:
        clear_lockouts(session, ["AK1"])
        # The failure starts while the clear has deleted the row but not committed: its
        # insert waits for the commit on PostgreSQL, and its transaction on SQLite.
        racer = threading.Thread(target=one_failure)
        racer.start()
        time.sleep(0.5)
    racer.join(timeout=30)

    assert errors == []
    assert [state.failures for state in results] == [1]
    assert stored_keys(database) == {"AK1"}
