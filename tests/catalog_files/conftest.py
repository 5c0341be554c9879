"""Fixtures of the catalog file tests: migrated databases, the demo catalog and a project."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from catalog_files_support import SeededDatabase

from liteimages.db.engine import Database
from liteimages.db.migrate import upgrade
from liteimages.demo import DemoCredentials, seed_demo
from liteimages.identity.secretbox import SecretBox, generate_key
from support.databases import fresh_postgres_database, postgres_admin_url, sqlite_url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """Yield a migrated, empty database on SQLite and on PostgreSQL."""
    database = Database(database_url)
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def other_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Yield a second empty database of the same kind as `database_url`."""
    if database_url.startswith("sqlite"):
        folder = tmp_path / "other"
        folder.mkdir()
        yield sqlite_url(folder)
        return
    admin_url = postgres_admin_url()
    assert admin_url is not None
    with fresh_postgres_database(admin_url) as url:
        yield url


@pytest.fixture
def other_database(other_database_url: str) -> Iterator[Database]:
    """Yield the second database, migrated."""
    database = Database(other_database_url)
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def demo(database: Database) -> DemoCredentials:
    """Seed the demo account, project and catalog (19 images, 10 flavors)."""
    return seed_demo(database, SecretBox(generate_key()), {})


@pytest.fixture(scope="module")
def seeded(module_database_url: str) -> Iterator[SeededDatabase]:
    """Yield a database with the demo catalog, for tests that must not change it."""
    database = Database(module_database_url)
    upgrade(database.engine)
    yield SeededDatabase(database, seed_demo(database, SecretBox(generate_key()), {}))
    database.dispose()
