"""Fixtures of the admin API tests: the demo administrator's client and the server database."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from admin_support import Identity, demo_identity, signed_client

from liteimages.db.engine import Database
from support.server import DEMO_AK, DEMO_SK, LiveServer


@pytest.fixture(scope="module")
def admin(live_server: LiveServer) -> Iterator[httpx.Client]:
    """Yield a client signed with the demo key, whose user is a system administrator."""
    with signed_client(live_server, DEMO_AK, DEMO_SK, live_server.project_id) as client:
        yield client


@pytest.fixture(scope="module")
def demo_admin(admin: httpx.Client) -> Identity:
    """Return the demo administrator as audit events name it."""
    return demo_identity(admin)


@pytest.fixture(scope="module")
def server_database(live_server: LiveServer) -> Iterator[Database]:
    """Yield the live server's database, for changes the API does not offer."""
    database = Database(live_server.database_url)
    yield database
    database.dispose()
