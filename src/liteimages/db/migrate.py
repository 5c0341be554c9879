"""Apply Alembic migrations programmatically, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from liteimages.db.engine import WRITE_OPTION

MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number works; every liteimages process agrees on it.
POSTGRES_LOCK_ID = 7_344_112_901


def alembic_config() -> Config:
    """Return an Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision.

    Concurrent starts are serialised, so several instances launched at once migrate
    exactly once: by an advisory lock on PostgreSQL and by the write lock on SQLite.
    """
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


def is_current(engine: Engine) -> bool:
    """Return whether the schema is at the newest revision."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head
