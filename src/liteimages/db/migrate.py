"""Apply Alembic migrations programmatically, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from liteimages.db.engine import WRITE_OPTION

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration. A start-up that finds it in alembic_version skips Alembic,
# whose import alone costs about a tenth of a second; a test keeps it equal to the
# head of the migration scripts.
HEAD_REVISION = "0004"
# Any fixed number works; every liteimages process agrees on it.
POSTGRES_LOCK_ID = 7_344_112_901


def alembic_config() -> Config:
    """Return an Alembic configuration pointing at the packaged migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision.

    Concurrent starts are serialised, so several instances launched at once migrate
    exactly once. PostgreSQL takes an advisory lock and SQLite its write lock.
    """
    if stored_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    config = alembic_config()
    with engine.connect() as connection:
        # On SQLite the write option makes the transaction BEGIN IMMEDIATE, which takes
        # the write lock before Alembic reads the current revision.
        connection = connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:id)"), {"id": POSTGRES_LOCK_ID}
                )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


def stored_revision(engine: Engine) -> str | None:
    """Return the revision recorded in alembic_version, or None on a new database."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None


def is_current(engine: Engine) -> bool:
    """Return whether the schema is at the newest revision."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return stored_revision(engine) == head
