"""The core of one worker: database, catalog view, credential caches and their refresh.

While the database cannot be reached, the worker keeps serving its catalog view with
the credentials it has cached. After `Settings.max_staleness` seconds without a
successful refresh, `check_fresh` raises `ServiceUnavailable`.

The web layer and the CLI use this object, which contains no HTTP code.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Iterator

import anyio.to_thread
from sqlalchemy.exc import DBAPIError, InterfaceError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from liteimages.catalog.loader import load_view
from liteimages.catalog.view import CatalogView
from liteimages.config import Settings
from liteimages.db import revisions
from liteimages.db.engine import Database
from liteimages.errors import ServiceUnavailable
from liteimages.identity.authenticator import Authenticator
from liteimages.identity.cache import CredentialCache
from liteimages.identity.errors import UserLocked
from liteimages.identity.lockout import LOCKOUT_REVISION, Lockout, LockoutState, LockoutStore
from liteimages.identity.lockout_clears import (
    LockoutChanges,
    apply_clears,
    load_changes,
    newest_clear_id,
)
from liteimages.identity.logins import PasswordLogins
from liteimages.identity.secretbox import SecretBox
from liteimages.identity.throttle import AddressThrottle, RateLimit, Throttle
from liteimages.observability.metrics import observe_refresh, record_catalog_view

logger = logging.getLogger(__name__)

# Errors that mean the database cannot be reached or is overloaded right now, as opposed
# to a query that is wrong: a lost or refused connection, or no pooled connection free.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, InternalError, PoolTimeoutError)


class Runtime:
    """Holds the current catalog view and keeps it, and the credential caches, fresh."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = Database(settings.resolved_database_url)
        self.box = SecretBox(settings.load_secret_key())
        self.credentials = CredentialCache(self.database, self.box)
        store = LockoutStore(self.database)
        self.lockout = Lockout(
            settings.lockout_key_threshold, settings.lockout_key_duration, store=store
        )
        self.user_lockout = Lockout(
            settings.lockout_user_threshold,
            settings.lockout_user_duration,
            store=store,
            users=True,
            locked_error=UserLocked,
        )
        self.authenticator = Authenticator(self.credentials, self.lockout)
        self.throttle = _throttle_of(settings)
        login_limit = RateLimit.of(
            settings.rate_limit_login, settings.rate_limit_login_burst, max(1, settings.workers)
        )
        self.logins = PasswordLogins(self.database, self.user_lockout, AddressThrottle(login_limit))
        self.view = CatalogView(-1, [], [])
        self._revisions: dict[str, int] = {}
        # The id of the newest lockout clear applied to this worker's lockouts.
        self._clear_id = 0
        # Monotonic time of the last successful refresh (or load).
        self.fresh_at = 0.0
        self._refresh_lock = asyncio.Lock()

    def load(self) -> None:
        """Read the catalog and revisions now, blocking; used once at start-up."""
        with self.database.snapshot() as session:
            self._revisions = revisions.read_all(session)
            self.view = load_view(session, self.view)
            # Clears made before start-up are in the table already, so none is applied.
            self._clear_id = newest_clear_id(session)
            self._apply_lockout_changes(load_changes(session, self._clear_id))
        freeze_long_lived()
        self.fresh_at = time.monotonic()
        record_catalog_view(self.view)

    @observe_refresh
    async def refresh(self) -> None:
        """Reload what changed since the last refresh: the catalog, credentials, lockouts.

        Refreshes run one at a time. The poll and the refresh after an admin write
        could otherwise overlap, and the one that read the database first could finish
        last and put back an older view.
        """
        async with self._refresh_lock:
            await self._refresh()

    async def _refresh(self) -> None:
        current = await anyio.to_thread.run_sync(self._read_revisions)
        if current.get(revisions.IDENTITY) != self._revisions.get(revisions.IDENTITY):
            self.credentials.invalidate()
        if current.get(LOCKOUT_REVISION) != self._revisions.get(LOCKOUT_REVISION):
            self._apply_lockout_changes(await anyio.to_thread.run_sync(self._load_lockouts))
        if current.get(revisions.CATALOG) != self.view.revision:
            self.view = await anyio.to_thread.run_sync(self._load_view)
            freeze_long_lived()
            logger.info(
                "catalog view reloaded",
                extra={"revision": self.view.revision, "images": self.view.image_count},
            )
        self._revisions = current
        self.fresh_at = time.monotonic()

    def check_fresh(self) -> None:
        """Raise `ServiceUnavailable` if the last successful refresh is older than allowed."""
        if time.monotonic() - self.fresh_at > self.settings.max_staleness:
            raise ServiceUnavailable()

    async def poll(self) -> None:
        """Refresh every poll interval until cancelled; database errors are logged, not raised."""
        failures = 0
        while True:
            await asyncio.sleep(self.settings.poll_interval)
            try:
                await self.refresh()
            except Exception as error:
                failures += 1
                # One line on the first failure and then one a minute at the 0.5 s default.
                if failures == 1 or failures % 120 == 0:
                    logger.warning("catalog refresh failed (%d in a row): %s", failures, error)
                continue
            if failures:
                logger.info("catalog refresh recovered after %d failures", failures)
                failures = 0

    def close(self) -> None:
        """Stop the lockout writers and release database connections."""
        self.lockout.close()
        self.user_lockout.close()
        self.database.dispose()

    def _apply_lockout_changes(self, changes: LockoutChanges) -> None:
        # Clears first: the rows were read after them and no longer hold what they cleared.
        apply_clears(changes.clears, (self.lockout, self.user_lockout))
        self._clear_id = changes.newest_clear_id
        self._replace_lockouts(changes.states)

    def _replace_lockouts(self, states: list[LockoutState]) -> None:
        self.lockout.replace(states)
        self.user_lockout.replace(states)

    def _read_revisions(self) -> dict[str, int]:
        with self.database.read() as session:
            return revisions.read_all(session)

    def _load_view(self) -> CatalogView:
        with self.database.snapshot() as session:
            return load_view(session, self.view)

    def _load_lockouts(self) -> LockoutChanges:
        # One snapshot, so that the rows already reflect every clear read with them.
        with self.database.snapshot() as session:
            return load_changes(session, self._clear_id)


def freeze_long_lived() -> None:
    """Collect garbage, then move every live object into the permanent generation.

    The cyclic garbage collector skips permanent objects, so its full collections stop
    traversing the catalog view, which lives until the next reload. A permanent object
    is still freed when its reference count drops to zero, and that is how a replaced
    view goes, because a view holds no reference cycles. Unfreezing first lets this
    collection reclaim the cycles that became garbage since the last call. The call
    holds the GIL for one full collection, which grows with the size of the new view.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _throttle_of(settings: Settings) -> Throttle:
    workers = max(1, settings.workers)
    return Throttle(
        RateLimit.of(settings.rate_limit_key, settings.rate_limit_key_burst, workers),
        RateLimit.of(settings.rate_limit_project, settings.rate_limit_project_burst, workers),
    )


@contextlib.contextmanager
def database_unavailable_as_error(request_id: str | None = None) -> Iterator[None]:
    """Turn an unreachable database into `ServiceUnavailable` (503), logging the cause."""
    try:
        yield
    except (*DATABASE_UNAVAILABLE, DBAPIError) as error:
        # Any other driver error counts too when SQLAlchemy saw the connection drop.
        if not is_unavailable(error):
            raise
        cause = getattr(error, "orig", None) or error
        logger.warning("database unavailable: %s", cause, extra={"request_id": request_id})
        raise ServiceUnavailable() from error


# PostgreSQL's SQLSTATE codes for a missing table and a missing column: the database was
# emptied or replaced, or has not been migrated to this version. SQLite reports both as
# OperationalError, which is in DATABASE_UNAVAILABLE already.
MISSING_SCHEMA_SQLSTATES = frozenset({"42P01", "42703"})


def is_unavailable(error: Exception) -> bool:
    """Return whether `error` means the database is unreachable or unusable right now."""
    if isinstance(error, DATABASE_UNAVAILABLE):
        return True
    if not isinstance(error, DBAPIError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None)
    return error.connection_invalidated or sqlstate in MISSING_SCHEMA_SQLSTATES
