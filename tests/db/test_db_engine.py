"""Read, write and snapshot sessions, the UTC column type and revision counters."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import StatementError

from liteimages.db import revisions
from liteimages.db.base import utcnow
from liteimages.db.engine import Database
from liteimages.db.migrate import upgrade
from liteimages.db.revisions import Revision
from liteimages.db.schema import metadata
from liteimages.identity.models import Account


@pytest.fixture(scope="module")
def migrated_database(module_database_url: str) -> Iterator[Database]:
    """Yield a database migrated once per test module, on SQLite and on PostgreSQL."""
    database = Database(module_database_url)
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def database(migrated_database: Database) -> Iterator[Database]:
    """Yield the module's database, emptied again after the test."""
    yield migrated_database
    with migrated_database.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table.name == Revision.__tablename__:
                connection.execute(update(table).values(value=0))
            else:
                connection.execute(table.delete())


def counter(database: Database, name: str = revisions.CATALOG) -> int:
    with database.read() as session:
        return revisions.read_all(session)[name]


def account_names(database: Database) -> list[str]:
    with database.read() as session:
        return list(session.scalars(select(Account.name).order_by(Account.name)))


def add_account(database: Database, name: str, created_at: datetime | None = None) -> None:
    with database.write() as session:
        session.add(Account(id=name.ljust(32, "0"), name=name, created_at=created_at or utcnow()))


def test_driver_chosen_by_url(database: Database) -> None:
    expected = {"sqlite": "pysqlite", "postgresql": "psycopg"}

    assert database.engine.dialect.driver == expected[database.engine.dialect.name]
    assert database.is_sqlite == (database.engine.dialect.name == "sqlite")


def test_sqlite_pragmas(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with database.read() as session:
            journal = session.execute(text("PRAGMA journal_mode")).scalar()
            foreign_keys = session.execute(text("PRAGMA foreign_keys")).scalar()
            busy_timeout = session.execute(text("PRAGMA busy_timeout")).scalar()
    finally:
        database.dispose()

    assert journal == "wal"
    assert foreign_keys == 1
    assert busy_timeout == 10_000


def test_write_commits(database: Database) -> None:
    add_account(database, "committed")

    assert account_names(database) == ["committed"]


def test_write_rolls_back_on_error(database: Database) -> None:
    with pytest.raises(RuntimeError), database.write() as session:
        session.add(Account(id="a" * 32, name="rolled-back"))
        session.flush()
        revisions.bump(session, revisions.CATALOG)
        raise RuntimeError("fail inside the transaction")

    assert account_names(database) == []
    assert counter(database) == 0


def test_read_session_does_not_commit(database: Database) -> None:
    with database.read() as session:
        session.add(Account(id="a" * 32, name="never-committed"))
        session.flush()

    assert account_names(database) == []


def test_foreign_keys_enforced(database: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    from liteimages.identity.models import Project

    with pytest.raises(IntegrityError), database.write() as session:
        session.add(Project(id="p1", account_id="no-such-account", name="cn-north-4"))
        session.flush()


def test_snapshot_ignores_later_commits(database: Database) -> None:
    with database.snapshot() as session:
        before = revisions.read_all(session)
        with database.write() as writer:
            revisions.bump(writer, revisions.CATALOG)
        during = revisions.read_all(session)

    assert during == before
    assert counter(database) == before[revisions.CATALOG] + 1


def test_read_sees_later_commits_after_it_ends(database: Database) -> None:
    with database.read() as session:
        before = revisions.read_all(session)[revisions.CATALOG]
    with database.write() as writer:
        revisions.bump(writer, revisions.CATALOG)

    assert counter(database) == before + 1


def test_bump_changes_one_counter(database: Database) -> None:
    with database.write() as session:
        revisions.bump(session, revisions.IDENTITY)
        revisions.bump(session, revisions.IDENTITY)

    assert counter(database, revisions.IDENTITY) == 2
    assert counter(database, revisions.CATALOG) == 0


def test_concurrent_bumps_all_count(database: Database) -> None:
    def bump_many() -> None:
        for _ in range(10):
            with database.write() as session:
                revisions.bump(session, revisions.CATALOG)

    threads = [threading.Thread(target=bump_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert counter(database) == 40


def test_sqlite_writers_are_serialised(tmp_path: Path) -> None:
    """Read-modify-write in write sessions loses no update, because writers take the lock first."""
    database = Database(f"sqlite:///{tmp_path / 'writers.db'}")
    upgrade(database.engine)
    errors: list[BaseException] = []

    def increment_many() -> None:
        try:
            for _ in range(10):
                with database.write() as session:
                    row = session.get(Revision, revisions.CATALOG)
                    assert row is not None
                    row.value = row.value + 1
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=increment_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    value = counter(database)
    database.dispose()

    assert errors == []
    assert value == 40


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2024, 3, 1, 20, 0, 0, 654321, tzinfo=timezone(timedelta(hours=8))),
        datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC),
        datetime(2024, 2, 29, 23, 30, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
    ],
)
def test_utc_datetime_round_trip(database: Database, moment: datetime) -> None:
    add_account(database, "timed", moment)

    with database.read() as session:
        stored = session.scalars(select(Account.created_at)).one()
        raw = session.execute(text("SELECT created_at FROM accounts")).scalar()

    assert stored == moment
    assert stored.tzinfo is UTC
    assert str(raw).startswith(moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"))


def test_naive_datetime_rejected(database: Database) -> None:
    with pytest.raises(StatementError) as caught:
        add_account(database, "naive", datetime(2024, 3, 1, 12, 0, 0))

    assert isinstance(caught.value.orig, ValueError)
    assert "naive datetime" in str(caught.value.orig)
    assert account_names(database) == []


def test_utcnow_is_aware_utc() -> None:
    now = utcnow()

    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_sqlite_first_open_waits_for_lock(tmp_path: Path) -> None:
    """Switching a new file to WAL needs the lock another process may hold at that moment."""
    path = tmp_path / "fresh.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE held (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO held VALUES (1)")
    release = threading.Timer(0.5, holder.execute, args=("COMMIT",))
    release.start()
    database = Database(f"sqlite:///{path}")
    try:
        with database.read() as session:
            journal = session.execute(text("PRAGMA journal_mode")).scalar()
    finally:
        release.join()
        holder.close()
        database.dispose()

    assert journal == "wal"
