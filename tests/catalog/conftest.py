"""Fixtures of the catalog tests: a migrated database and projects to own and share images."""

from __future__ import annotations

import pytest

from liteimages.db.engine import Database
from liteimages.identity import service as identity


@pytest.fixture
def projects(database: Database) -> dict[str, str]:
    """Create an account with projects owner, guest and stranger, and return their ids by name."""
    with database.write() as session:
        account = identity.create_account(session, "catalog-tests")
        return {
            name: identity.create_project(session, account.id, name).id
            for name in ("owner", "guest", "stranger")
        }
