"""Which database errors become 503 ModelArts.0014 and which stay errors of the code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from liteimages.db.engine import Database
from liteimages.errors import ServiceUnavailable
from liteimages.runtime import database_unavailable_as_error


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """Yield an empty database: no migrations, as after it was dropped and created again."""
    database = Database(database_url)
    yield database
    database.dispose()


def test_missing_table_is_unavailable(database: Database) -> None:
    with (
        pytest.raises(ServiceUnavailable),
        database_unavailable_as_error("r1"),
        database.read() as session,
    ):
        session.execute(text("SELECT id FROM accounts"))


def test_missing_column_is_unavailable(database: Database) -> None:
    with database.write() as session:
        session.execute(text("CREATE TABLE old_accounts (id INTEGER)"))

    with (
        pytest.raises(ServiceUnavailable),
        database_unavailable_as_error("r1"),
        database.read() as session,
    ):
        session.execute(text("SELECT name FROM old_accounts"))


def test_syntax_error_is_not_unavailable(database: Database, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite raises OperationalError for syntax errors and for a locked file alike")

    with (
        pytest.raises(DBAPIError),
        database_unavailable_as_error("r1"),
        database.read() as session,
    ):
        session.execute(text("SELEC 1"))
