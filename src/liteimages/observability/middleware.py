"""The ASGI wrapper that times each HTTP request, records its metrics and logs its access line.

It runs around every request, catalog fast path included, so it does little
there: two clock reads and one dictionary lookup for the label children of the
metrics. When the access logger is on, it also appends one tuple to a list.
`AccessLog` turns those tuples into log records in batches, because building and
formatting a record between two requests costs several times more CPU than in a
loop over many, where the code and data stay in the CPU caches.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import time
import weakref
from time import perf_counter_ns
from typing import Any

from liteimages.identity.principal import Caller
from liteimages.observability.logs import ACCESS_LOGGER_NAME, RecordMaker
from liteimages.observability.metrics import RequestMetrics
from liteimages.signing import parse_authorization
from liteimages.signing.errors import SigningError
from liteimages.web.asgi import ASGIApp, Message, Receive, Scope, Send, request_id_of
from liteimages.web.auth import AUTH_FAILURE_KEY, CALLER_KEY, ROUTE_KEY

# Metric and log route names of the catalog fast path, by the name it stores in the scope.
CATALOG_ROUTE_NAMES = {"images": "list_images", "image": "get_image", "flavors": "list_flavors"}
# Route names of every other path, by prefix. Paths that match none are `other`, so that the
# `route` label has a fixed, small set of values whatever paths clients send.
PATH_ROUTE_NAMES = (
    ("/v3/", "iam"),
    ("/v3.0/", "iam"),
    ("/admin/", "admin"),
    ("/health/", "health"),
    ("/metrics", "metrics"),
    ("/docs", "docs"),
    ("/openapi", "docs"),
)
ACCESS_MESSAGE = "%s %s %d"
# An access line reaches the logger at most this long after its response was sent...
ACCESS_FLUSH_DELAY_S = 0.05
# ...or as soon as this many lines wait, whichever comes first.
ACCESS_BATCH_SIZE = 256

# The data of one request that its access line needs: the end time, the scope, and the
# route name, status, duration in nanoseconds and authentication failure.
_AccessEntry = tuple[float, Scope, str, int, int, str | None]


def route_name(scope: Scope) -> str:
    """Return the route name of a finished request, for metric labels and access lines."""
    catalog_route = scope.get(ROUTE_KEY)
    if catalog_route is not None:
        return CATALOG_ROUTE_NAMES.get(catalog_route, "other")
    path: str = scope["path"]
    for prefix, name in PATH_ROUTE_NAMES:
        if path.startswith(prefix):
            return name
    return "other"


class AccessLog:
    """Writes one access record per request to a logger, in batches.

    `add` runs on the event loop and only queues the request. The records are made and
    handed to the logger ACCESS_FLUSH_DELAY_S later, or at once when ACCESS_BATCH_SIZE
    requests wait, and at interpreter exit. Each record keeps the time its request ended.
    NOTE: a process that is killed loses the lines of its last ACCESS_FLUSH_DELAY_S.
    """

    __slots__ = ("__weakref__", "_logger", "_pending", "_records")

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._records = RecordMaker(logger.name, logging.INFO, ACCESS_MESSAGE, __file__)
        self._pending: list[_AccessEntry] = []
        atexit.register(_flush_if_alive, weakref.ref(self))

    def add(self, entry: _AccessEntry) -> None:
        """Queue the access line of one request. Call it on the event loop thread."""
        pending = self._pending
        pending.append(entry)
        if len(pending) == 1:
            asyncio.get_running_loop().call_later(ACCESS_FLUSH_DELAY_S, self.flush)
        elif len(pending) >= ACCESS_BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        """Hand every queued access line to the logger."""
        pending = self._pending
        if not pending:
            return
        self._pending = []
        for entry in pending:
            self._logger.handle(self._record(*entry))

    def _record(
        self,
        ended: float,
        scope: Scope,
        route: str,
        status: int,
        elapsed_ns: int,
        auth_failure: str | None,
    ) -> logging.LogRecord:
        raw_path: bytes | None = scope.get("raw_path")
        # The path as sent, still percent-encoded, so that it cannot break the line.
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        method: str = scope["method"]
        caller: Caller | None = scope.get(CALLER_KEY)
        client = scope.get("client")
        # Only identifiers: the secret key, signatures, tokens and passwords never reach here.
        fields: dict[str, Any] = {
            "request_id": request_id_of(scope),
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": round(elapsed_ns / 1e6, 3),
            "client": client[0] if client else None,
            "project_id": caller.project_id if caller is not None else None,
            "access_key": _access_key_of(scope, caller, auth_failure),
            "auth_method": caller.method if caller is not None else None,
            "auth_failure": auth_failure,
        }
        return self._records.make(ended, (method, path, status), fields)


class ObservedHTTP:
    """Wraps an HTTP handler: times each request, records its metrics and logs one line.

    The status comes from the `http.response.start` message. A request that ends
    without one, by an exception or otherwise, is recorded as 500, the status that
    uvicorn sends then.
    """

    __slots__ = ("_access", "_access_log", "_app", "_metrics")

    def __init__(
        self,
        app: ASGIApp,
        metrics: RequestMetrics | None,
        access_logger: logging.Logger | None = None,
    ) -> None:
        self._app = app
        self._metrics = metrics
        self._access = access_logger or logging.getLogger(ACCESS_LOGGER_NAME)
        self._access_log = AccessLog(self._access)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request through the wrapped handler."""
        started = perf_counter_ns()
        status = 0

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, send_and_note_status)
        finally:
            self._record(scope, status or 500, perf_counter_ns() - started)

    def flush(self) -> None:
        """Write the access lines still queued."""
        self._access_log.flush()

    def _record(self, scope: Scope, status: int, elapsed_ns: int) -> None:
        route = route_name(scope)
        auth_failure: str | None = scope.get(AUTH_FAILURE_KEY)
        if self._metrics is not None:
            self._metrics.observe(route, status, elapsed_ns / 1e9, auth_failure)
        if self._access.isEnabledFor(logging.INFO):
            self._access_log.add((time.time(), scope, route, status, elapsed_ns, auth_failure))


def _flush_if_alive(access_log: weakref.ref[AccessLog]) -> None:
    alive = access_log()
    if alive is not None:
        alive.flush()


def _access_key_of(scope: Scope, caller: Caller | None, auth_failure: str | None) -> str | None:
    """Return the caller's AK, or after a failed authentication the AK its signature names."""
    if caller is not None:
        return caller.access_key
    if auth_failure is None:
        return None
    for name, value in scope["headers"]:
        if name.lower() == b"authorization":
            try:
                return parse_authorization(value.decode("latin-1")).access_key
            except SigningError:
                return None
    return None
