"""Lock a credential for a while after too many failures in a row.

One `Lockout` counts failed signatures per access key, another failed passwords per
user. Both share the `lockouts` table: a user's rows are keyed `user:<user id>`, and
access keys contain letters and digits only, so the two kinds of key never collide.

A `Lockout` without a store counts failures in this process only. With a
`LockoutStore` it also writes each failure, and each reset after a success, to the
`lockouts` table and bumps the lockout revision. Every worker reloads the table when
that revision changes, so a lock reaches every worker and instance within one
revision poll. `check`, and a success on a key with no recorded failures, read memory
only. An administrator's clear reaches the workers the same way
(`liteimages.identity.lockout_clears`), and `forget` applies it in one worker.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import anyio.to_thread
from sqlalchemy import ColumnElement, Integer, String, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from liteimages.config import DEFAULT_LOCKOUT_DURATION, DEFAULT_LOCKOUT_THRESHOLD
from liteimages.db import revisions
from liteimages.db.base import Base, UTCDateTime, utcnow
from liteimages.db.engine import Database
from liteimages.identity.errors import AccessKeyLocked, CredentialLocked

logger = logging.getLogger(__name__)

THRESHOLD = DEFAULT_LOCKOUT_THRESHOLD
DURATION_SECONDS = DEFAULT_LOCKOUT_DURATION
# Prefix of the keys of the password lockout, in memory and in the lockouts table.
USER_KEY_PREFIX = "user:"
# The revision counter bumped by every change to the lockouts table.
LOCKOUT_REVISION = "lockout"
# Database writes waiting beyond this many are dropped, but the failure still counts in memory.
MAX_PENDING_WRITES = 10_000


class LockoutKind(StrEnum):
    """The credential that a lockout key locks: an access key or a user."""

    ACCESS_KEY = "access_key"
    USER = "user"


class LockoutRecord(Base):
    """The consecutive failures of an access key or user, and the end of its lock.

    `access_key` is an access key, or `user:` and a user id for the password lockout.
    """

    __tablename__ = "lockouts"

    access_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True, slots=True)
class LockoutState:
    """One row of the lockouts table: failures since the last reset, and the lock's end."""

    access_key: str
    failures: int
    locked_until: datetime | None


def user_key(user_id: str) -> str:
    """Return the lockout key of a user's password failures."""
    return USER_KEY_PREFIX + user_id


def is_user_key(key: str) -> bool:
    """Return whether a lockout key belongs to the password lockout."""
    return key.startswith(USER_KEY_PREFIX)


def kind_of(key: str) -> LockoutKind:
    """Return whether a lockout key locks a user or an access key."""
    return LockoutKind.USER if is_user_key(key) else LockoutKind.ACCESS_KEY


def is_current(state: LockoutState, now: datetime) -> bool:
    """Return whether a row still counts: it has failures, or a lock that has not ended."""
    return state.failures > 0 or (state.locked_until is not None and state.locked_until > now)


def _state(record: LockoutRecord) -> LockoutState:
    return LockoutState(record.access_key, record.failures, record.locked_until)


def current_rows(now: datetime) -> ColumnElement[bool]:
    """Return the condition of `is_current` on `LockoutRecord` rows."""
    return or_(LockoutRecord.failures > 0, LockoutRecord.locked_until > now)


def load_lockouts(session: Session) -> list[LockoutState]:
    """Return the keys that have failures or a lock that has not ended."""
    query = select(LockoutRecord).where(current_rows(utcnow()))
    return [_state(record) for record in session.scalars(query)]


class LockoutStore:
    """Writes failures and resets to the lockouts table that every worker shares."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def add_failure(self, access_key: str, threshold: int, duration: float) -> LockoutState:
        """Count one failure, locking the key when it reaches `threshold`.

        A failure while the key is locked changes nothing: the lock is neither
        extended nor followed by a second one.
        """
        now = utcnow()
        with self._database.write() as session:
            record = self._locked_record(session, access_key)
            if record.locked_until is not None and record.locked_until > now:
                return _state(record)
            record.failures += 1
            if record.failures >= threshold:
                record.failures = 0
                record.locked_until = now + timedelta(seconds=duration)
            revisions.bump(session, LOCKOUT_REVISION)
            return _state(record)

    def reset(self, access_key: str) -> LockoutState | None:
        """Clear the failure count after a success. A lock that has not ended stays."""
        now = utcnow()
        with self._database.write() as session:
            record = session.get(LockoutRecord, access_key, with_for_update=True)
            if record is None:
                return None
            if record.failures == 0:
                return _state(record)
            revisions.bump(session, LOCKOUT_REVISION)
            if record.locked_until is None or record.locked_until <= now:
                session.delete(record)
                return None
            record.failures = 0
            return _state(record)

    def _locked_record(self, session: Session, access_key: str) -> LockoutRecord:
        """Return the key's row, inserted if missing and locked for this transaction.

        FOR UPDATE serialises concurrent failures on PostgreSQL. On SQLite the write
        transaction has locked the whole database already. A clear that deletes the row
        between the insert and the lock leaves nothing to lock, so the row is inserted
        again: the failure then counts from zero, after the clear.
        """
        # NOTE: no test reaches the second attempt. It needs a clear to commit after this
        # insert found the row and before the row lock, which tests cannot time.
        for attempt in range(2):
            if attempt:
                logger.info("retrying: a clear deleted the lockout row of key %s", access_key)
            session.execute(self._insert_missing(access_key))
            record = session.get(LockoutRecord, access_key, with_for_update=True)
            if record is not None:
                return record
        raise RuntimeError(f"lockout row of key {access_key} was deleted twice while locking it")

    def _insert_missing(self, access_key: str) -> postgresql.Insert | sqlite.Insert:
        row = {"access_key": access_key, "failures": 0, "locked_until": None}
        if self._database.is_sqlite:
            return sqlite.insert(LockoutRecord).values(row).on_conflict_do_nothing()
        return postgresql.insert(LockoutRecord).values(row).on_conflict_do_nothing()


class _Entry:
    """The state of one key in this process. `locked_until` is monotonic time, 0 if unlocked."""

    __slots__ = ("failures", "locked_until", "pending", "stale")

    def __init__(self, failures: int = 0, locked_until: float = 0.0) -> None:
        self.failures = failures
        self.locked_until = locked_until
        # Database writes queued for this key and not yet settled.
        self.pending = 0
        # How many of the pending writes were queued before the key was cleared. Writes
        # settle in order, so these are the next ones, and their results are ignored.
        self.stale = 0

    def is_idle(self) -> bool:
        return not self.failures and not self.locked_until and not self.pending


class Lockout:
    """Counts consecutive failures per key and locks keys that fail too often.

    Failures count in memory at once, so this process locks a key on its own
    threshold-th failure even before the database write lands. With a store, the
    database is the authority for the count: the count a write returns replaces the one
    in memory once no write for the key is pending, and a lock seen in either place
    applies. When the database cannot be reached, counting continues in memory, per
    process.

    A `threshold` of 0 disables the lockout: it counts nothing, ignores the table and
    never raises. With `users=True` this lockout takes only the `user:` keys of the
    table, and otherwise only access keys. `check` raises `locked_error`.
    """

    def __init__(
        self,
        threshold: int = THRESHOLD,
        duration: float = DURATION_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        store: LockoutStore | None = None,
        *,
        users: bool = False,
        locked_error: Callable[[int], CredentialLocked] = AccessKeyLocked,
    ) -> None:
        if threshold < 0:
            raise ValueError(f"lockout threshold must be 0 or more, got {threshold}")
        if not 0 < duration < math.inf:
            raise ValueError(f"lockout duration must be a positive number, got {duration}")
        self.threshold = threshold
        self.duration = duration
        self.enabled = threshold > 0
        self.kind = LockoutKind.USER if users else LockoutKind.ACCESS_KEY
        self._users = users
        self._locked_error = locked_error
        self._clock = clock
        self._store = store
        self._entries: dict[str, _Entry] = {}
        self._writes: asyncio.Queue[tuple[str, bool]] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._failed_writes = 0

    def check(self, access_key: str) -> None:
        """Raise `locked_error` (by default `AccessKeyLocked`) if the key is locked now."""
        entry = self._entries.get(access_key)
        if entry is None or not entry.locked_until:
            return
        remaining = entry.locked_until - self._clock()
        if remaining > 0:
            raise self._locked_error(math.ceil(remaining))
        entry.locked_until = 0.0
        self._forget_if_idle(access_key, entry)

    def record_failure(self, access_key: str) -> None:
        """Count a failure, and lock the key when the threshold is reached."""
        if not self.enabled:
            return
        entry = self._entries.get(access_key)
        if entry is None:
            entry = self._entries[access_key] = _Entry()
        entry.failures += 1
        if entry.failures >= self.threshold:
            entry.failures = 0
            entry.locked_until = self._clock() + self.duration
        self._queue_write(access_key, entry, failed=True)

    def adopt_failures(self, access_key: str, failures: int) -> None:
        """Take `failures`, just read from the table, as the key's count of consecutive failures.

        For callers that read the key's row before they count a failure, so that a reset
        or failures written by another worker since the last reload count here too. A key
        with writes of this process still pending keeps its count, which the row lacks, and
        a lockout without a store has no row and keeps counting in memory.
        """
        if not self.enabled or self._store is None:
            return
        entry = self._entries.get(access_key)
        if entry is None:
            if not failures:
                return
            entry = self._entries[access_key] = _Entry()
        if not entry.pending:
            entry.failures = failures

    def record_success(self, access_key: str) -> None:
        """Reset the count of consecutive failures. A key with none costs one dictionary lookup."""
        entry = self._entries.get(access_key)
        if entry is None or not entry.failures:
            return
        entry.failures = 0
        self._queue_write(access_key, entry, failed=False)
        self._forget_if_idle(access_key, entry)

    def reset(self, access_key: str) -> None:
        """Reset the count of consecutive failures, writing the reset even if none is known here.

        For callers that read the key's row and found failures that another worker
        counted, which `record_success` would not clear.
        """
        if not self.enabled:
            return
        entry = self._entries.get(access_key)
        if entry is None:
            entry = self._entries[access_key] = _Entry()
        entry.failures = 0
        self._queue_write(access_key, entry, failed=False)
        self._forget_if_idle(access_key, entry)

    def replace(self, states: Iterable[LockoutState]) -> None:
        """Take the counts and locks just read from the database.

        A key with a write still pending keeps its count in memory, and no lock
        known here is shortened. States of the other lockout's keys are skipped.
        """
        if not self.enabled:
            return
        entries = {
            state.access_key: self._entry_of(state)
            for state in states
            if is_user_key(state.access_key) == self._users
        }
        for access_key, old in self._entries.items():
            new = entries.get(access_key)
            if new is None:
                if old.pending or old.locked_until:
                    entries[access_key] = old
                continue
            new.locked_until = max(old.locked_until, new.locked_until)
            if old.pending:
                new.failures = old.failures
                new.pending = old.pending
                new.stale = old.stale
        self._entries = entries

    def forget(self, access_key: str) -> None:
        """Drop the key's count and lock, because an administrator cleared them.

        `replace` never shortens a lock, so a clear has to reach memory this way. The
        results of the key's writes still pending are ignored when they settle: a
        write that committed before the clear would bring its lock back. A write that
        committed after it bumped the lockout revision, so the next reload reads its
        count and lock from the table.
        """
        entry = self._entries.get(access_key)
        if entry is None:
            return
        entry.failures = 0
        entry.locked_until = 0.0
        entry.stale = entry.pending
        self._forget_if_idle(access_key, entry)

    def forget_all(self) -> None:
        """Drop the counts and locks of every key, as `forget` does for one."""
        for access_key in list(self._entries):
            self.forget(access_key)

    async def flush(self) -> None:
        """Wait until every queued database write has been settled."""
        if self._writes is not None:
            await self._writes.join()

    def close(self) -> None:
        """Stop the database writer and drop the writes still queued."""
        writer, self._writer, self._writes = self._writer, None, None
        if writer is not None and not writer.get_loop().is_closed():
            writer.cancel()

    def _entry_of(self, state: LockoutState) -> _Entry:
        locked_until = 0.0
        if state.locked_until is not None:
            remaining = (state.locked_until - utcnow()).total_seconds()
            if remaining > 0:
                locked_until = self._clock() + remaining
        return _Entry(state.failures, locked_until)

    def _forget_if_idle(self, access_key: str, entry: _Entry) -> None:
        if entry.is_idle():
            self._entries.pop(access_key, None)

    def _queue_write(self, access_key: str, entry: _Entry, *, failed: bool) -> None:
        if self._store is None:
            return
        writes = self._start_writer()
        if writes is None:
            return
        try:
            writes.put_nowait((access_key, failed))
        except asyncio.QueueFull:
            self._log_failed_write(access_key, "the queue of lockout writes is full")
            return
        entry.pending += 1

    def _start_writer(self) -> asyncio.Queue[tuple[str, bool]] | None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # Called outside an event loop, as by a synchronous test: count in memory only.
            return None
        writer = self._writer
        if self._writes is not None and writer is not None and writer.get_loop() is loop:
            return self._writes
        self._writes = asyncio.Queue(MAX_PENDING_WRITES)
        self._writer = loop.create_task(self._write_all(self._writes))
        return self._writes

    async def _write_all(self, writes: asyncio.Queue[tuple[str, bool]]) -> None:
        # One writer per process keeps this process's writes for a key in order, so a
        # reset never lands before a failure that was counted before it.
        while True:
            access_key, failed = await writes.get()
            try:
                state = await anyio.to_thread.run_sync(self._write, access_key, failed)
            except SQLAlchemyError as error:
                self._log_failed_write(access_key, str(error.__cause__ or error))
                self._settle(access_key)
            except Exception:
                # Keep the writer alive: without it no later failure would reach the database.
                logger.exception("lockout write for key %s failed", access_key)
                self._settle(access_key)
            else:
                self._settle(access_key, written=True, state=state)
            finally:
                writes.task_done()

    def _write(self, access_key: str, failed: bool) -> LockoutState | None:
        assert self._store is not None
        if failed:
            return self._store.add_failure(access_key, self.threshold, self.duration)
        return self._store.reset(access_key)

    def _settle(
        self, access_key: str, *, written: bool = False, state: LockoutState | None = None
    ) -> None:
        """Apply the outcome of one write. A written `state` of None means the row was deleted."""
        entry = self._entries.setdefault(access_key, _Entry())
        entry.pending = max(0, entry.pending - 1)
        if entry.stale:
            entry.stale -= 1
            self._forget_if_idle(access_key, entry)
            return
        if state is not None:
            entry.locked_until = max(entry.locked_until, self._entry_of(state).locked_until)
        if written and not entry.pending:
            entry.failures = 0 if state is None else state.failures
        self._forget_if_idle(access_key, entry)

    def _log_failed_write(self, access_key: str, reason: str) -> None:
        self._failed_writes += 1
        # The first failure and then one in a hundred, so an outage does not flood the log.
        if self._failed_writes == 1 or self._failed_writes % 100 == 0:
            logger.warning(
                "lockout write for key %s failed (%d so far), counting in memory: %s",
                access_key,
                self._failed_writes,
                reason,
            )
