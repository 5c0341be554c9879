"""Test setup shared by every test package."""

import atexit
import os
import shutil
import tempfile

# huaweicloudsdkcore writes under ~/.huaweicloud when it is imported, so HOME points at a
# throwaway folder before any test module imports the SDK.
_home = tempfile.mkdtemp(prefix="liteimages-test-home-")
atexit.register(shutil.rmtree, _home, ignore_errors=True)
os.environ["HOME"] = _home
# Keep the SDK from falling back to a public IAM endpoint. Port 9 is the discard port, which
# normally has no listener, so a stray IAM request fails without leaving the machine.
os.environ["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = "http://127.0.0.1:9"


import secrets  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from sqlalchemy import update  # noqa: E402

from liteimages.db.engine import Database  # noqa: E402
from liteimages.db.migrate import upgrade  # noqa: E402
from liteimages.db.revisions import Revision  # noqa: E402
from liteimages.db.schema import metadata  # noqa: E402
from support.databases import (  # noqa: E402
    fresh_postgres_database,
    postgres_admin_url,
    postgres_required,
    sqlite_url,
)
from support.server import LiveServer, start_server  # noqa: E402

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _database_url(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield sqlite_url(folder)
        return
    admin_url = postgres_admin_url()
    if admin_url is None:
        message = "LITEIMAGES_TEST_POSTGRES_URL is not set"
        if postgres_required():
            pytest.fail(f"PostgreSQL is required but {message}")
        pytest.skip(message)
    with fresh_postgres_database(admin_url) as url:
        yield url


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database, once on SQLite and once on PostgreSQL."""
    yield from _database_url(request.param, tmp_path)


@pytest.fixture(scope="module", params=DATABASES)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Yield an empty database shared by one test module, on each database."""
    yield from _database_url(request.param, tmp_path_factory.mktemp("db"))


@pytest.fixture
def project_id() -> str:
    """Return a new random project id in the 32-hex form Huawei Cloud uses."""
    return secrets.token_hex(16)


@pytest.fixture(scope="module")
def live_server(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Yield a `liteimages serve --demo` process shared by one test module."""
    server = start_server(
        module_database_url, tmp_path_factory.mktemp("server"), secrets.token_hex(16)
    )
    yield server
    server.stop()


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
