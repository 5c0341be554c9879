"""Fresh, isolated databases for tests: a SQLite file or a new PostgreSQL database."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

POSTGRES_URL_VARIABLE = "LITEIMAGES_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_VARIABLE = "LITEIMAGES_REQUIRE_POSTGRES"


def postgres_admin_url() -> str | None:
    """Return the URL of the PostgreSQL database tests may create databases from, if set."""
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


def postgres_required() -> bool:
    """Return whether a missing PostgreSQL must fail the run instead of skipping."""
    return os.environ.get(REQUIRE_POSTGRES_VARIABLE, "") not in ("", "0")


def postgres_admin_url_or_skip() -> str:
    """Return the PostgreSQL admin URL, or skip the test (fail it when PostgreSQL is required)."""
    url = postgres_admin_url()
    if url is None:
        message = f"{POSTGRES_URL_VARIABLE} is not set"
        if postgres_required():
            pytest.fail(f"PostgreSQL is required but {message}")
        pytest.skip(message)
    return url


def plain_url(url: str) -> str:
    """Return a SQLAlchemy PostgreSQL URL in the form psycopg accepts."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_url(folder: Path) -> str:
    """Return the URL of a new SQLite file in `folder`."""
    return f"sqlite:///{folder / 'catalog.db'}"


@contextmanager
def fresh_postgres_database(admin_url: str) -> Iterator[str]:
    """Create an empty database, yield its URL, and drop it afterwards."""
    name = f"liteimages_test_{secrets.token_hex(6)}"
    admin = make_url(admin_url)
    connect = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(connect, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(connect, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
