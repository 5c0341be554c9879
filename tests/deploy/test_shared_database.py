"""Several server processes on one database stay consistent with each other."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from liteimages.catalog.enums import Arch, ServerType
from liteimages.catalog.service import ImageSpec, add_image
from liteimages.client import AkSkAuth
from liteimages.db import revisions
from liteimages.db.engine import Database
from liteimages.identity.models import KEY_INACTIVE, AccessKey, Token
from liteimages.identity.tokens import hash_token
from support.server import (
    DEMO_AK,
    DEMO_SK,
    LiveServer,
    demo_token,
    start_server,
)

# Workers poll every 0.5 s, so a committed change must show within this bound.
PROPAGATION_BOUND_S = 1.0


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    project_id = secrets.token_hex(16)
    first = start_server(database_url, tmp_path / "a", project_id)
    try:
        second = start_server(database_url, tmp_path / "b", project_id)
    except BaseException:
        first.stop()
        raise
    yield first, second
    second.stop()
    first.stop()


def _images(server: LiveServer, token: str) -> httpx.Response:
    return httpx.get(
        f"{server.endpoint}/v1/{server.project_id}/dev-servers/images",
        headers={"X-Auth-Token": token},
    )


def _wait_for(condition: Callable[[], bool], bound: float) -> float:
    """Poll `condition` until true and return the seconds it took, or fail after 5 bounds."""
    start = time.monotonic()
    while time.monotonic() - start < bound * 5:
        if condition():
            return time.monotonic() - start
        time.sleep(0.02)
    pytest.fail(f"condition not met within {bound * 5} s")


def test_token_from_one_works_on_other(two_servers: tuple[LiveServer, LiveServer]) -> None:
    first, second = two_servers
    token = demo_token(first)

    response = _images(second, token)

    assert response.status_code == 200
    assert response.json()["total"] == 19


def test_catalog_change_reaches_both(two_servers: tuple[LiveServer, LiveServer]) -> None:
    first, second = two_servers
    token = demo_token(first)
    database = Database(first.database_url)
    with database.write() as session:
        add_image(
            session, ImageSpec(name="zz-new-image", arch=Arch.X86, server_type=ServerType.ECS)
        )
    database.dispose()

    delays = [
        _wait_for(lambda server=server: _images(server, token).json()["total"] == 20, 1.0)
        for server in (first, second)
    ]

    assert max(delays) < PROPAGATION_BOUND_S


def test_revoked_token_stops_everywhere(two_servers: tuple[LiveServer, LiveServer]) -> None:
    first, second = two_servers
    token = demo_token(first)
    assert _images(second, token).status_code == 200
    database = Database(first.database_url)
    with database.write() as session:
        stored = session.get(Token, hash_token(token))
        assert stored is not None
        stored.revoked_at = stored.issued_at
        revisions.bump(session, revisions.IDENTITY)
    database.dispose()

    delays = [
        _wait_for(lambda server=server: _images(server, token).status_code == 401, 1.0)
        for server in (first, second)
    ]

    assert max(delays) < PROPAGATION_BOUND_S


def test_disabled_key_stops_everywhere(two_servers: tuple[LiveServer, LiveServer]) -> None:
    first, second = two_servers
    auth = AkSkAuth(DEMO_AK, DEMO_SK, first.project_id)
    path = f"/v1/{first.project_id}/dev-servers/images"
    assert all(
        httpx.get(server.endpoint + path, auth=auth).status_code == 200 for server in two_servers
    )
    database = Database(first.database_url)
    with database.write() as session:
        key = session.get(AccessKey, DEMO_AK)
        assert key is not None
        key.status = KEY_INACTIVE
        revisions.bump(session, revisions.IDENTITY)
    database.dispose()

    delays = [
        _wait_for(
            lambda server=server: httpx.get(server.endpoint + path, auth=auth).status_code == 401,
            1.0,
        )
        for server in (first, second)
    ]

    assert max(delays) < PROPAGATION_BOUND_S
