"""Clear lockouts in the table and in the memory of every worker.

Deleting a row of the lockouts table is not enough: a worker keeps the locks it has
seen until they end, because a reload never shortens a lock (`Lockout.replace`). So a
clear also adds a row to the `lockout_clears` table and bumps the lockout revision.
Each worker, when it reloads the lockouts, reads the clears it has not applied yet and
drops the counts and locks they name from its memory (`apply_clears`), before it takes
the table's rows. A clear therefore reaches every worker within one revision poll.

Clears are numbered by an autoincrement id. Each clear bumps the revision row before
it inserts its own row, and the revision row stays locked until commit, so ids are
assigned in commit order. A worker that has applied every clear up to id N may then
ask for ids above N without missing one that commits later.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    String,
    delete,
    func,
    not_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from liteimages.config import MAX_LOCKOUT_DURATION
from liteimages.db import revisions
from liteimages.db.base import Base, UTCDateTime, utcnow
from liteimages.identity.lockout import (
    LOCKOUT_REVISION,
    USER_KEY_PREFIX,
    Lockout,
    LockoutKind,
    LockoutRecord,
    LockoutState,
    kind_of,
    load_lockouts,
)

# Clears older than the longest lock are deleted: every lock they could end has ended.
CLEAR_RETENTION = timedelta(seconds=MAX_LOCKOUT_DURATION)


class LockoutClearRecord(Base):
    """One clear: of one lockout key, or of every key of `kind` (of both kinds if null)."""

    __tablename__ = "lockout_clears"

    # SQLite assigns ids only to an INTEGER PRIMARY KEY, so it gets Integer there.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    # A lockout key (an access key, or `user:` and a user id); null clears every key of `kind`.
    access_key: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(16))
    cleared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


@dataclass(frozen=True, slots=True)
class LockoutClear:
    """A clear as workers apply it: one lockout key, or every key of a kind (None: both)."""

    access_key: str | None = None
    kind: LockoutKind | None = None

    def apply_to(self, lockout: Lockout) -> None:
        """Drop from `lockout`'s memory the counts and locks that this clear covers."""
        if self.access_key is not None:
            if kind_of(self.access_key) is lockout.kind:
                lockout.forget(self.access_key)
            return
        if self.kind is None or self.kind is lockout.kind:
            lockout.forget_all()


@dataclass(frozen=True, slots=True)
class LockoutChanges:
    """The lockout rows and new clears that a worker reads when the lockout revision changes."""

    states: list[LockoutState]
    clears: list[LockoutClear]
    # The id of the newest clear in `clears`, or the id given to `load_changes` if none.
    newest_clear_id: int


def kind_filter(kind: LockoutKind) -> ColumnElement[bool]:
    """Return a condition on `LockoutRecord` that keeps the rows of one kind of lockout."""
    is_user = LockoutRecord.access_key.startswith(USER_KEY_PREFIX, autoescape=True)
    return is_user if kind is LockoutKind.USER else not_(is_user)


def clear_lockouts(session: Session, access_keys: Collection[str]) -> list[LockoutState]:
    """Delete the rows of `access_keys`, and have every worker forget their counts and locks.

    Returns the deleted rows, current or not (`is_current`). Workers forget the keys
    even when the table has no row for them, such as counts kept in memory only while
    the database was unreachable.
    """
    if not access_keys:
        return []
    rows = LockoutRecord.access_key.in_(access_keys)
    return _clear(session, rows, [LockoutClear(access_key=key) for key in sorted(access_keys)])


def clear_all_lockouts(session: Session, kind: LockoutKind | None = None) -> list[LockoutState]:
    """Delete every row of `kind` (of both kinds if None), and have every worker forget them.

    Returns the deleted rows. Workers also forget the keys of that kind that only
    their memory counts.
    """
    rows = kind_filter(kind) if kind is not None else true()
    return _clear(session, rows, [LockoutClear(kind=kind)])


def _clear(
    session: Session, rows: ColumnElement[bool], clears: Sequence[LockoutClear]
) -> list[LockoutState]:
    # Rows are locked in key order, then the revision row. `LockoutStore` writes lock
    # one row and then the revision row too, so concurrent writers wait, not deadlock.
    query = select(LockoutRecord).where(rows).order_by(LockoutRecord.access_key)
    records = session.scalars(query.with_for_update()).all()
    deleted = [LockoutState(r.access_key, r.failures, r.locked_until) for r in records]
    for record in records:
        session.delete(record)
    session.flush()
    revisions.bump(session, LOCKOUT_REVISION)
    now = utcnow()
    session.execute(
        delete(LockoutClearRecord).where(LockoutClearRecord.cleared_at < now - CLEAR_RETENTION)
    )
    session.add_all(
        LockoutClearRecord(access_key=clear.access_key, kind=clear.kind, cleared_at=now)
        for clear in clears
    )
    session.flush()
    return deleted


def newest_clear_id(session: Session) -> int:
    """Return the id of the newest clear, or 0 if there is none."""
    return session.scalar(select(func.max(LockoutClearRecord.id))) or 0


def load_changes(session: Session, after_clear_id: int) -> LockoutChanges:
    """Return the clears with ids above `after_clear_id`, oldest first, and the current rows.

    Give it a snapshot session, so that the rows already reflect every clear returned.
    """
    query = (
        select(LockoutClearRecord)
        .where(LockoutClearRecord.id > after_clear_id)
        .order_by(LockoutClearRecord.id)
    )
    records = session.scalars(query).all()
    clears = [
        LockoutClear(record.access_key, None if record.kind is None else LockoutKind(record.kind))
        for record in records
    ]
    newest = records[-1].id if records else after_clear_id
    return LockoutChanges(load_lockouts(session), clears, newest)


def apply_clears(clears: Sequence[LockoutClear], lockouts: Sequence[Lockout]) -> None:
    """Apply each clear, oldest first, to the memory of each lockout."""
    for clear in clears:
        for lockout in lockouts:
            clear.apply_to(lockout)
