"""Issue user tokens with the password method, as IAM's POST /v3/auth/tokens does."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from liteimages.db.base import utcnow
from liteimages.identity import ids
from liteimages.identity.errors import IamError
from liteimages.identity.models import Account, Grant, Project, Token, User
from liteimages.identity.passwords import verify_password

TOKEN_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class PasswordLogin:
    """The fields of a password-method token request scoped to a project."""

    user_name: str
    password: str
    domain_name: str | None
    domain_id: str | None
    project_name: str | None
    project_id: str | None


@dataclass(frozen=True)
class IssuedToken:
    """A new token value, shown once, and what the response body describes."""

    value: str
    issued_at: datetime
    expires_at: datetime
    user: User
    account: Account
    project: Project
    roles: tuple[str, ...]


def hash_token(value: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()


WRONG_PASSWORD = "The username or password is wrong."


def wrong_password() -> IamError:
    """Return the error of an unknown account or user, or a wrong password."""
    return IamError(401, "IAM.0001", WRONG_PASSWORD)


def find_login_user(session: Session, login: PasswordLogin) -> tuple[Account | None, User | None]:
    """Return the account and user a login names; either is None if it does not exist."""
    account = _account(session, login)
    if account is None:
        return None, None
    user = session.scalar(
        select(User).where(User.account_id == account.id, User.name == login.user_name)
    )
    return account, user


def issue_token(session: Session, login: PasswordLogin) -> IssuedToken:
    """Check the password and scope, store the token's hash and return the token.

    This does not apply the password lockout; `liteimages.identity.logins` does.
    """
    account, user = find_login_user(session, login)
    # The hash is checked even when the user is unknown, so timing reveals nothing.
    password_ok = verify_password(user.password_hash if user else None, login.password)
    if account is None or user is None or not password_ok:
        raise wrong_password()
    return create_token(session, account, user, login)


def create_token(
    session: Session, account: Account, user: User, login: PasswordLogin
) -> IssuedToken:
    """Store a new token for a user whose password was checked, in the project `login` names.

    Raises `IamError` when the user is disabled or the project does not exist.
    """
    if not user.enabled:
        raise IamError(401, "IAM.0001", "The user is disabled.")
    project = _project(session, account.id, login)
    now = utcnow()
    value = ids.new_token()
    session.add(
        Token(
            token_hash=hash_token(value),
            user_id=user.id,
            project_id=project.id,
            issued_at=now,
            expires_at=now + TOKEN_LIFETIME,
        )
    )
    roles = session.scalars(
        select(Grant.role).where(Grant.user_id == user.id, Grant.project_id == project.id)
    )
    return IssuedToken(
        value=value,
        issued_at=now,
        expires_at=now + TOKEN_LIFETIME,
        user=user,
        account=account,
        project=project,
        roles=tuple(sorted(set(roles))),
    )


def _account(session: Session, login: PasswordLogin) -> Account | None:
    if login.domain_id is not None:
        return session.get(Account, login.domain_id)
    return session.scalar(select(Account).where(Account.name == login.domain_name))


def _project(session: Session, account_id: str, login: PasswordLogin) -> Project:
    query = select(Project).where(Project.account_id == account_id)
    if login.project_id is not None:
        query = query.where(Project.id == login.project_id)
    else:
        query = query.where(Project.name == login.project_name)
    project = session.scalar(query)
    if project is None:
        scope = login.project_id or login.project_name
        raise IamError(404, "IAM.0004", f"Could not find project: {scope}.")
    return project
