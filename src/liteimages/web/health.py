"""Health checks: GET /health/live (the process is up) and GET /health/ready (it can serve)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import anyio.to_thread
import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from liteimages.db import revisions
from liteimages.errors import ServiceUnavailable
from liteimages.runtime import Runtime
from liteimages.web.asgi import request_id_of
from liteimages.web.errors import error_body

logger = logging.getLogger(__name__)

READY_TIMEOUT_S = 2.0


class DatabaseState(StrEnum):
    """The outcome of the readiness check's read of the revision counters."""

    OK = "ok"
    # The read failed: connection refused or lost, database or table missing, and so on.
    UNAVAILABLE = "unavailable"
    # The read did not finish within READY_TIMEOUT_S.
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class DatabaseCheck:
    """A database state and, for the log only, the error of a failed read."""

    state: DatabaseState
    # The driver's message can name the host, port, database and user, so it stays out
    # of the response body.
    error: str | None = None


async def health_live(_: Request) -> Response:
    """GET /health/live: the process is up."""
    return Response(b'{"status":"ok"}', media_type="application/json")


class Readiness:
    """GET /health/ready: 200 while this worker can serve catalog calls.

    A worker can serve them while its catalog view is loaded and no older than the max
    staleness, the condition of `Runtime.check_fresh`, even when the database is down.
    The database state is reported in the body, and it decides readiness only when
    `Settings.ready_requires_database` is set.

    The database check reads the revision counters in a worker thread. A check that
    takes longer than READY_TIMEOUT_S keeps running, and later requests share it instead
    of starting another, so a hung database ties up at most one thread here. A request
    waits only until the shared check is READY_TIMEOUT_S old, so while the database
    hangs, only the request that started the check waits the full READY_TIMEOUT_S.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._check: asyncio.Future[dict[str, int]] | None = None
        # Event loop time at which self._check started.
        self._check_started = 0.0
        self._was_ready: bool | None = None
        # Assumed at start-up, so that only a failed first check is logged.
        self._database_state = DatabaseState.OK

    async def respond(self, request: Request) -> Response:
        """Return 200 with the catalog view's revision and age, or 503 naming the problem."""
        database = await self._check_database()
        self._log_database_change(database)
        age = time.monotonic() - self.runtime.fresh_at
        problem = self._find_problem(database.state, age)
        self._log_readiness_change(problem, database.state)
        if problem is None:
            body = {
                "status": "ready",
                "catalog_revision": self.runtime.view.revision,
                "catalog_age_seconds": round(age, 3),
                "max_staleness_seconds": self.runtime.settings.max_staleness,
                "database": database.state.value,
            }
            return Response(orjson.dumps(body), media_type="application/json")
        message = f"The service is not ready: {problem}"
        error = error_body(ServiceUnavailable.error_code, message, request_id_of(request.scope))
        return Response(error, status_code=503, media_type="application/json")

    def _find_problem(self, database: DatabaseState, age: float) -> str | None:
        if self.runtime.view.revision < 0:
            return "the catalog view is not loaded yet"
        try:
            self.runtime.check_fresh()
        except ServiceUnavailable:
            max_staleness = self.runtime.settings.max_staleness
            return (
                f"the catalog view was last refreshed {age:.1f} s ago, more than the "
                f"max staleness of {max_staleness:g} s"
            )
        if not self.runtime.settings.ready_requires_database:
            return None
        if database is DatabaseState.TIMEOUT:
            return f"the database did not answer within {READY_TIMEOUT_S:g} s"
        if database is DatabaseState.UNAVAILABLE:
            return "the database check failed"
        return None

    async def _check_database(self) -> DatabaseCheck:
        check = self._database_check()
        remaining = READY_TIMEOUT_S - (asyncio.get_running_loop().time() - self._check_started)
        try:
            # A timeout of 0 or less returns the result of a finished check, or times out.
            await asyncio.wait_for(asyncio.shield(check), remaining)
        except TimeoutError:
            return DatabaseCheck(DatabaseState.TIMEOUT)
        except Exception as error:
            return DatabaseCheck(DatabaseState.UNAVAILABLE, f"{type(error).__name__}: {error}")
        return DatabaseCheck(DatabaseState.OK)

    def _database_check(self) -> asyncio.Future[dict[str, int]]:
        if self._check is None or self._check.done():
            self._check = asyncio.ensure_future(anyio.to_thread.run_sync(self._read_revisions))
            self._check.add_done_callback(_retrieve_exception)
            self._check_started = asyncio.get_running_loop().time()
        return self._check

    def _read_revisions(self) -> dict[str, int]:
        with self.runtime.database.read() as session:
            return revisions.read_all(session)

    def _log_database_change(self, database: DatabaseCheck) -> None:
        if database.state == self._database_state:
            return
        self._database_state = database.state
        if database.state is DatabaseState.OK:
            logger.info("database check recovered")
        elif database.state is DatabaseState.TIMEOUT:
            logger.warning("database check timed out after %g s", READY_TIMEOUT_S)
        else:
            logger.warning("database check failed", extra={"error": database.error})

    def _log_readiness_change(self, problem: str | None, database: DatabaseState) -> None:
        ready = problem is None
        if ready == self._was_ready:
            return
        self._was_ready = ready
        fields = {"catalog_revision": self.runtime.view.revision, "database": database.value}
        if ready:
            logger.info("ready to serve", extra=fields)
        else:
            logger.warning("not ready to serve: %s", problem, extra=fields)


def _retrieve_exception(check: asyncio.Future[Any]) -> None:
    # A check whose caller timed out is never awaited again; reading its exception here
    # keeps asyncio from logging "exception was never retrieved".
    if not check.cancelled():
        check.exception()


def health_routes(runtime: Runtime) -> list[BaseRoute]:
    """Return the routes of /health/live and /health/ready."""
    return [
        Route("/health/live", health_live, methods=["GET"]),
        Route("/health/ready", Readiness(runtime).respond, methods=["GET"]),
    ]
