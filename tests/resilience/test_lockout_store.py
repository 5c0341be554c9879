"""The lockout table shared by workers, and a lockout that writes to it, on both databases."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from liteimages.db import revisions
from liteimages.db.base import utcnow
from liteimages.db.engine import Database
from liteimages.db.migrate import upgrade
from liteimages.identity.errors import AccessKeyLocked
from liteimages.identity.lockout import (
    LOCKOUT_REVISION,
    Lockout,
    LockoutRecord,
    LockoutStore,
    load_lockouts,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def migrated(module_database_url: str) -> Iterator[Database]:
    """Yield a database migrated once per module."""
    database = Database(module_database_url)
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def database(migrated: Database) -> Iterator[Database]:
    """Yield the module's database, with the lockouts table emptied after the test."""
    yield migrated
    with migrated.write() as session:
        session.execute(delete(LockoutRecord))


@pytest.fixture
def store(database: Database) -> LockoutStore:
    return LockoutStore(database)


def stored(database: Database, access_key: str) -> LockoutRecord | None:
    with database.read() as session:
        return session.get(LockoutRecord, access_key)


def lockout_revision(database: Database) -> int:
    with database.read() as session:
        return revisions.read_all(session)[LOCKOUT_REVISION]


def fail(store: LockoutStore, access_key: str, times: int) -> None:
    for _ in range(times):
        store.add_failure(access_key, 5, 300.0)


def test_failures_counted_in_database(store: LockoutStore, database: Database) -> None:
    fail(store, "AK1", 4)

    record = stored(database, "AK1")
    assert record is not None
    assert record.failures == 4
    assert record.locked_until is None


def test_threshold_failure_locks(store: LockoutStore) -> None:
    fail(store, "AK1", 4)

    state = store.add_failure("AK1", 5, 300.0)

    assert state.failures == 0
    assert state.locked_until is not None
    remaining = (state.locked_until - utcnow()).total_seconds()
    assert 298 < remaining <= 300


def test_failure_while_locked_changes_nothing(store: LockoutStore, database: Database) -> None:
    fail(store, "AK1", 5)
    before = stored(database, "AK1")
    revision = lockout_revision(database)

    state = store.add_failure("AK1", 5, 300.0)

    assert before is not None
    assert state.locked_until == before.locked_until
    assert state.failures == 0
    assert lockout_revision(database) == revision


def test_failure_bumps_revision(store: LockoutStore, database: Database) -> None:
    revision = lockout_revision(database)

    fail(store, "AK1", 2)

    assert lockout_revision(database) == revision + 2


def test_reset_deletes_unlocked_row(store: LockoutStore, database: Database) -> None:
    fail(store, "AK1", 3)

    assert store.reset("AK1") is None
    assert stored(database, "AK1") is None


def test_reset_keeps_lock(store: LockoutStore, database: Database) -> None:
    fail(store, "AK1", 5)
    with database.write() as session:
        session.execute(update(LockoutRecord).values(failures=2))

    state = store.reset("AK1")

    assert state is not None
    assert state.failures == 0
    assert state.locked_until is not None
    assert state.locked_until > utcnow()


def test_reset_without_failures_writes_nothing(store: LockoutStore, database: Database) -> None:
    revision = lockout_revision(database)

    assert store.reset("AK1") is None
    assert lockout_revision(database) == revision


def test_load_skips_ended_locks(database: Database) -> None:
    past = utcnow() - timedelta(seconds=1)
    future = utcnow() + timedelta(seconds=60)
    with database.write() as session:
        session.add(LockoutRecord(access_key="ENDED", failures=0, locked_until=past))
        session.add(LockoutRecord(access_key="COUNTING", failures=2, locked_until=past))
        session.add(LockoutRecord(access_key="LOCKED", failures=0, locked_until=future))
        session.add(LockoutRecord(access_key="CLEAN", failures=0, locked_until=None))

    with database.read() as session:
        loaded = {state.access_key for state in load_lockouts(session)}

    assert loaded == {"COUNTING", "LOCKED"}


def test_concurrent_failures_all_counted(store: LockoutStore, database: Database) -> None:
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def one_failure() -> None:
        start.wait()
        try:
            store.add_failure("AK1", 100, 300.0)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=one_failure) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    record = stored(database, "AK1")
    assert record is not None
    assert record.failures == 8


async def test_lockout_writes_failures(store: LockoutStore, database: Database) -> None:
    lockout = Lockout(store=store)
    for _ in range(3):
        lockout.record_failure("AK1")
    await lockout.flush()
    lockout.close()

    record = stored(database, "AK1")
    assert record is not None
    assert record.failures == 3


async def test_lockout_locks_before_write(store: LockoutStore) -> None:
    lockout = Lockout(store=store)
    for _ in range(5):
        lockout.record_failure("AK1")

    with pytest.raises(AccessKeyLocked):
        lockout.check("AK1")
    await lockout.flush()
    lockout.close()


async def test_success_resets_database_count(store: LockoutStore, database: Database) -> None:
    lockout = Lockout(store=store)
    for _ in range(4):
        lockout.record_failure("AK1")
    lockout.record_success("AK1")
    await lockout.flush()
    lockout.close()

    assert stored(database, "AK1") is None


async def test_success_without_failures_writes_nothing(
    store: LockoutStore, database: Database
) -> None:
    revision = lockout_revision(database)
    lockout = Lockout(store=store)

    lockout.record_success("AK1")
    await lockout.flush()
    lockout.close()

    assert lockout_revision(database) == revision


async def test_lock_of_other_worker_applies(store: LockoutStore, database: Database) -> None:
    other_worker = LockoutStore(database)
    fail(other_worker, "AK1", 5)
    lockout = Lockout(store=store)

    with database.read() as session:
        lockout.replace(load_lockouts(session))

    with pytest.raises(AccessKeyLocked) as raised:
        lockout.check("AK1")
    assert 299 <= raised.value.retry_after_seconds <= 300


async def test_counts_of_other_workers_add_up(store: LockoutStore, database: Database) -> None:
    fail(LockoutStore(database), "AK1", 4)
    lockout = Lockout(store=store)
    with database.read() as session:
        lockout.replace(load_lockouts(session))

    lockout.record_failure("AK1")
    await lockout.flush()
    lockout.close()

    with pytest.raises(AccessKeyLocked):
        lockout.check("AK1")
    record = stored(database, "AK1")
    assert record is not None
    assert record.locked_until is not None


async def test_reload_never_shortens_lock(store: LockoutStore) -> None:
    lockout = Lockout(store=store)
    for _ in range(5):
        lockout.record_failure("AK1")
    lockout.replace([])

    with pytest.raises(AccessKeyLocked):
        lockout.check("AK1")
    await lockout.flush()
    lockout.close()


async def test_unreachable_database_counts_in_memory(tmp_path: Path) -> None:
    missing = Database(f"sqlite:///{tmp_path / 'no-such-folder' / 'catalog.db'}")
    lockout = Lockout(store=LockoutStore(missing))
    for _ in range(4):
        lockout.record_failure("AK1")
    await lockout.flush()
    lockout.check("AK1")

    lockout.record_failure("AK1")
    await lockout.flush()
    lockout.close()

    with pytest.raises(AccessKeyLocked):
        lockout.check("AK1")


async def test_lock_from_database_expires(store: LockoutStore, database: Database) -> None:
    soon = utcnow() + timedelta(seconds=0.3)
    with database.write() as session:
        session.add(LockoutRecord(access_key="AK1", failures=0, locked_until=soon))
    lockout = Lockout(store=store)
    with database.read() as session:
        lockout.replace(load_lockouts(session))
    with pytest.raises(AccessKeyLocked):
        lockout.check("AK1")

    time.sleep(0.4)

    lockout.check("AK1")


def test_migration_adds_lockout_revision(database: Database) -> None:
    with database.read() as session:
        names = set(session.scalars(select(revisions.Revision.name)))

    assert LOCKOUT_REVISION in names
