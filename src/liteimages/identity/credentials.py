"""Read access keys and tokens from the database for the verifier."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from liteimages.identity.models import KEY_ACTIVE, AccessKey, Account, Grant, Project, Token, User
from liteimages.identity.principal import KeyCredential, Principal, TokenCredential
from liteimages.identity.secretbox import SecretBox


def load_key(session: Session, box: SecretBox, access_key: str) -> KeyCredential | None:
    """Return the access key `access_key` with its user, or None if it does not exist."""
    key = session.get(AccessKey, access_key)
    if key is None:
        return None
    return KeyCredential(
        access_key=key.access_key,
        secret_key=box.decrypt(key.secret_ciphertext),
        active=key.status == KEY_ACTIVE,
        expires_at=key.expires_at,
        security_token_hash=key.security_token_hash,
        principal=load_principal(session, key.user_id),
    )


def load_token(session: Session, token_hash: str) -> TokenCredential | None:
    """Return the token whose SHA-256 is `token_hash`, or None if none was issued."""
    token = session.get(Token, token_hash)
    if token is None:
        return None
    return TokenCredential(
        project_id=token.project_id,
        expires_at=token.expires_at,
        revoked=token.revoked_at is not None,
        principal=load_principal(session, token.user_id),
    )


def load_principal(session: Session, user_id: str) -> Principal:
    """Return the user `user_id` with its account's projects and its grants."""
    user, account = session.execute(
        select(User, Account).join(Account, Account.id == User.account_id).where(User.id == user_id)
    ).one()
    projects = frozenset(
        session.scalars(select(Project.id).where(Project.account_id == account.id))
    )
    roles: defaultdict[str, set[str]] = defaultdict(set)
    for project_id, role in session.execute(
        select(Grant.project_id, Grant.role).where(Grant.user_id == user_id)
    ):
        roles[project_id].add(role)
    return Principal(
        user_id=user.id,
        user_name=user.name,
        account_id=account.id,
        account_name=account.name,
        account_is_system=account.is_system,
        is_root=user.is_root,
        enabled=user.enabled,
        account_projects=projects,
        roles={project: frozenset(names) for project, names in roles.items()},
    )


def check_secret_box(session: Session, box: SecretBox) -> None:
    """Raise `SecretBoxError` if the box cannot open a stored secret key.

    Checked at start-up, so that a server started with the wrong encryption key
    stops with a clear message instead of failing every AK/SK request.
    """
    ciphertext = session.scalar(select(AccessKey.secret_ciphertext).limit(1))
    if ciphertext is not None:
        box.decrypt(ciphertext)
