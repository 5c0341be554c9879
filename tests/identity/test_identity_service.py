"""Accounts, projects, users, grants and access keys, against SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from liteimages.db import revisions
from liteimages.db.engine import Database
from liteimages.errors import Conflict, InvalidArgument, NotFound
from liteimages.identity import service
from liteimages.identity.models import KEY_INACTIVE, AccessKey, Account, Grant, User
from liteimages.identity.passwords import verify_password
from liteimages.identity.secretbox import SecretBox, SecretBoxError, generate_key

VALID_NAMES = ["a", "A" * 64, "user.name@example_1-2", "9lives"]
INVALID_NAMES = [
    "",
    "a" * 65,
    "-lead",
    "_lead",
    ".lead",
    "has space",
    "名称",
    "a/b",
    "a:b",
    "a\x00b",
]


def identity_revision(database: Database) -> int:
    with database.read() as session:
        return revisions.read_all(session)[revisions.IDENTITY]


def new_account(database: Database, name: str = "acme") -> str:
    with database.write() as session:
        return service.create_account(session, name).id


def new_user(database: Database, account_id: str, name: str = "alice") -> str:
    with database.write() as session:
        return service.create_user(session, account_id, name, None).id


def test_account_has_root_user(database: Database) -> None:
    account_id = new_account(database)

    with database.read() as session:
        root = session.scalars(select(User).where(User.account_id == account_id)).one()
    assert root.name == "acme"
    assert root.is_root
    assert root.enabled
    assert root.password_hash is None
    assert len(account_id) == 32


@pytest.mark.parametrize("name", VALID_NAMES)
def test_account_name_accepted(database: Database, name: str) -> None:
    new_account(database, name)

    with database.read() as session:
        assert service.find_account(session, name).name == name


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_account_name_rejected(database: Database, name: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        new_account(database, name)

    assert caught.value.parameter == "name"
    with database.read() as session:
        assert session.scalars(select(Account)).all() == []


def test_duplicate_account_conflicts(database: Database) -> None:
    new_account(database)

    with pytest.raises(Conflict) as caught:
        new_account(database)

    assert caught.value.message == "Account 'acme' already exists"


def test_find_account_by_name_or_id(database: Database) -> None:
    account_id = new_account(database)

    with database.read() as session:
        assert service.find_account(session, "acme").id == account_id
        assert service.find_account(session, account_id).name == "acme"
        with pytest.raises(NotFound):
            service.find_account(session, "nobody")


def test_project_with_given_id(database: Database) -> None:
    account_id = new_account(database)

    with database.write() as session:
        project = service.create_project(session, account_id, "cn-north-4", "Project-01")

    assert project.id == "Project-01"
    assert project.name == "cn-north-4"


def test_project_gets_hex_id(database: Database) -> None:
    account_id = new_account(database)

    with database.write() as session:
        project = service.create_project(session, account_id, "cn-north-4")

    assert len(project.id) == 32
    assert int(project.id, 16) >= 0


@pytest.mark.parametrize("project_id", ["a" * 65, "bad_id", "bad id", "bad/id", "名称"])
def test_project_id_rejected(database: Database, project_id: str) -> None:
    account_id = new_account(database)

    with pytest.raises(InvalidArgument) as caught, database.write() as session:
        service.create_project(session, account_id, "cn-north-4", project_id)

    assert caught.value.parameter == "project_id"


def test_project_needs_account(database: Database) -> None:
    with pytest.raises(NotFound), database.write() as session:
        service.create_project(session, "0" * 32, "cn-north-4")


def test_duplicate_project_id_conflicts(database: Database) -> None:
    first = new_account(database, "first")
    second = new_account(database, "second")
    with database.write() as session:
        service.create_project(session, first, "cn-north-4", "p1")

    with pytest.raises(Conflict), database.write() as session:
        service.create_project(session, second, "cn-north-4", "p1")


def test_project_name_unique_per_account(database: Database) -> None:
    first = new_account(database, "first")
    second = new_account(database, "second")
    with database.write() as session:
        service.create_project(session, first, "cn-north-4")
        service.create_project(session, second, "cn-north-4")

    with pytest.raises(Conflict), database.write() as session:
        service.create_project(session, first, "cn-north-4")


def test_find_project_scoped_to_account(database: Database) -> None:
    first = new_account(database, "first")
    second = new_account(database, "second")
    with database.write() as session:
        project = service.create_project(session, first, "cn-north-4", "p1")

    with database.read() as session:
        assert service.find_project(session, first, "cn-north-4").id == "p1"
        assert service.find_project(session, first, "p1").id == project.id
        with pytest.raises(NotFound):
            service.find_project(session, second, "p1")


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_user_name_rejected(database: Database, name: str) -> None:
    account_id = new_account(database)

    with pytest.raises(InvalidArgument) as caught:
        new_user(database, account_id, name)

    assert caught.value.parameter == "name"


def test_duplicate_user_conflicts(database: Database) -> None:
    account_id = new_account(database)
    new_user(database, account_id)

    with pytest.raises(Conflict):
        new_user(database, account_id)


def test_same_user_name_in_two_accounts(database: Database) -> None:
    first = new_account(database, "first")
    second = new_account(database, "second")

    assert new_user(database, first) != new_user(database, second)


def test_user_needs_account(database: Database) -> None:
    with pytest.raises(NotFound):
        new_user(database, "0" * 32)


def test_password_stored_as_argon2id(database: Database) -> None:
    account_id = new_account(database)

    with database.write() as session:
        user = service.create_user(session, account_id, "alice", "correct horse")

    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash
    assert verify_password(user.password_hash, "correct horse")
    assert not verify_password(user.password_hash, "correct horsE")


@pytest.mark.parametrize("password", ["", "1234567", "x" * 129])
def test_password_length_rejected(database: Database, password: str) -> None:
    account_id = new_account(database)

    with pytest.raises(InvalidArgument) as caught, database.write() as session:
        service.create_user(session, account_id, "alice", password)

    assert caught.value.parameter == "password"
    assert caught.value.message.endswith("must be 8 to 128 characters")


def test_set_password_replaces_hash(database: Database) -> None:
    account_id = new_account(database)
    user_id = new_user(database, account_id)
    before = identity_revision(database)

    with database.write() as session:
        service.set_password(session, user_id, "new password")
    with database.read() as session:
        stored = session.get(User, user_id)

    assert stored is not None
    assert verify_password(stored.password_hash, "new password")
    assert identity_revision(database) == before + 1


def test_set_password_unknown_user(database: Database) -> None:
    with pytest.raises(NotFound), database.write() as session:
        service.set_password(session, "0" * 32, "new password")


def test_grant_role_is_idempotent(database: Database) -> None:
    account_id = new_account(database)
    user_id = new_user(database, account_id)
    with database.write() as session:
        project_id = service.create_project(session, account_id, "cn-north-4").id

    with database.write() as session:
        first = service.grant_role(session, user_id, project_id, "viewer")
    with database.write() as session:
        second = service.grant_role(session, user_id, project_id, "viewer")
        third = service.grant_role(session, user_id, project_id, "admin")

    assert (first, second, third) == (True, False, True)
    with database.read() as session:
        roles = set(session.scalars(select(Grant.role).where(Grant.user_id == user_id)))
    assert roles == {"viewer", "admin"}


@pytest.mark.parametrize("role", ["owner", "", "ADMIN"])
def test_grant_unknown_role(database: Database, role: str) -> None:
    account_id = new_account(database)
    user_id = new_user(database, account_id)

    with pytest.raises(InvalidArgument) as caught, database.write() as session:
        service.grant_role(session, user_id, "p1", role)

    assert caught.value.message.endswith("must be one of admin, member, viewer")


def test_grant_on_other_account_project(database: Database) -> None:
    first = new_account(database, "first")
    second = new_account(database, "second")
    user_id = new_user(database, first)
    with database.write() as session:
        foreign = service.create_project(session, second, "cn-north-4").id

    with pytest.raises(NotFound), database.write() as session:
        service.grant_role(session, user_id, foreign, "viewer")


def test_grant_unknown_user_or_project(database: Database) -> None:
    account_id = new_account(database)
    user_id = new_user(database, account_id)

    with pytest.raises(NotFound), database.write() as session:
        service.grant_role(session, user_id, "no-such-project", "viewer")
    with pytest.raises(NotFound), database.write() as session:
        service.grant_role(session, "0" * 32, "no-such-project", "viewer")


def test_access_key_secret_encrypted(database: Database, box: SecretBox) -> None:
    account_id = new_account(database)
    user_id = new_user(database, account_id)

    with database.write() as session:
        key = service.create_access_key(session, box, user_id, description="ci")
    with database.read() as session:
        stored = session.get(AccessKey, key.access_key)

    assert stored is not None
    assert stored.secret_ciphertext != key.secret_key
    assert key.secret_key not in stored.secret_ciphertext
    assert box.decrypt(stored.secret_ciphertext) == key.secret_key
    assert stored.status == "ACTIVE"
    assert stored.description == "ci"


def test_generated_key_shapes(database: Database, box: SecretBox) -> None:
    account_id = new_account(database)
    user_id = new_user(database, account_id)

    with database.write() as session:
        key = service.create_access_key(session, box, user_id)

    assert len(key.access_key) == 20
    assert key.access_key.isalnum()
    assert key.access_key.upper() == key.access_key
    assert len(key.secret_key) == 40
    assert key.secret_key.isalnum()


def test_wrong_encryption_key_is_clear_error(database: Database, box: SecretBox) -> None:
    account_id = new_account(database)
    user_id = new_user(database, account_id)
    with database.write() as session:
        key = service.create_access_key(session, box, user_id)
    with database.read() as session:
        stored = session.get(AccessKey, key.access_key)
    assert stored is not None

    with pytest.raises(SecretBoxError) as caught:
        SecretBox(generate_key()).decrypt(stored.secret_ciphertext)

    assert "encryption key differs" in str(caught.value)


def test_at_most_two_active_keys(database: Database, box: SecretBox) -> None:
    account_id = new_account(database)
    user_id = new_user(database, account_id)
    with database.write() as session:
        service.create_access_key(session, box, user_id)
        service.create_access_key(session, box, user_id)

    with pytest.raises(Conflict) as caught, database.write() as session:
        service.create_access_key(session, box, user_id)

    assert caught.value.message == f"User {user_id} already has 2 active access keys"


def test_inactive_key_frees_a_slot(database: Database, box: SecretBox) -> None:
    account_id = new_account(database)
    user_id = new_user(database, account_id)
    with database.write() as session:
        first = service.create_access_key(session, box, user_id)
        service.create_access_key(session, box, user_id)
        service.set_key_status(session, first.access_key, KEY_INACTIVE)

    with database.write() as session:
        third = service.create_access_key(session, box, user_id)

    assert third.user_id == user_id


@pytest.mark.parametrize(
    ("access_key", "secret_key", "parameter"),
    [
        ("SHORT", None, "access_key"),
        ("A" * 65, None, "access_key"),
        ("HAS-DASH-KEY", None, "access_key"),
        ("UNICODEKEYÄ", None, "access_key"),
        ("GOODACCESSKEY1", "s" * 15, "secret_key"),
        ("GOODACCESSKEY1", "s" * 129, "secret_key"),
    ],
)
def test_key_rules(
    database: Database,
    box: SecretBox,
    access_key: str,
    secret_key: str | None,
    parameter: str,
) -> None:
    account_id = new_account(database)
    user_id = new_user(database, account_id)

    with pytest.raises(InvalidArgument) as caught, database.write() as session:
        service.create_access_key(
            session, box, user_id, access_key=access_key, secret_key=secret_key
        )

    assert caught.value.parameter == parameter


def test_key_bounds_accepted(database: Database, box: SecretBox) -> None:
    account_id = new_account(database)
    user_id = new_user(database, account_id)

    with database.write() as session:
        short = service.create_access_key(
            session, box, user_id, access_key="abcd1234", secret_key="s" * 16
        )
        long = service.create_access_key(
            session, box, user_id, access_key="K" * 64, secret_key="s" * 128
        )

    assert short.access_key == "abcd1234"
    assert long.secret_key == "s" * 128


def test_non_ascii_secret_key_rejected(database: Database, box: SecretBox) -> None:
    account_id = new_account(database)
    user_id = new_user(database, account_id)

    with pytest.raises(InvalidArgument) as raised, database.write() as session:
        service.create_access_key(session, box, user_id, secret_key="名" * 128)

    assert raised.value.parameter == "secret_key"


def test_duplicate_access_key_conflicts(database: Database, box: SecretBox) -> None:
    account_id = new_account(database)
    alice = new_user(database, account_id, "alice")
    bob = new_user(database, account_id, "bob")
    with database.write() as session:
        service.create_access_key(session, box, alice, access_key="SAMEKEY123")

    with pytest.raises(Conflict), database.write() as session:
        service.create_access_key(session, box, bob, access_key="SAMEKEY123")


def test_key_for_unknown_user(database: Database, box: SecretBox) -> None:
    with pytest.raises(NotFound), database.write() as session:
        service.create_access_key(session, box, "0" * 32)


def test_identity_writes_bump_revision(database: Database, box: SecretBox) -> None:
    seen = [identity_revision(database)]
    account_id = new_account(database)
    seen.append(identity_revision(database))
    user_id = new_user(database, account_id)
    seen.append(identity_revision(database))
    with database.write() as session:
        project_id = service.create_project(session, account_id, "cn-north-4").id
    seen.append(identity_revision(database))
    with database.write() as session:
        service.grant_role(session, user_id, project_id, "viewer")
    seen.append(identity_revision(database))
    with database.write() as session:
        service.create_access_key(session, box, user_id)
    seen.append(identity_revision(database))

    assert seen == [0, 1, 2, 3, 4, 5]
