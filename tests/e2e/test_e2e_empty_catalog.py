"""ListDevServerImages for a project to which no image at all is visible."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from e2e_support import (
    SdkCaller,
    Tenant,
    add_images,
    build_caller,
    check_error,
    create_tenant,
    open_database,
    visible_total,
    wait_until,
)

from liteimages.catalog.enums import Arch, ServerType, Visibility
from liteimages.catalog.service import ImageSpec
from liteimages.db.engine import Database
from support.server import LiveServer, start_server

NO_IMAGE = "No Lite Server image is available"


@pytest.fixture(scope="module")
def empty_server(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Yield a server started without the demo data, so its catalog is empty."""
    server = start_server(
        module_database_url,
        tmp_path_factory.mktemp("empty-server"),
        secrets.token_hex(16),
        demo=False,
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def empty_database(empty_server: LiveServer) -> Iterator[Database]:
    """Yield the empty server's database."""
    with open_database(empty_server) as database:
        yield database


@pytest.fixture(scope="module")
def lonely(empty_server: LiveServer, empty_database: Database) -> SdkCaller:
    """Return a caller of a project that owns no image."""
    return build_caller(empty_server, create_tenant(empty_database).credential)


def private_image(tenant: Tenant) -> ImageSpec:
    """Return a private image owned by the tenant's project."""
    return ImageSpec(
        name=f"private-{tenant.project_id[:8]}",
        arch=Arch.X86,
        server_type=ServerType.ECS,
        visibility=Visibility.PRIVATE,
        owner_project_id=tenant.project_id,
    )


@pytest.mark.parametrize(
    "query",
    [(), (("server_type", "BMS"),), (("limit", "10"), ("offset", "0"))],
    ids=["plain", "server-type", "paged"],
)
def test_empty_catalog_not_found(lonely: SdkCaller, query: tuple[tuple[str, str], ...]) -> None:
    error = lonely.error_of(lambda: lonely.list_images(extra=query))
    check_error(error, 404, "ModelArts.5058", NO_IMAGE)


def test_empty_catalog_get_not_found(lonely: SdkCaller) -> None:
    image_id = "d7811cdb-b0c6-44fe-9931-1f3b2b6ef477"
    error = lonely.error_of(lambda: lonely.get_image(image_id))
    check_error(error, 404, "ModelArts.5058", f"Object ({image_id}) does not exist")


def test_other_private_image_ignored(
    empty_server: LiveServer, empty_database: Database, lonely: SdkCaller
) -> None:
    owner = create_tenant(empty_database)
    owner_caller = build_caller(empty_server, owner.credential)
    add_images(empty_database, [private_image(owner)])
    wait_until(lambda: visible_total(owner_caller) == 1)
    error = lonely.error_of(lonely.list_images)
    check_error(error, 404, "ModelArts.5058", NO_IMAGE)


def test_own_private_image_listed(empty_server: LiveServer, empty_database: Database) -> None:
    owner = create_tenant(empty_database)
    caller = build_caller(empty_server, owner.credential)
    [image_id] = add_images(empty_database, [private_image(owner)])
    wait_until(lambda: visible_total(caller) == 1)
    response = caller.list_images()
    assert [image.image_id for image in response.data] == [image_id]
    assert response.pages == 1


def test_filter_without_match_on_nonempty(
    empty_server: LiveServer, empty_database: Database
) -> None:
    owner = create_tenant(empty_database)
    caller = build_caller(empty_server, owner.credential)
    add_images(empty_database, [private_image(owner)])
    wait_until(lambda: visible_total(caller) == 1)
    response = caller.list_images(server_type="HPS")
    assert response.status_code == 200
    assert response.data == []
    assert response.total == 0
