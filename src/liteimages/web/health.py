"""Health checks: GET /health/live (the process is up) and GET /health/ready (it can serve)."""

from __future__ import annotations

import asyncio
import logging
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


async def health_live(_: Request) -> Response:
    """GET /health/live: the process is up."""
    return Response(b'{"status":"ok"}', media_type="application/json")


class Readiness:
    """GET /health/ready: 200 when the catalog view is loaded and the database responds in time.

    The database check reads the revision counters in a worker thread, bounded by
    READY_TIMEOUT_S. A check that outlives the bound keeps running, and later
    requests wait for that same check instead of starting another, so a hung
    database ties up at most one thread here.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._check: asyncio.Future[dict[str, int]] | None = None
        self._was_ready: bool | None = None
        # The exception of the last failed database check, logged when readiness changes.
        self._error = ""

    async def respond(self, request: Request) -> Response:
        """Return 200 with the loaded catalog revision, or 503 naming the failed check."""
        problem = await self._find_problem()
        self._log_change(problem)
        if problem is None:
            body = {"status": "ready", "catalog_revision": self.runtime.view.revision}
            return Response(orjson.dumps(body), media_type="application/json")
        message = f"The service is not ready: {problem}"
        error = error_body(ServiceUnavailable.error_code, message, request_id_of(request.scope))
        return Response(error, status_code=503, media_type="application/json")

    async def _find_problem(self) -> str | None:
        if self.runtime.view.revision < 0:
            return "the catalog view is not loaded yet"
        try:
            await asyncio.wait_for(asyncio.shield(self._database_check()), READY_TIMEOUT_S)
        except TimeoutError:
            return f"the database did not answer within {READY_TIMEOUT_S:g} s"
        except Exception as error:
            self._error = f"{type(error).__name__}: {error}"
            return "the database check failed"
        return None

    def _database_check(self) -> asyncio.Future[dict[str, int]]:
        if self._check is None or self._check.done():
            self._check = asyncio.ensure_future(anyio.to_thread.run_sync(self._read_revisions))
            self._check.add_done_callback(_retrieve_exception)
        return self._check

    def _read_revisions(self) -> dict[str, int]:
        with self.runtime.database.read() as session:
            return revisions.read_all(session)

    def _log_change(self, problem: str | None) -> None:
        ready = problem is None
        if ready == self._was_ready:
            return
        if ready:
            self._error = ""
            logger.info("ready to serve", extra={"catalog_revision": self.runtime.view.revision})
        else:
            logger.warning("not ready to serve: %s", problem, extra={"error": self._error or None})
        self._was_ready = ready


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
