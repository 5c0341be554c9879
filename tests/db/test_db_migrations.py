"""Schema migrations on an empty database, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from liteimages.db import revisions
from liteimages.db.engine import Database
from liteimages.db.migrate import alembic_config, is_current, upgrade
from liteimages.db.schema import metadata


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """Yield an empty database that has not been migrated."""
    database = Database(database_url)
    yield database
    database.dispose()


def table_names(database: Database) -> set[str]:
    return set(inspect(database.engine).get_table_names())


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_empty_database_is_not_current(database: Database) -> None:
    assert not is_current(database.engine)


def test_upgrade_creates_every_table(database: Database) -> None:
    upgrade(database.engine)

    assert table_names(database) == set(metadata.tables) | {"alembic_version"}
    assert is_current(database.engine)


def test_upgrade_twice_is_noop(database: Database) -> None:
    upgrade(database.engine)
    head = current_revision(database)
    with database.read() as session:
        counters = revisions.read_all(session)

    upgrade(database.engine)

    assert current_revision(database) == head
    assert is_current(database.engine)
    with database.read() as session:
        assert revisions.read_all(session) == counters


def test_migration_seeds_revision_counters(database: Database) -> None:
    upgrade(database.engine)

    with database.read() as session:
        assert revisions.read_all(session) == {"catalog": 0, "identity": 0, "lockout": 0}


def test_schema_matches_models(database: Database) -> None:
    upgrade(database.engine)

    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, metadata)

    assert differences == []


def test_downgrade_then_upgrade(database: Database) -> None:
    upgrade(database.engine)
    config = alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")

    assert table_names(database) == {"alembic_version"}
    assert not is_current(database.engine)

    upgrade(database.engine)
    assert is_current(database.engine)


MIGRATE = """
import sys, time
from liteimages.db.engine import Database
from liteimages.db.migrate import upgrade
database = Database(sys.argv[1])
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
upgrade(database.engine)
database.dispose()
"""


def test_concurrent_processes_migrate_once(database: Database) -> None:
    start = str(time.time() + 1.5)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, database.url, start],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    errors = [process.communicate(timeout=60)[1] for process in processes]

    assert [process.returncode for process in processes] == [0, 0, 0], errors
    assert is_current(database.engine)
    with database.read() as session:
        assert revisions.read_all(session) == {"catalog": 0, "identity": 0, "lockout": 0}
