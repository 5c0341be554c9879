"""Private images: a project lists only public images, its own and those shared with it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from e2e_support import (
    SdkCaller,
    add_images,
    build_caller,
    check_error,
    create_tenant,
    image_ids,
    share,
    unique_name,
    wait_until,
)

from liteimages.catalog.demo import PRIVATE_IMAGE_NAME
from liteimages.catalog.enums import Arch, ServerType, Visibility
from liteimages.catalog.service import ImageSpec
from liteimages.db.engine import Database
from support.server import LiveServer


@dataclass(frozen=True)
class Projects:
    """The demo project and a second account's project, each owning one private image."""

    demo: SdkCaller
    other: SdkCaller
    demo_private_id: str
    other_private_id: str
    public_ids: frozenset[str]


def private_spec(name: str, project_id: str) -> ImageSpec:
    """Return a private BMS image of `project_id`."""
    return ImageSpec(
        name=name,
        arch=Arch.ARM,
        server_type=ServerType.BMS,
        visibility=Visibility.PRIVATE,
        owner_project_id=project_id,
    )


@pytest.fixture(scope="module")
def projects(live_server: LiveServer, server_database: Database, demo: SdkCaller) -> Projects:
    """Create a second account with a private image and wait until the server serves it."""
    tenant = create_tenant(server_database)
    other = build_caller(live_server, tenant.credential)
    before = other.list_images().total
    [other_private_id] = add_images(
        server_database, [private_spec(unique_name("other-private"), tenant.project_id)]
    )
    wait_until(lambda: other.list_images().total == before + 1)
    demo_images = demo.list_images().data
    [demo_private_id] = [
        image.image_id for image in demo_images if image.name == PRIVATE_IMAGE_NAME
    ]
    public_ids = frozenset(image_ids(demo.list_images())) - {demo_private_id}
    return Projects(demo, other, demo_private_id, other_private_id, public_ids)


def walk_ids(caller: SdkCaller, limit: int) -> list[str]:
    """Return the ids of every page of the list, in turn."""
    total = caller.list_images().total
    collected: list[str] = []
    for offset in range(0, total, limit):
        response = caller.list_images(extra=[("limit", str(limit)), ("offset", str(offset))])
        assert response.total == total
        collected += image_ids(response)
    return collected


def test_demo_list_excludes_other_private(projects: Projects) -> None:
    listed = set(image_ids(projects.demo.list_images()))
    assert projects.other_private_id not in listed
    assert projects.demo_private_id in listed


def test_other_list_excludes_demo_private(projects: Projects) -> None:
    listed = set(image_ids(projects.other.list_images()))
    assert projects.demo_private_id not in listed
    assert projects.other_private_id in listed


def test_each_project_sees_public_images(projects: Projects) -> None:
    for caller in (projects.demo, projects.other):
        assert projects.public_ids <= set(image_ids(caller.list_images()))


def test_totals_count_visible_only(projects: Projects) -> None:
    public = len(projects.public_ids)
    assert projects.demo.list_images().total == public + 1
    assert projects.other.list_images().total == public + 1


def test_filtered_totals_count_visible_only(projects: Projects) -> None:
    demo_bms = projects.demo.list_images(server_type="BMS")
    other_bms = projects.other.list_images(server_type="BMS")
    assert demo_bms.total == other_bms.total
    assert projects.other_private_id not in image_ids(demo_bms)
    assert projects.demo_private_id not in image_ids(other_bms)


def test_flavor_filter_hides_other_private(projects: Projects) -> None:
    flavor = "physical.kat2.48xlarge.8.313t.ei"
    other_ids = image_ids(projects.other.list_images(flavor_name=flavor))
    assert projects.demo_private_id in image_ids(projects.demo.list_images(flavor_name=flavor))
    assert projects.demo_private_id not in other_ids


@pytest.mark.parametrize("limit", [1, 3, 6])
def test_pages_exclude_other_private(projects: Projects, limit: int) -> None:
    demo_pages = walk_ids(projects.demo, limit)
    other_pages = walk_ids(projects.other, limit)
    assert projects.other_private_id not in demo_pages
    assert projects.demo_private_id not in other_pages
    assert len(set(demo_pages)) == len(demo_pages)
    assert len(demo_pages) == projects.demo.list_images().total


def test_get_other_private_not_found(projects: Projects) -> None:
    image_id = projects.other_private_id
    error = projects.demo.error_of(lambda: projects.demo.get_image(image_id))
    check_error(error, 404, "ModelArts.5058", f"Object ({image_id}) does not exist")


def test_get_demo_private_not_found(projects: Projects) -> None:
    image_id = projects.demo_private_id
    error = projects.other.error_of(lambda: projects.other.get_image(image_id))
    check_error(error, 404, "ModelArts.5058", f"Object ({image_id}) does not exist")


def test_get_own_private_image(projects: Projects) -> None:
    assert projects.other.get_image(projects.other_private_id).image_id == projects.other_private_id
    assert projects.demo.get_image(projects.demo_private_id).image_id == projects.demo_private_id


def test_shared_image_becomes_visible(
    projects: Projects, live_server: LiveServer, server_database: Database
) -> None:
    third = build_caller(live_server, create_tenant(server_database).credential)
    image_id = projects.other_private_id
    before = third.list_images().total
    assert image_id not in image_ids(third.list_images())
    share(server_database, image_id, third.credential.project_id)
    wait_until(lambda: third.list_images().total == before + 1)
    assert image_id in image_ids(third.list_images())
    assert third.get_image(image_id).image_id == image_id


def test_share_leaves_others_unchanged(
    projects: Projects, live_server: LiveServer, server_database: Database
) -> None:
    third = build_caller(live_server, create_tenant(server_database).credential)
    share(server_database, projects.demo_private_id, third.credential.project_id)
    wait_until(lambda: projects.demo_private_id in image_ids(third.list_images()))
    assert projects.demo_private_id not in image_ids(projects.other.list_images())
    error = projects.other.error_of(lambda: projects.other.get_image(projects.demo_private_id))
    assert error.status_code == 404
