"""Listing and clearing lockouts through the administration core, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from liteimages.admin.lockouts import LockoutAdmin, LockoutFilter
from liteimages.audit.models import AuditEvent
from liteimages.audit.trail import Actor
from liteimages.db.base import utcnow
from liteimages.db.engine import Database
from liteimages.errors import Forbidden, NotFound
from liteimages.identity import service as identity
from liteimages.identity.credentials import load_principal
from liteimages.identity.lockout import LockoutKind, LockoutRecord, LockoutStore, user_key
from liteimages.identity.lockout_clears import LockoutClearRecord
from liteimages.identity.secretbox import SecretBox, generate_key

THRESHOLD = 5


@dataclass(frozen=True)
class World:
    """A system account and two tenants, each tenant with a root user and an IAM user."""

    system_root: str
    acme_id: str
    acme_root: str
    alice: str
    alice_key: str
    other_id: str
    other_root: str
    bob: str
    bob_key: str


@pytest.fixture
def world(database: Database) -> World:
    """Create the accounts and lock or count failures of alice's and bob's keys and users.

    alice's key is locked and alice has 2 failures; bob's key has 1 failure and bob is locked.
    """
    box = SecretBox(generate_key())
    with database.write() as session:
        system = identity.create_account(session, "ops", is_system=True)
        acme = identity.create_account(session, "acme")
        identity.create_project(session, acme.id, "cn-north-4", "acme-project")
        alice = identity.create_user(session, acme.id, "alice", None)
        alice_key = identity.create_access_key(session, box, alice.id)
        other = identity.create_account(session, "other")
        bob = identity.create_user(session, other.id, "bob", None)
        bob_key = identity.create_access_key(session, box, bob.id)
        roots = {
            account.id: identity.find_user(session, account.id, account.name).id
            for account in (system, acme, other)
        }
    fail(database, alice_key.access_key, THRESHOLD)
    fail(database, user_key(alice.id), 2)
    fail(database, bob_key.access_key, 1)
    fail(database, user_key(bob.id), THRESHOLD)
    return World(
        roots[system.id], acme.id, roots[acme.id], alice.id, alice_key.access_key,
        other.id, roots[other.id], bob.id, bob_key.access_key,
    )  # fmt: skip


def fail(database: Database, key: str, times: int) -> None:
    store = LockoutStore(database)
    for _ in range(times):
        store.add_failure(key, THRESHOLD, 300.0)


def actor(database: Database, user_id: str | None) -> Actor:
    """Return the actor of an API request by the user, or the operator for None."""
    if user_id is None:
        return Actor.operator()
    with database.read() as session:
        return Actor.of(load_principal(session, user_id), None, "request-1")


def listed(
    database: Database, user_id: str | None, where: LockoutFilter | None = None
) -> list[dict[str, object]]:
    with database.read() as session:
        found = LockoutAdmin(session, actor(database, user_id)).list(where or LockoutFilter())
    return [dict(item) for item in found]


def stored_keys(database: Database) -> set[str]:
    with database.read() as session:
        return set(session.scalars(select(LockoutRecord.access_key)))


def clear_events(database: Database) -> list[AuditEvent]:
    with database.read() as session:
        query = select(AuditEvent).where(AuditEvent.action == "lockout.clear")
        return list(session.scalars(query.order_by(AuditEvent.id)))


def test_operator_lists_every_lockout(database: Database, world: World) -> None:
    found = {(item["kind"], item["user_name"]): item for item in listed(database, None)}

    assert set(found) == {
        ("access_key", "alice"), ("user", "alice"), ("access_key", "bob"), ("user", "bob"),
    }  # fmt: skip
    key = found[("access_key", "alice")]
    assert key["access_key"] == world.alice_key
    assert key["user_id"] == world.alice
    assert key["account_id"] == world.acme_id
    assert key["failures"] == 0
    assert key["locked"] is True
    assert isinstance(key["locked_until"], str)
    user = found[("user", "alice")]
    assert user["access_key"] is None
    assert user["user_id"] == world.alice
    assert user["failures"] == 2
    assert user["locked"] is False
    assert user["locked_until"] is None


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (
            LockoutFilter(kind=LockoutKind.ACCESS_KEY),
            {("access_key", "alice"), ("access_key", "bob")},
        ),
        (LockoutFilter(kind=LockoutKind.USER), {("user", "alice"), ("user", "bob")}),
        (LockoutFilter(locked=True), {("access_key", "alice"), ("user", "bob")}),
        (LockoutFilter(locked=False), {("user", "alice"), ("access_key", "bob")}),
        (LockoutFilter(kind=LockoutKind.USER, locked=True), {("user", "bob")}),
    ],
)
def test_list_filters(
    database: Database, world: World, criteria: LockoutFilter, expected: set[tuple[str, str]]
) -> None:
    found = listed(database, None, criteria)

    assert {(item["kind"], item["user_name"]) for item in found} == expected


def test_list_filters_by_account(database: Database, world: World) -> None:
    found = listed(database, None, LockoutFilter(account_id=world.other_id))

    assert {item["user_name"] for item in found} == {"bob"}
    assert len(found) == 2


def test_list_pages_in_key_order(database: Database, world: World) -> None:
    every = listed(database, None)
    pages = [listed(database, None, LockoutFilter(limit=3, offset=offset)) for offset in (0, 3, 6)]

    assert [len(page) for page in pages] == [3, 1, 0]
    assert pages[0] + pages[1] == every


def test_list_skips_ended_locks(database: Database, world: World) -> None:
    ended = utcnow() - timedelta(seconds=1)
    with database.write() as session:
        session.add(LockoutRecord(access_key="ENDEDKEY1", failures=0, locked_until=ended))

    found = listed(database, None)

    assert "ENDEDKEY1" not in {item["access_key"] for item in found}


def test_account_admin_lists_own_account(database: Database, world: World) -> None:
    found = listed(database, world.acme_root)

    assert {item["user_name"] for item in found} == {"alice"}
    assert len(found) == 2


def test_account_admin_other_account_403(database: Database, world: World) -> None:
    with pytest.raises(Forbidden):
        listed(database, world.acme_root, LockoutFilter(account_id=world.other_id))


def test_non_admin_list_403(database: Database, world: World) -> None:
    with pytest.raises(Forbidden):
        listed(database, world.alice)


def test_deleted_key_listed_without_user(database: Database, world: World) -> None:
    with database.write() as session:
        identity.delete_access_key(session, world.alice_key)

    found = [item for item in listed(database, None) if item["access_key"] == world.alice_key]
    own = listed(database, world.acme_root)

    assert len(found) == 1
    assert found[0]["user_id"] is None
    assert found[0]["user_name"] is None
    assert found[0]["account_id"] is None
    assert world.alice_key not in {item["access_key"] for item in own}


def test_clear_key_records_event(database: Database, world: World) -> None:
    with database.write() as session:
        cleared = LockoutAdmin(session, actor(database, world.system_root)).clear_access_key(
            world.alice_key
        )

    assert cleared == 1
    assert world.alice_key not in stored_keys(database)
    events = clear_events(database)
    assert len(events) == 1
    assert events[0].resource_type == "access_key"
    assert events[0].resource_id == world.alice_key
    assert events[0].actor_user_id == world.system_root
    assert events[0].before is not None
    assert events[0].before["locked"] is True
    assert events[0].before["user_name"] == "alice"
    assert events[0].after is None


def test_clear_key_without_lockout(database: Database, world: World) -> None:
    with database.write() as session:
        LockoutAdmin(session, Actor.operator()).clear_access_key(world.alice_key)
    with database.write() as session:
        cleared = LockoutAdmin(session, Actor.operator()).clear_access_key(world.alice_key)

    assert cleared == 0
    assert len(clear_events(database)) == 1
    with database.read() as session:
        announced = session.scalars(select(LockoutClearRecord.access_key)).all()
    assert announced == [world.alice_key, world.alice_key]


def test_clear_unknown_key_404(database: Database, world: World) -> None:
    with database.write() as session, pytest.raises(NotFound):
        LockoutAdmin(session, Actor.operator()).clear_access_key("NOSUCHKEY123")


def test_clear_deleted_key_system_only(database: Database, world: World) -> None:
    with database.write() as session:
        identity.delete_access_key(session, world.alice_key)

    with database.write() as session, pytest.raises(NotFound):
        LockoutAdmin(session, actor(database, world.acme_root)).clear_access_key(world.alice_key)
    with database.write() as session:
        cleared = LockoutAdmin(session, actor(database, world.system_root)).clear_access_key(
            world.alice_key
        )

    assert cleared == 1
    before = clear_events(database)[0].before
    assert before is not None
    assert before["access_key"] == world.alice_key
    assert before["user_id"] is None
    assert before["user_name"] is None


def test_clear_other_account_key_403(database: Database, world: World) -> None:
    with database.write() as session, pytest.raises(Forbidden):
        LockoutAdmin(session, actor(database, world.acme_root)).clear_access_key(world.bob_key)

    assert world.bob_key in stored_keys(database)


def test_clear_user_records_event(database: Database, world: World) -> None:
    with database.write() as session:
        cleared = LockoutAdmin(session, actor(database, world.other_root)).clear_user(world.bob)

    assert cleared == 1
    assert user_key(world.bob) not in stored_keys(database)
    events = clear_events(database)
    assert [(event.resource_type, event.resource_id) for event in events] == [("user", world.bob)]


def test_clear_unknown_user_404(database: Database, world: World) -> None:
    with database.write() as session, pytest.raises(NotFound):
        LockoutAdmin(session, Actor.operator()).clear_user("0" * 32)


def test_clear_all_by_operator(database: Database, world: World) -> None:
    ended = utcnow() - timedelta(seconds=1)
    with database.write() as session:
        session.add(LockoutRecord(access_key="ENDEDKEY1", failures=0, locked_until=ended))

    with database.write() as session:
        cleared = LockoutAdmin(session, Actor.operator()).clear_all()

    assert cleared == 4
    assert stored_keys(database) == set()
    assert len(clear_events(database)) == 4
    assert {event.via for event in clear_events(database)} == {"cli"}


def test_clear_all_of_one_kind(database: Database, world: World) -> None:
    with database.write() as session:
        cleared = LockoutAdmin(session, Actor.operator()).clear_all(LockoutKind.USER)

    assert cleared == 2
    assert stored_keys(database) == {world.alice_key, world.bob_key}


def test_account_admin_clears_own_account(database: Database, world: World) -> None:
    with database.write() as session:
        cleared = LockoutAdmin(session, actor(database, world.acme_root)).clear_all()

    assert cleared == 2
    assert stored_keys(database) == {world.bob_key, user_key(world.bob)}


def test_system_admin_clears_one_account(database: Database, world: World) -> None:
    with database.write() as session:
        admin = LockoutAdmin(session, actor(database, world.system_root))
        cleared = admin.clear_all(LockoutKind.ACCESS_KEY, world.other_id)

    assert cleared == 1
    assert world.bob_key not in stored_keys(database)
    assert len(stored_keys(database)) == 3


def test_non_admin_clear_all_403(database: Database, world: World) -> None:
    with database.write() as session, pytest.raises(Forbidden):
        LockoutAdmin(session, actor(database, world.alice)).clear_all()

    assert len(stored_keys(database)) == 4
