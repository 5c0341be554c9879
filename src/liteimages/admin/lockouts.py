"""List and clear the lockouts of access keys and users.

System administrators and the operator see and clear every lockout, and account
administrators those of their own account's access keys and users.
A listing shows the rows of the lockouts table that count (`is_current`). A clear
deletes rows and reaches the memory of every worker within one revision poll
(`liteimages.identity.lockout_clears`). Each current lockout cleared writes one audit
event, `lockout.clear`, on the access key or user.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from liteimages.admin import representations as rep
from liteimages.admin.representations import Representation
from liteimages.audit.trail import Actor, record
from liteimages.db.base import utcnow
from liteimages.errors import NotFound
from liteimages.identity.lockout import (
    USER_KEY_PREFIX,
    LockoutKind,
    LockoutRecord,
    LockoutState,
    current_rows,
    is_current,
    is_user_key,
    kind_of,
    user_key,
)
from liteimages.identity.lockout_clears import clear_all_lockouts, clear_lockouts, kind_filter
from liteimages.identity.models import AccessKey, User
from liteimages.identity.policy import administers_system, require_account, require_administrator


@dataclass(frozen=True)
class LockoutFilter:
    """The criteria of a lockout listing. Every field is optional.

    `locked` True keeps the lockouts whose lock lasts now, False those that only count
    failures.
    """

    kind: LockoutKind | None = None
    account_id: str | None = None
    locked: bool | None = None
    limit: int = 100
    offset: int = 0


class LockoutAdmin:
    """Lockout use cases for one actor inside one transaction."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    def list(self, where: LockoutFilter) -> Sequence[Representation]:
        """Return the current lockouts the actor administers, ordered by lockout key."""
        account_id = self._account_scope(where.account_id, "ListLockouts")
        now = utcnow()
        query = _scoped_rows(where.kind, account_id).where(current_rows(now))
        if where.locked is not None:
            ended = or_(LockoutRecord.locked_until.is_(None), LockoutRecord.locked_until <= now)
            query = query.where(LockoutRecord.locked_until > now if where.locked else ended)
        query = query.order_by(LockoutRecord.access_key).limit(where.limit).offset(where.offset)
        return [
            rep.lockout(_state(row), key_owner or login_user, now)
            for row, key_owner, login_user in self.session.execute(query)
        ]

    def clear_access_key(self, access_key: str) -> int:
        """Clear the lockout of an access key. Return 1 if it had a current one, else 0."""
        owner = self.session.scalar(
            select(User)
            .join(AccessKey, AccessKey.user_id == User.id)
            .where(AccessKey.access_key == access_key)
        )
        return self._clear_one(access_key, access_key, owner, "ClearAccessKeyLockout")

    def clear_user(self, user_id: str) -> int:
        """Clear the password lockout of a user. Return 1 if it had a current one, else 0."""
        user = self.session.get(User, user_id)
        return self._clear_one(user_key(user_id), user_id, user, "ClearUserLockout")

    def clear_all(self, kind: LockoutKind | None = None, account_id: str | None = None) -> int:
        """Clear every lockout the actor administers, optionally of one kind or one account.

        Return how many current lockouts were cleared. Without an account, a clear by
        the operator or a system administrator also reaches the counts that workers keep
        only in memory.
        """
        scope = self._account_scope(account_id, "ClearLockouts")
        if scope is None:
            return self._record_clears(clear_all_lockouts(self.session, kind))
        keys = self.session.scalars(
            _scoped_rows(kind, scope).with_only_columns(LockoutRecord.access_key)
        ).all()
        # NOTE: a count that a worker keeps only in memory, written nowhere while the
        # database was unreachable, is not in this account's rows, so it stays.
        return self._record_clears(clear_lockouts(self.session, keys))

    def _clear_one(self, key: str, resource_id: str, owner: User | None, operation: str) -> int:
        principal = self.actor.principal
        if owner is not None:
            require_account(principal, owner.account_id, operation)
        else:
            # The key or user was deleted, or never existed. Only a system administrator
            # may clear what is left of a deleted one, and there must be something left.
            if principal is not None and not administers_system(principal):
                raise NotFound(resource_id)
            if self.session.get(LockoutRecord, key) is None:
                raise NotFound(resource_id)
        return self._record_clears(clear_lockouts(self.session, [key]))

    def _record_clears(self, states: Sequence[LockoutState]) -> int:
        now = utcnow()
        current = [state for state in states if is_current(state, now)]
        owners = self._owners([state.access_key for state in current])
        for state in current:
            before = rep.lockout(state, owners.get(state.access_key), now)
            kind = kind_of(state.access_key)
            resource_id = before["access_key" if kind is LockoutKind.ACCESS_KEY else "user_id"]
            record(self.session, self.actor, "lockout.clear", kind.value, resource_id, before, None)
        return len(current)

    def _owners(self, keys: Collection[str]) -> dict[str, User]:
        """Return the users of lockout keys that still exist, by lockout key."""
        owners: dict[str, User] = {}
        access_keys = [key for key in keys if not is_user_key(key)]
        if access_keys:
            rows = self.session.execute(
                select(AccessKey.access_key, User)
                .join(User, User.id == AccessKey.user_id)
                .where(AccessKey.access_key.in_(access_keys))
            )
            owners.update({access_key: user for access_key, user in rows})
        user_ids = [key.removeprefix(USER_KEY_PREFIX) for key in keys if is_user_key(key)]
        if user_ids:
            users = self.session.scalars(select(User).where(User.id.in_(user_ids)))
            owners.update({user_key(user.id): user for user in users})
        return owners

    def _account_scope(self, account_id: str | None, operation: str) -> str | None:
        """Return the account whose lockouts the call covers, or None for every account."""
        principal = self.actor.principal
        if account_id is not None:
            require_account(principal, account_id, operation)
            return account_id
        if principal is None or administers_system(principal):
            return None
        require_administrator(principal, operation)
        return principal.account_id


def _scoped_rows(
    kind: LockoutKind | None, account_id: str | None
) -> Select[LockoutRecord, User, User]:
    """Select lockout rows with the owner of the access key and the user of the user key.

    At most one of the two users is set, and neither once it was deleted.
    """
    key_owner, login_user = aliased(User), aliased(User)
    query = (
        select(LockoutRecord, key_owner, login_user)
        .outerjoin(AccessKey, AccessKey.access_key == LockoutRecord.access_key)
        .outerjoin(key_owner, key_owner.id == AccessKey.user_id)
        .outerjoin(login_user, LockoutRecord.access_key == literal(USER_KEY_PREFIX) + login_user.id)
    )
    if kind is not None:
        query = query.where(kind_filter(kind))
    if account_id is not None:
        owner_account = func.coalesce(key_owner.account_id, login_user.account_id)
        query = query.where(owner_account == account_id)
    return query


def _state(row: LockoutRecord) -> LockoutState:
    return LockoutState(row.access_key, row.failures, row.locked_until)
