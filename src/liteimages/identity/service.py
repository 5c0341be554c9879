"""Changes to identities: accounts, projects, users, grants and access keys.

Every function works inside the caller's write transaction and increments the
identity revision, so that every worker drops its cached credentials.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liteimages.db import revisions
from liteimages.errors import Conflict, InvalidArgument, NotFound
from liteimages.identity import ids
from liteimages.identity.models import KEY_ACTIVE, AccessKey, Account, Grant, Project, User
from liteimages.identity.passwords import check_password_rule, hash_password
from liteimages.identity.secretbox import SecretBox

ROLES = ("admin", "member", "viewer")
# IAM allows at most two access keys per user.
MAX_KEYS_PER_USER = 2
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
ACCESS_KEY_PATTERN = re.compile(r"^[A-Za-z0-9]{8,64}$")


@dataclass(frozen=True)
class NewAccessKey:
    """A created key pair; the only moment the secret key is available in clear."""

    access_key: str
    secret_key: str
    user_id: str


def create_account(session: Session, name: str, password: str | None = None) -> Account:
    """Create an account (domain) and its root user, named like the account."""
    _check_name("name", name)
    if session.scalar(select(Account).where(Account.name == name)) is not None:
        raise Conflict(f"Account {name!r} already exists")
    account = Account(id=ids.new_hex_id(), name=name)
    session.add(account)
    session.flush()
    create_user(session, account.id, name, password, is_root=True)
    return account


def create_project(
    session: Session, account_id: str, name: str, project_id: str | None = None
) -> Project:
    """Create a project of an account; `name` is usually a region id such as cn-north-4."""
    _check_name("name", name)
    project_id = project_id or ids.new_hex_id()
    if not ids.is_project_id(project_id):
        raise InvalidArgument("project_id", "must be 1 to 64 letters, digits and hyphens")
    if session.get(Account, account_id) is None:
        raise NotFound(account_id)
    if session.get(Project, project_id) is not None:
        raise Conflict(f"Project {project_id} already exists")
    taken = select(Project).where(Project.account_id == account_id, Project.name == name)
    if session.scalar(taken) is not None:
        raise Conflict(f"Project {name!r} already exists in account {account_id}")
    project = Project(id=project_id, account_id=account_id, name=name)
    session.add(project)
    session.flush()
    revisions.bump(session, revisions.IDENTITY)
    return project


def create_user(
    session: Session,
    account_id: str,
    name: str,
    password: str | None,
    *,
    is_root: bool = False,
) -> User:
    """Create a user of an account, with a password if one is given."""
    _check_name("name", name)
    taken = select(User).where(User.account_id == account_id, User.name == name)
    if session.scalar(taken) is not None:
        raise Conflict(f"User {name!r} already exists in account {account_id}")
    user = User(id=ids.new_hex_id(), account_id=account_id, name=name, is_root=is_root)
    if password is not None:
        user.password_hash = _hashed(password)
    session.add(user)
    session.flush()
    revisions.bump(session, revisions.IDENTITY)
    return user


def set_password(session: Session, user_id: str, password: str) -> None:
    """Replace a user's password."""
    user = _user(session, user_id)
    user.password_hash = _hashed(password)
    revisions.bump(session, revisions.IDENTITY)


def grant_role(session: Session, user_id: str, project_id: str, role: str) -> bool:
    """Give `role` on a project of the user's account; return False if it was already given."""
    if role not in ROLES:
        raise InvalidArgument("role", f"must be one of {', '.join(ROLES)}")
    user = _user(session, user_id)
    project = session.get(Project, project_id)
    if project is None or project.account_id != user.account_id:
        raise NotFound(project_id)
    existing = select(Grant).where(
        Grant.user_id == user_id, Grant.project_id == project_id, Grant.role == role
    )
    if session.scalar(existing) is not None:
        return False
    session.add(Grant(user_id=user_id, project_id=project_id, role=role))
    session.flush()
    revisions.bump(session, revisions.IDENTITY)
    return True


def create_access_key(
    session: Session,
    box: SecretBox,
    user_id: str,
    *,
    access_key: str | None = None,
    secret_key: str | None = None,
    description: str = "",
) -> NewAccessKey:
    """Create an access key for a user; the secret key is stored encrypted."""
    _user(session, user_id)
    active = select(func.count()).where(
        AccessKey.user_id == user_id, AccessKey.status == KEY_ACTIVE
    )
    if (session.scalar(active) or 0) >= MAX_KEYS_PER_USER:
        raise Conflict(f"User {user_id} already has {MAX_KEYS_PER_USER} active access keys")
    access_key = access_key or ids.new_access_key()
    secret_key = secret_key or ids.new_secret_key()
    if not ACCESS_KEY_PATTERN.fullmatch(access_key):
        raise InvalidArgument("access_key", "must be 8 to 64 letters and digits")
    if not 16 <= len(secret_key) <= 128:
        raise InvalidArgument("secret_key", "must be 16 to 128 characters")
    if session.get(AccessKey, access_key) is not None:
        raise Conflict(f"Access key {access_key} already exists")
    session.add(
        AccessKey(
            access_key=access_key,
            user_id=user_id,
            secret_ciphertext=box.encrypt(secret_key),
            description=description,
        )
    )
    session.flush()
    revisions.bump(session, revisions.IDENTITY)
    return NewAccessKey(access_key=access_key, secret_key=secret_key, user_id=user_id)


def find_account(session: Session, name_or_id: str) -> Account:
    """Return the account with this name or id, or raise `NotFound`."""
    account = session.get(Account, name_or_id) or session.scalar(
        select(Account).where(Account.name == name_or_id)
    )
    if account is None:
        raise NotFound(name_or_id)
    return account


def find_user(session: Session, account_id: str, name_or_id: str) -> User:
    """Return the user of the account with this name or id, or raise `NotFound`."""
    user = session.scalar(
        select(User).where(
            User.account_id == account_id, (User.name == name_or_id) | (User.id == name_or_id)
        )
    )
    if user is None:
        raise NotFound(name_or_id)
    return user


def find_project(session: Session, account_id: str, name_or_id: str) -> Project:
    """Return the project of the account with this name or id, or raise `NotFound`."""
    project = session.scalar(
        select(Project).where(
            Project.account_id == account_id,
            (Project.name == name_or_id) | (Project.id == name_or_id),
        )
    )
    if project is None:
        raise NotFound(name_or_id)
    return project


def _user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    return user


def _hashed(password: str) -> str:
    problem = check_password_rule(password)
    if problem is not None:
        raise InvalidArgument("password", problem)
    return hash_password(password)


def _check_name(parameter: str, name: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidArgument(
            parameter, "must be 1 to 64 characters: letters, digits, '_', '.', '@' and '-'"
        )
