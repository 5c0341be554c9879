"""Password logins guarded by a per-address rate limit and a per-user lockout.

An Argon2 check costs a large fraction of a CPU second, so every step that can reject
a login runs before it. These steps are the client address's token bucket, then the
user's lockout in this worker's memory, then the user's row in the lockouts table.
A locked user gets `UserLocked` whether or not the password is right, because the
password is not checked at all.

Checks of one user's password run one at a time in a worker, so concurrent guesses
cannot all pass the lockout before the first failure is counted. Across workers the
count is shared through the lockouts table, as for access keys, but unlike a signature
check a login answers only after its failure or reset is written there.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio.to_thread

from liteimages.db.base import utcnow
from liteimages.db.engine import Database
from liteimages.identity.errors import UserLocked
from liteimages.identity.lockout import Lockout, LockoutRecord, user_key
from liteimages.identity.models import Account, User
from liteimages.identity.passwords import verify_password
from liteimages.identity.throttle import AddressThrottle
from liteimages.identity.tokens import (
    IssuedToken,
    PasswordLogin,
    create_token,
    find_login_user,
    wrong_password,
)
from liteimages.observability.metrics import PASSWORD_CHECKS


@dataclass(frozen=True, slots=True)
class _Target:
    account: Account
    user: User
    key: str


class PasswordLogins:
    """Issues password tokens, applying the address limit and the user lockout first."""

    def __init__(self, database: Database, lockout: Lockout, throttle: AddressThrottle) -> None:
        self._database = database
        self.lockout = lockout
        self.throttle = throttle
        # One lock per user whose password is being checked, with its count of holders
        # and waiters, so the entry can be dropped when the last one leaves.
        self._checks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def issue(
        self, login: PasswordLogin, address: str | None, *, limited: bool = False
    ) -> IssuedToken:
        """Check the login's password and return a new token.

        Raises `Throttled` when the address has used up its limit, `UserLocked` while
        the user is locked, and `IamError` for a wrong password, an unknown user or
        account, a disabled user or an unknown project. `limited=True` means the
        caller has already taken this login's token from `throttle`.
        """
        if not limited:
            self.throttle.check(address)
        account, user = await anyio.to_thread.run_sync(self._find, login)
        if account is None or user is None:
            # The dummy hash costs what a real check costs, so timing reveals nothing.
            await anyio.to_thread.run_sync(verify_password, None, login.password)
            PASSWORD_CHECKS.labels(result="unknown_user").inc()
            raise wrong_password()
        target = _Target(account, user, user_key(user.id))
        async with self._one_check_per_user(target.key):
            self.lockout.check(target.key)
            password_ok, table_failures = await anyio.to_thread.run_sync(
                self._verify, target, login.password
            )
            if not password_ok:
                PASSWORD_CHECKS.labels(result="wrong").inc()
                # The row counts every worker's failures and resets; this worker's memory
                # may still hold failures that a login on another worker has cleared.
                self.lockout.adopt_failures(target.key, table_failures)
                self.lockout.record_failure(target.key)
                await self.lockout.flush()
                raise wrong_password()
            PASSWORD_CHECKS.labels(result="ok").inc()
            if table_failures:
                # Failures that another worker counted are in the table but not in memory.
                self.lockout.reset(target.key)
            else:
                self.lockout.record_success(target.key)
            # Waiting for the write keeps a later login on another worker from reading
            # a count that misses this one, which would lock one failure early or late.
            await self.lockout.flush()
        return await anyio.to_thread.run_sync(self._issue, target, login)

    def _find(self, login: PasswordLogin) -> tuple[Account | None, User | None]:
        with self._database.read() as session:
            return find_login_user(session, login)

    def _verify(self, target: _Target, password: str) -> tuple[bool, int]:
        """Return whether the password is right and the failures in the user's table row.

        Raises `UserLocked`, before the password check, if the table has a lock that
        has not ended. That catches a lock that another worker or instance set after
        this worker last reloaded the lockouts.
        """
        failures = 0
        if self.lockout.enabled:
            with self._database.read() as session:
                record = session.get(LockoutRecord, target.key)
                if record is not None:
                    failures = record.failures
                    locked_until = record.locked_until
                    if locked_until is not None:
                        remaining = (locked_until - utcnow()).total_seconds()
                        if remaining > 0:
                            raise UserLocked(math.ceil(remaining))
        return verify_password(target.user.password_hash, password), failures

    def _issue(self, target: _Target, login: PasswordLogin) -> IssuedToken:
        with self._database.write() as session:
            # Read the user again so that a user disabled or deleted meanwhile gets no token.
            user = session.get(User, target.user.id)
            if user is None:
                raise wrong_password()
            return create_token(session, target.account, user, login)

    @asynccontextmanager
    async def _one_check_per_user(self, key: str) -> AsyncIterator[None]:
        lock, users = self._checks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._checks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._checks[key]
            if users == 1:
                del self._checks[key]
            else:
                self._checks[key] = (lock, users - 1)
