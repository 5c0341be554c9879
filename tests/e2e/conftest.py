"""Fixtures of the end-to-end tests: one demo server per database, shared by every module.

Starting a server takes one to several seconds on a busy machine, so the end-to-end
modules share one `liteimages serve --demo` process per database. The tests keep out of
each other's way: no change to the catalog alters what the demo project lists (new images
are private to new projects), and each test that locks a key or changes a grant creates
its own user and key.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from e2e_support import Credential, SdkCaller, build_caller, open_database

from liteimages.db.engine import Database
from support.databases import (
    fresh_postgres_database,
    postgres_admin_url,
    postgres_required,
    sqlite_url,
)
from support.server import DEMO_AK, DEMO_SK, LiveServer, start_server


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def e2e_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Yield an empty database for the shared demo server, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("e2e-db"))
        return
    admin_url = postgres_admin_url()
    if admin_url is None:
        message = "LITEIMAGES_TEST_POSTGRES_URL is not set"
        if postgres_required():
            pytest.fail(f"PostgreSQL is required but {message}")
        pytest.skip(message)
    with fresh_postgres_database(admin_url) as url:
        yield url


@pytest.fixture(scope="session")
def live_server(
    e2e_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Yield a `liteimages serve --demo` process shared by the end-to-end modules."""
    server = start_server(
        e2e_database_url, tmp_path_factory.mktemp("e2e-server"), secrets.token_hex(16)
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo_credential(live_server: LiveServer) -> Credential:
    """Return the demo user's access key, which has the admin role on the demo project."""
    return Credential(DEMO_AK, DEMO_SK, live_server.project_id)


@pytest.fixture(scope="session")
def demo(live_server: LiveServer, demo_credential: Credential) -> SdkCaller:
    """Return an SDK client of the demo project on the shared server."""
    return build_caller(live_server, demo_credential)


@pytest.fixture(scope="session")
def server_database(live_server: LiveServer) -> Iterator[Database]:
    """Yield the shared server's database, for changes the API does not offer."""
    with open_database(live_server) as database:
        yield database
