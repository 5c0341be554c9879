"""Fixtures of the identity tests: a migrated database and an encryption key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from liteimages.db.engine import Database
from liteimages.db.migrate import upgrade
from liteimages.db.revisions import Revision
from liteimages.db.schema import metadata
from liteimages.identity.secretbox import SecretBox, generate_key


@pytest.fixture(scope="module")
def migrated_database(module_database_url: str) -> Iterator[Database]:
    """Yield a database migrated once per test module, on SQLite and on PostgreSQL."""
    database = Database(module_database_url)
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def database(migrated_database: Database) -> Iterator[Database]:
    """Yield the module's database, emptied again after the test.

    Emptying costs far less than creating and migrating a new PostgreSQL database
    per test. It relies on the migrations seeding no rows besides the revision counters.
    """
    yield migrated_database
    with migrated_database.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table.name == Revision.__tablename__:
                connection.execute(update(table).values(value=0))
            else:
                connection.execute(table.delete())


@pytest.fixture
def box() -> SecretBox:
    """Return a secret box with a new random key."""
    return SecretBox(generate_key())


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """Run the async tests on asyncio, the event loop uvicorn serves liteimages on."""
    return "asyncio"
