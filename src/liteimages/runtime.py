"""The core of one worker: database, catalog view, credential caches and their refresh.

The web layer and the CLI use this object; it knows nothing of HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import time

import anyio.to_thread

from liteimages.catalog.loader import load_view
from liteimages.catalog.view import CatalogView
from liteimages.config import Settings
from liteimages.db import revisions
from liteimages.db.engine import Database
from liteimages.identity.authenticator import Authenticator
from liteimages.identity.cache import CredentialCache
from liteimages.identity.lockout import Lockout
from liteimages.identity.secretbox import SecretBox

logger = logging.getLogger(__name__)


class Runtime:
    """Holds the current catalog view and keeps it, and the credential caches, fresh."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = Database(settings.resolved_database_url)
        self.box = SecretBox(settings.load_secret_key())
        self.credentials = CredentialCache(self.database, self.box)
        self.authenticator = Authenticator(self.credentials, Lockout())
        self.view = CatalogView(-1, [], [])
        self._revisions: dict[str, int] = {}
        # Monotonic time of the last successful read of the revisions.
        self.fresh_at = 0.0

    def load(self) -> None:
        """Read the catalog and revisions now, blocking; used once at start-up."""
        with self.database.snapshot() as session:
            self._revisions = revisions.read_all(session)
            self.view = load_view(session)
        self.fresh_at = time.monotonic()

    async def refresh(self) -> None:
        """Reload what changed since the last refresh: the catalog, the credentials or both."""
        current = await anyio.to_thread.run_sync(self._read_revisions)
        self.fresh_at = time.monotonic()
        if current.get(revisions.IDENTITY) != self._revisions.get(revisions.IDENTITY):
            self.credentials.invalidate()
        if current.get(revisions.CATALOG) != self.view.revision:
            self.view = await anyio.to_thread.run_sync(self._load_view)
            logger.info(
                "catalog view reloaded",
                extra={"revision": self.view.revision, "images": self.view.image_count},
            )
        self._revisions = current

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
        """Release database connections."""
        self.database.dispose()

    def _read_revisions(self) -> dict[str, int]:
        with self.database.read() as session:
            return revisions.read_all(session)

    def _load_view(self) -> CatalogView:
        with self.database.snapshot() as session:
            return load_view(session)
