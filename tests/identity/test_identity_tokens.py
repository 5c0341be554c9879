"""Password tokens: checks, scope, lifetime and storage, against SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from liteimages.db.engine import Database
from liteimages.identity import service
from liteimages.identity.errors import IamError
from liteimages.identity.models import Token
from liteimages.identity.tokens import IssuedToken, PasswordLogin, hash_token, issue_token

PASSWORD = "correct horse"


@dataclass(frozen=True)
class Setup:
    """Ids of the account, its project and its user with a password."""

    account_id: str
    project_id: str
    user_id: str


@pytest.fixture(scope="module")
def database(migrated_database: Database) -> Database:
    """Return the module's database, shared by every test here.

    Each password hash costs about 0.2 s, so the user is created once per module.
    """
    return migrated_database


@pytest.fixture(scope="module")
def setup(database: Database) -> Setup:
    with database.write() as session:
        account = service.create_account(session, "acme")
        project = service.create_project(session, account.id, "cn-north-4")
        service.create_project(session, account.id, "cn-south-1")
        user = service.create_user(session, account.id, "alice", PASSWORD)
        service.grant_role(session, user.id, project.id, "viewer")
        service.grant_role(session, user.id, project.id, "admin")
        return Setup(account.id, project.id, user.id)


LOGIN = PasswordLogin(
    user_name="alice",
    password=PASSWORD,
    domain_name="acme",
    domain_id=None,
    project_name="cn-north-4",
    project_id=None,
)


def issue(database: Database, login: PasswordLogin) -> IssuedToken:
    with database.write() as session:
        return issue_token(session, login)


def test_issue_by_names(database: Database, setup: Setup) -> None:
    token = issue(database, LOGIN)

    assert token.user.id == setup.user_id
    assert token.account.id == setup.account_id
    assert token.project.id == setup.project_id
    assert token.roles == ("admin", "viewer")


def test_issue_by_ids(database: Database, setup: Setup) -> None:
    login = replace(LOGIN, domain_name=None, domain_id=setup.account_id)
    login = replace(login, project_name=None, project_id=setup.project_id)

    token = issue(database, login)

    assert token.project.name == "cn-north-4"


def test_project_without_grant_has_no_roles(database: Database, setup: Setup) -> None:
    token = issue(database, replace(LOGIN, project_name="cn-south-1"))

    assert token.roles == ()


def test_token_lives_24_hours(database: Database, setup: Setup) -> None:
    token = issue(database, LOGIN)

    assert token.expires_at - token.issued_at == timedelta(hours=24)
    assert token.issued_at.utcoffset() == timedelta(0)


def test_only_token_hash_stored(database: Database, setup: Setup) -> None:
    token = issue(database, LOGIN)

    with database.read() as session:
        stored = session.get(Token, hash_token(token.value))
    assert stored is not None
    assert stored.token_hash == hashlib.sha256(token.value.encode()).hexdigest()
    assert stored.token_hash == hash_token(token.value)
    assert token.value not in (stored.token_hash, stored.user_id, stored.project_id)
    assert stored.expires_at == token.expires_at
    assert stored.revoked_at is None


def test_tokens_are_unique(database: Database, setup: Setup) -> None:
    values = {issue(database, LOGIN).value for _ in range(3)}

    assert len(values) == 3
    assert all(len(value) >= 64 for value in values)


@pytest.mark.parametrize(
    "change",
    [
        {"password": "wrong horse"},
        {"user_name": "nobody"},
        {"user_name": "acme"},
        {"domain_name": "other"},
        {"domain_name": None, "domain_id": "0" * 32},
    ],
)
def test_wrong_credentials_rejected(
    database: Database, setup: Setup, change: dict[str, str | None]
) -> None:
    with pytest.raises(IamError) as caught:
        issue(database, replace(LOGIN, **change))  # type: ignore[arg-type]

    assert caught.value.status == 401
    assert caught.value.error_code == "IAM.0001"
    assert caught.value.message == "The username or password is wrong."


def test_failed_login_stores_nothing(database: Database, setup: Setup) -> None:
    with database.read() as session:
        before = len(session.scalars(select(Token)).all())

    with pytest.raises(IamError):
        issue(database, replace(LOGIN, password="wrong horse"))

    with database.read() as session:
        assert len(session.scalars(select(Token)).all()) == before


@pytest.mark.parametrize(
    "change",
    [
        {"project_name": "cn-east-3"},
        {"project_name": None, "project_id": "0" * 32},
    ],
)
def test_unknown_project_rejected(
    database: Database, setup: Setup, change: dict[str, str | None]
) -> None:
    with pytest.raises(IamError) as caught:
        issue(database, replace(LOGIN, **change))  # type: ignore[arg-type]

    assert caught.value.status == 404
    assert caught.value.error_code == "IAM.0004"


def test_project_of_other_account_rejected(database: Database, setup: Setup) -> None:
    with database.write() as session:
        other = service.create_account(session, "other")
        foreign = service.create_project(session, other.id, "cn-east-3")

    with pytest.raises(IamError) as caught:
        issue(database, replace(LOGIN, project_name=None, project_id=foreign.id))

    assert caught.value.status == 404


def test_disabled_user_rejected(database: Database, setup: Setup) -> None:
    with database.write() as session:
        user = service.create_user(session, setup.account_id, "disabled", PASSWORD)
        service.set_user_enabled(session, user.id, False)

    with pytest.raises(IamError) as caught:
        issue(database, replace(LOGIN, user_name="disabled"))

    assert caught.value.status == 401
    assert caught.value.message == "The user is disabled."


def test_user_without_password_rejected(database: Database, setup: Setup) -> None:
    with pytest.raises(IamError) as caught:
        issue(database, replace(LOGIN, user_name="acme", password="liteimages-no-such-user"))

    assert caught.value.status == 401
