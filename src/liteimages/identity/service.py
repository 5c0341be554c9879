"""Changes to identities: accounts, projects, users, grants and access keys.

Every function works inside the caller's write transaction and increments the
identity revision, so that every worker drops its cached credentials.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liteimages.db import revisions
from liteimages.db.base import utcnow
from liteimages.errors import Conflict, InvalidArgument, NotFound
from liteimages.identity import ids
from liteimages.identity.models import (
    KEY_ACTIVE,
    KEY_INACTIVE,
    AccessKey,
    Account,
    Grant,
    Project,
    Token,
    User,
)
from liteimages.identity.passwords import check_password_rule, hash_password
from liteimages.identity.secretbox import SecretBox

ROLES = ("admin", "member", "viewer")
# IAM allows at most two access keys per user.
MAX_KEYS_PER_USER = 2
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
ACCESS_KEY_PATTERN = re.compile(r"^[A-Za-z0-9]{8,64}$")
# IAM issues temporary credentials for 15 minutes to 24 hours.
MIN_TEMPORARY_DURATION = timedelta(minutes=15)
MAX_TEMPORARY_DURATION = timedelta(hours=24)


@dataclass(frozen=True)
class NewAccessKey:
    """A created key pair; the only moment the secret key is available in clear."""

    access_key: str
    secret_key: str
    user_id: str


@dataclass(frozen=True)
class TemporaryCredential:
    """Temporary AK/SK with the security token that must accompany them."""

    access_key: str
    secret_key: str
    security_token: str
    expires_at: datetime


def create_account(
    session: Session, name: str, password: str | None = None, *, is_system: bool = False
) -> Account:
    """Create an account (domain) and its root user, named like the account."""
    _check_name("name", name)
    if session.scalar(select(Account).where(Account.name == name)) is not None:
        raise Conflict(f"Account {name!r} already exists")
    account = Account(id=ids.new_hex_id(), name=name, is_system=is_system)
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
    if session.get(Account, account_id) is None:
        raise NotFound(account_id)
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
    _check_key_quota(session, user_id)
    access_key = access_key or ids.new_access_key()
    secret_key = secret_key or ids.new_secret_key()
    if not ACCESS_KEY_PATTERN.fullmatch(access_key):
        raise InvalidArgument("access_key", "must be 8 to 64 letters and digits")
    if not (16 <= len(secret_key) <= 128 and secret_key.isascii() and secret_key.isprintable()):
        raise InvalidArgument("secret_key", "must be 16 to 128 printable ASCII characters")
    if len(description) > 255:
        raise InvalidArgument("description", "must be at most 255 characters")
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


def set_user_enabled(session: Session, user_id: str, enabled: bool) -> User:
    """Enable or disable a user; a disabled user's keys and tokens stop working."""
    user = _user(session, user_id)
    user.enabled = enabled
    revisions.bump(session, revisions.IDENTITY)
    return user


def delete_user(session: Session, user_id: str) -> None:
    """Delete an IAM user with its keys, grants and tokens; a root user cannot be deleted."""
    user = _user(session, user_id)
    if user.is_root:
        raise Conflict(f"User {user_id} is the account's root user; delete the account instead")
    session.delete(user)
    session.flush()
    revisions.bump(session, revisions.IDENTITY)


def revoke_role(session: Session, user_id: str, project_id: str, role: str) -> bool:
    """Remove a grant; return False if there was none."""
    grant = session.scalar(
        select(Grant).where(
            Grant.user_id == user_id, Grant.project_id == project_id, Grant.role == role
        )
    )
    if grant is None:
        return False
    session.delete(grant)
    session.flush()
    revisions.bump(session, revisions.IDENTITY)
    return True


def set_key_status(session: Session, access_key: str, status: str) -> AccessKey:
    """Enable (ACTIVE) or disable (INACTIVE) an access key."""
    if status not in (KEY_ACTIVE, KEY_INACTIVE):
        raise InvalidArgument("status", f"must be {KEY_ACTIVE} or {KEY_INACTIVE}")
    key = get_access_key(session, access_key)
    if status == KEY_ACTIVE and key.status != KEY_ACTIVE:
        _check_key_quota(session, key.user_id)
    key.status = status
    revisions.bump(session, revisions.IDENTITY)
    return key


def delete_access_key(session: Session, access_key: str) -> None:
    """Delete an access key."""
    session.delete(get_access_key(session, access_key))
    session.flush()
    revisions.bump(session, revisions.IDENTITY)


def get_access_key(session: Session, access_key: str) -> AccessKey:
    """Return the access key or raise `NotFound`."""
    key = session.get(AccessKey, access_key)
    if key is None:
        raise NotFound(access_key)
    return key


def create_temporary_key(
    session: Session, box: SecretBox, user_id: str, duration: timedelta
) -> TemporaryCredential:
    """Create a temporary AK/SK with a security token that expires after `duration`."""
    if not MIN_TEMPORARY_DURATION <= duration <= MAX_TEMPORARY_DURATION:
        raise InvalidArgument(
            "duration_seconds",
            f"must be from {int(MIN_TEMPORARY_DURATION.total_seconds())} to "
            f"{int(MAX_TEMPORARY_DURATION.total_seconds())}",
        )
    _user(session, user_id)
    access_key = ids.new_access_key()
    secret_key = ids.new_secret_key()
    security_token = ids.new_token()
    expires_at = utcnow() + duration
    session.add(
        AccessKey(
            access_key=access_key,
            user_id=user_id,
            secret_ciphertext=box.encrypt(secret_key),
            description="temporary",
            expires_at=expires_at,
            security_token_hash=hashlib.sha256(security_token.encode()).hexdigest(),
        )
    )
    session.flush()
    revisions.bump(session, revisions.IDENTITY)
    return TemporaryCredential(access_key, secret_key, security_token, expires_at)


def revoke_token(session: Session, token_hash: str) -> bool:
    """Revoke one token by its hash; return False if it was unknown or already revoked."""
    token = session.get(Token, token_hash)
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    revisions.bump(session, revisions.IDENTITY)
    return True


def revoke_user_tokens(session: Session, user_id: str) -> int:
    """Revoke every live token of a user; return how many were revoked."""
    now = utcnow()
    tokens = session.scalars(
        select(Token).where(
            Token.user_id == user_id, Token.revoked_at.is_(None), Token.expires_at > now
        )
    ).all()
    for token in tokens:
        token.revoked_at = now
    if tokens:
        revisions.bump(session, revisions.IDENTITY)
    return len(tokens)


def _check_key_quota(session: Session, user_id: str) -> None:
    active = select(func.count()).where(
        AccessKey.user_id == user_id,
        AccessKey.status == KEY_ACTIVE,
        AccessKey.security_token_hash.is_(None),
    )
    if (session.scalar(active) or 0) >= MAX_KEYS_PER_USER:
        raise Conflict(f"User {user_id} already has {MAX_KEYS_PER_USER} active access keys")


def bump_identity(session: Session) -> None:
    """Mark identities as changed after a deletion made outside this module."""
    revisions.bump(session, revisions.IDENTITY)
