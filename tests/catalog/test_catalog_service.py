"""Catalog writes and the loader, against SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from liteimages.catalog import service
from liteimages.catalog.enums import Arch, ImageStatus, ServerType, Visibility
from liteimages.catalog.loader import load_view
from liteimages.catalog.models import Image, ImageFlavor
from liteimages.catalog.query import ImageQuery, parse_image_query
from liteimages.catalog.service import FlavorSpec, ImageSpec
from liteimages.db import revisions
from liteimages.db.engine import Database
from liteimages.errors import Conflict, InvalidArgument, LiteImagesError, NotFound

IMAGE_ID = "d7811cdb-b0c6-44fe-9931-1f3b2b6ef477"
ARM_BMS = {"arch": Arch.ARM, "server_type": ServerType.BMS}


def catalog_revision(database: Database) -> int:
    with database.read() as session:
        return revisions.read_all(session)[revisions.CATALOG]


def add_image(database: Database, **values: object) -> str:
    spec = ImageSpec(**{"name": "image", **ARM_BMS, **values})  # type: ignore[arg-type]
    with database.write() as session:
        return service.add_image(session, spec).id


def add_flavor(database: Database, name: str, **values: object) -> None:
    with database.write() as session:
        service.add_flavor(session, FlavorSpec(**{"name": name, **ARM_BMS, **values}))  # type: ignore[arg-type]


def write(database: Database, change: Callable[[Session], object]) -> object:
    with database.write() as session:
        return change(session)


def add_private(database: Database, owner: str, **values: object) -> str:
    return add_image(database, visibility=Visibility.PRIVATE, owner_project_id=owner, **values)


def share(database: Database, image_id: str, project_id: str) -> bool:
    with database.write() as session:
        return service.share_image(session, image_id, project_id)


def names(database: Database, project: str, pairs: list[tuple[str, str]]) -> list[str]:
    with database.snapshot() as session:
        view = load_view(session)
    page = view.list_images(project, parse_image_query(pairs))
    return [json.loads(item)["name"] for item in page.items]


def test_add_image_stores_fields(database: Database) -> None:
    image_id = add_image(
        database,
        id=IMAGE_ID,
        name="ModelArts_Lite Server-Euler2.8",
        arch=Arch.X86,
        server_type=ServerType.ECS,
        status=ImageStatus.INACTIVE,
        tags=["a", "b"],
    )

    with database.read() as session:
        stored = session.get(Image, image_id)
    assert stored is not None
    assert (stored.id, stored.name) == (IMAGE_ID, "ModelArts_Lite Server-Euler2.8")
    assert (stored.arch, stored.server_type, stored.status) == ("X86", "ECS", "INACTIVE")
    assert stored.visibility == "PUBLIC"
    assert stored.tags == ["a", "b"]


def test_add_image_generates_uuid4(database: Database) -> None:
    image_id = add_image(database)

    assert image_id[14] == "4"
    assert len(image_id) == 36


@pytest.mark.parametrize("length", [1, 256])
def test_image_name_length_accepted(database: Database, length: int) -> None:
    image_id = add_image(database, name="n" * length)

    with database.read() as session:
        stored = session.get(Image, image_id)
    assert stored is not None
    assert len(stored.name) == length


@pytest.mark.parametrize("name", ["", "n" * 257])
def test_image_name_length_rejected(database: Database, name: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        add_image(database, name=name)

    assert caught.value.parameter == "name"


@pytest.mark.parametrize(
    "image_id",
    [
        "D7811CDB-B0C6-44FE-9931-1F3B2B6EF477",
        "d7811cdb-b0c6-64fe-9931-1f3b2b6ef477",
        "d7811cdb-b0c6-44fe-c931-1f3b2b6ef477",
        "d7811cdbb0c644fe99311f3b2b6ef477",
        "not-a-uuid",
        "{d7811cdb-b0c6-44fe-9931-1f3b2b6ef477}",
    ],
)
def test_image_id_format_rejected(database: Database, image_id: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        add_image(database, id=image_id)

    assert caught.value.parameter == "id"


def test_duplicate_image_id_conflicts(database: Database) -> None:
    add_image(database, id=IMAGE_ID)

    with pytest.raises(Conflict) as caught:
        add_image(database, id=IMAGE_ID, name="other")

    assert caught.value.error_code == "ModelArts.0109"
    assert IMAGE_ID in caught.value.message


def test_private_image_needs_owner(database: Database) -> None:
    with pytest.raises(InvalidArgument) as caught:
        add_image(database, visibility=Visibility.PRIVATE)

    assert caught.value.parameter == "owner_project_id"


def test_private_image_owner_must_exist(database: Database) -> None:
    with pytest.raises(NotFound) as caught:
        add_image(database, visibility=Visibility.PRIVATE, owner_project_id="no-such-project")

    assert caught.value.object_id == "no-such-project"


def test_public_image_refuses_owner(database: Database, projects: dict[str, str]) -> None:
    with pytest.raises(InvalidArgument) as caught:
        add_image(database, owner_project_id=projects["owner"])

    assert caught.value.parameter == "owner_project_id"


def test_private_image_stored(database: Database, projects: dict[str, str]) -> None:
    image_id = add_image(
        database, visibility=Visibility.PRIVATE, owner_project_id=projects["owner"]
    )

    with database.read() as session:
        stored = session.get(Image, image_id)
    assert stored is not None
    assert stored.visibility == "PRIVATE"
    assert stored.owner_project_id == projects["owner"]


def test_failed_add_image_leaves_no_row(database: Database) -> None:
    with pytest.raises(InvalidArgument):
        add_image(database, visibility=Visibility.PRIVATE)

    with database.read() as session:
        assert session.scalars(select(Image)).all() == []
    assert catalog_revision(database) == 0


def test_add_flavor_stores_fields(database: Database) -> None:
    add_flavor(database, "c7.4xlarge.2", count=3, roce_num=2, is_sold_out=True)

    with database.read() as session:
        stored = service.find_flavor(session, "c7.4xlarge.2")
    assert stored is not None
    assert (stored.count, stored.roce_num, stored.is_sold_out) == (3, 2, True)
    assert stored.charging_mode == "POST_PAID"


@pytest.mark.parametrize(
    ("values", "parameter"),
    [
        ({"name": ""}, "name"),
        ({"name": "f" * 129}, "name"),
        ({"count": -1}, "count"),
        ({"roce_num": -1}, "roce_num"),
    ],
)
def test_add_flavor_rejects(database: Database, values: dict[str, object], parameter: str) -> None:
    given = dict(values)
    name = str(given.pop("name", "flavor"))

    with pytest.raises(InvalidArgument) as caught:
        add_flavor(database, name, **given)

    assert caught.value.parameter == parameter


def test_duplicate_flavor_conflicts(database: Database) -> None:
    add_flavor(database, "f1")

    with pytest.raises(Conflict):
        add_flavor(database, "f1", arch=Arch.X86)


def test_link_flavor_is_idempotent(database: Database) -> None:
    image_id = add_image(database)
    add_flavor(database, "f1")
    before = catalog_revision(database)

    first = write(database, lambda session: service.link_flavor(session, image_id, "f1"))
    second = write(database, lambda session: service.link_flavor(session, image_id, "f1"))

    assert first is True
    assert second is False
    assert catalog_revision(database) == before + 1
    with database.read() as session:
        assert len(session.scalars(select(ImageFlavor)).all()) == 1


@pytest.mark.parametrize(
    ("arch", "server_type"),
    [(Arch.X86, ServerType.BMS), (Arch.ARM, ServerType.ECS), (Arch.X86, ServerType.HPS)],
)
def test_link_flavor_mismatch_rejected(
    database: Database, arch: Arch, server_type: ServerType
) -> None:
    image_id = add_image(database)
    add_flavor(database, "other", arch=arch, server_type=server_type)

    with pytest.raises(InvalidArgument) as caught:
        write(database, lambda session: service.link_flavor(session, image_id, "other"))

    assert caught.value.parameter == "flavor_name"
    assert f"is {server_type}/{arch} but image {image_id} is BMS/ARM" in caught.value.message


def test_link_unknown_flavor(database: Database) -> None:
    image_id = add_image(database)

    with pytest.raises(NotFound) as caught:
        write(database, lambda session: service.link_flavor(session, image_id, "nope"))

    assert caught.value.object_id == "nope"


@pytest.mark.parametrize("image_id", [IMAGE_ID, "not-a-uuid", ""])
def test_link_unknown_image(database: Database, image_id: str) -> None:
    add_flavor(database, "f1")

    with pytest.raises(NotFound):
        write(database, lambda session: service.link_flavor(session, image_id, "f1"))


def test_share_image_is_idempotent(database: Database, projects: dict[str, str]) -> None:
    image_id = add_image(
        database, visibility=Visibility.PRIVATE, owner_project_id=projects["owner"]
    )

    first = write(
        database, lambda session: service.share_image(session, image_id, projects["guest"])
    )
    second = write(
        database, lambda session: service.share_image(session, image_id, projects["guest"])
    )

    assert first is True
    assert second is False


def test_share_with_owner_is_noop(database: Database, projects: dict[str, str]) -> None:
    image_id = add_image(
        database, visibility=Visibility.PRIVATE, owner_project_id=projects["owner"]
    )
    before = catalog_revision(database)

    shared = write(
        database, lambda session: service.share_image(session, image_id, projects["owner"])
    )

    assert shared is False
    assert catalog_revision(database) == before


def test_share_public_image_rejected(database: Database, projects: dict[str, str]) -> None:
    image_id = add_image(database)

    with pytest.raises(InvalidArgument) as caught:
        share(database, image_id, projects["guest"])

    assert caught.value.parameter == "image_id"


def test_share_with_unknown_project(database: Database, projects: dict[str, str]) -> None:
    image_id = add_image(
        database, visibility=Visibility.PRIVATE, owner_project_id=projects["owner"]
    )

    with pytest.raises(NotFound):
        share(database, image_id, "no-such-project")


def test_every_write_bumps_revision(database: Database, projects: dict[str, str]) -> None:
    seen = [catalog_revision(database)]
    image_id = add_image(
        database, visibility=Visibility.PRIVATE, owner_project_id=projects["owner"]
    )
    seen.append(catalog_revision(database))
    add_flavor(database, "f1")
    seen.append(catalog_revision(database))
    write(database, lambda session: service.link_flavor(session, image_id, "f1"))
    seen.append(catalog_revision(database))
    share(database, image_id, projects["guest"])
    seen.append(catalog_revision(database))

    assert seen == [0, 1, 2, 3, 4]


def test_failed_write_keeps_revision(database: Database) -> None:
    add_image(database, id=IMAGE_ID)

    with pytest.raises(LiteImagesError):
        add_image(database, id=IMAGE_ID)

    assert catalog_revision(database) == 1


def test_loader_builds_view(database: Database, projects: dict[str, str]) -> None:
    add_flavor(database, "f1")
    add_flavor(database, "f2")
    public = add_image(database, name="public")
    private = add_image(
        database, name="private", visibility=Visibility.PRIVATE, owner_project_id=projects["owner"]
    )
    write(database, lambda session: service.link_flavor(session, public, "f1"))
    write(database, lambda session: service.link_flavor(session, private, "f1"))
    write(database, lambda session: service.link_flavor(session, private, "f2"))
    share(database, private, projects["guest"])

    with database.snapshot() as session:
        view = load_view(session)

    assert view.revision == catalog_revision(database)
    assert view.image_count == 2
    assert view.flavor_count == 2
    assert view.get_image(projects["guest"], private).flavor_names == {"f1", "f2"}
    assert view.get_image(projects["owner"], private).shared_with == {projects["guest"]}


def test_loader_shares_equal_values(database: Database, projects: dict[str, str]) -> None:
    created = datetime(2024, 5, 1, tzinfo=UTC)
    add_flavor(database, "f1")
    add_flavor(database, "f2")
    first = add_private(database, projects["owner"], name="first", created_at=created)
    second = add_private(database, projects["owner"], name="second", created_at=created)
    lone = add_image(database, name="lone")
    for image_id in (first, second):
        write(
            database,
            lambda session, image_id=image_id: service.link_flavor(session, image_id, "f1"),
        )
        write(
            database,
            lambda session, image_id=image_id: service.link_flavor(session, image_id, "f2"),
        )
        share(database, image_id, projects["guest"])

    with database.snapshot() as session:
        view = load_view(session)
    first_record = view.get_image(projects["owner"], first)
    second_record = view.get_image(projects["owner"], second)
    lone_record = view.get_image(projects["owner"], lone)

    assert first_record.flavor_names == {"f1", "f2"}
    assert first_record.flavor_names is second_record.flavor_names
    assert first_record.shared_with == {projects["guest"]}
    assert first_record.shared_with is second_record.shared_with
    assert first_record.owner_project_id is second_record.owner_project_id
    assert first_record.created_at is second_record.created_at
    assert first_record.updated_at is first_record.created_at
    assert lone_record.flavor_names == frozenset()
    assert lone_record.flavor_names is lone_record.shared_with


def rename(session: Session, image_id: str) -> None:
    service.get_image(session, image_id).name = "renamed"


def deactivate(session: Session, image_id: str) -> None:
    service.get_image(session, image_id).status = ImageStatus.INACTIVE.value


def touch(session: Session, image_id: str) -> None:
    service.get_image(session, image_id).updated_at = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("change", ["link", "share", "rename", "deactivate", "touch"])
def test_reload_rebuilds_changed_records(
    database: Database, projects: dict[str, str], change: str
) -> None:
    add_flavor(database, "f1")
    target = add_private(database, projects["owner"], name="target")
    bystander = add_private(database, projects["owner"], name="bystander")
    with database.snapshot() as session:
        before = load_view(session)
    changes: dict[str, Callable[[Session], object]] = {
        "link": lambda session: service.link_flavor(session, target, "f1"),
        "share": lambda session: service.share_image(session, target, projects["guest"]),
        "rename": lambda session: rename(session, target),
        "deactivate": lambda session: deactivate(session, target),
        "touch": lambda session: touch(session, target),
    }
    write(database, changes[change])

    with database.snapshot() as session:
        after = load_view(session, before)
        fresh = load_view(session)
    changed = after.find_record(target)
    expected = fresh.find_record(target)

    assert changed is not None
    assert expected is not None
    assert changed is not before.find_record(target)
    assert changed == expected
    assert changed.wire == expected.wire
    assert after.find_record(bystander) is before.find_record(bystander)


def test_reload_drops_deleted_records(database: Database) -> None:
    kept = add_image(database, name="kept")
    deleted = add_image(database, name="deleted")
    with database.snapshot() as session:
        before = load_view(session)
    write(database, lambda session: session.delete(service.get_image(session, deleted)))

    with database.snapshot() as session:
        after = load_view(session, before)

    assert after.image_count == 1
    assert after.find_record(deleted) is None
    assert after.find_record(kept) is before.find_record(kept)


@pytest.mark.parametrize(
    ("project", "pairs", "expected"),
    [
        ("owner", [], ["private", "public"]),
        ("guest", [], ["private", "public"]),
        ("stranger", [], ["public"]),
        ("stranger", [("flavor_name", "f1")], ["public"]),
        ("owner", [("flavor_name", "f2")], ["private"]),
        ("stranger", [("flavor_name", "f2")], []),
    ],
)
def test_loaded_view_visibility(
    database: Database,
    projects: dict[str, str],
    project: str,
    pairs: list[tuple[str, str]],
    expected: list[str],
) -> None:
    add_flavor(database, "f1")
    add_flavor(database, "f2")
    public = add_image(database, name="public")
    private = add_image(
        database, name="private", visibility=Visibility.PRIVATE, owner_project_id=projects["owner"]
    )
    write(database, lambda session: service.link_flavor(session, public, "f1"))
    write(database, lambda session: service.link_flavor(session, private, "f2"))
    share(database, private, projects["guest"])

    assert names(database, projects[project], pairs) == expected


def test_loader_on_empty_database(database: Database) -> None:
    with database.snapshot() as session:
        view = load_view(session)

    assert view.revision == 0
    assert view.image_count == 0


@pytest.mark.parametrize(
    "created",
    [
        datetime(2024, 3, 1, 20, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8))),
        datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    ],
)
def test_datetimes_round_trip_as_utc(database: Database, created: datetime) -> None:
    image_id = add_image(database, created_at=created)

    with database.read() as session:
        stored = session.get(Image, image_id)
    with database.snapshot() as session:
        record = load_view(session).get_image("any", image_id)
    assert stored is not None
    assert stored.created_at == created
    assert stored.created_at.tzinfo is UTC
    assert stored.updated_at == created
    assert record.created_at == created
    assert record.created_at.tzinfo is UTC


def test_default_created_at_is_now(database: Database) -> None:
    before = datetime.now(UTC)
    image_id = add_image(database)
    after = datetime.now(UTC)

    with database.read() as session:
        stored = session.get(Image, image_id)
    assert stored is not None
    assert before <= stored.created_at <= after


def test_demo_catalog_loads(database: Database, projects: dict[str, str]) -> None:
    from liteimages.catalog import demo

    with database.write() as session:
        for flavor_spec in demo.flavor_specs():
            service.add_flavor(session, flavor_spec)
        for spec, flavor_names in demo.image_specs(projects["owner"]):
            image = service.add_image(session, spec)
            for flavor_name in flavor_names:
                service.link_flavor(session, image.id, flavor_name)
    with database.snapshot() as session:
        view = load_view(session)

    assert view.image_count == 19
    assert view.flavor_count == 10
    assert view.list_images(projects["owner"], ImageQuery()).total == 19
    assert view.list_images(projects["stranger"], ImageQuery()).total == 18
