"""Fixtures of the resilience tests: a PostgreSQL cluster that a test may stop and start."""

from __future__ import annotations

import os
import pwd
from collections.abc import Iterator

import pytest
from resilience_support import PrivatePostgres, find_postgres_bin

from support.databases import postgres_required


def _unavailable(reason: str) -> None:
    if postgres_required():
        pytest.fail(f"PostgreSQL is required but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    """Yield a running PostgreSQL cluster of this module's own, removed afterwards.

    The outage tests stop and restart it, which they must never do to the PostgreSQL
    server that the other tests share.
    """
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        _unavailable("initdb is not installed (looked in /usr/lib/postgresql/*/bin and PATH)")
    assert bin_dir is not None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root, and there is no postgres user to run initdb as")
    cluster = PrivatePostgres(bin_dir)
    try:
        cluster.initialize()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """Run the async tests on asyncio, the event loop uvicorn serves liteimages on."""
    return "asyncio"
