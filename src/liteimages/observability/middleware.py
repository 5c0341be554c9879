"""The ASGI wrapper that times each HTTP request, records its metrics and logs its access line.

It runs around every request, catalog fast path included, so it does little
there: two clock reads and one list append. The wrapped handler returns the
status it sent. The metrics and the access lines are made from the queued
requests in batches, because updating the instruments and building and
formatting a record between two requests costs several times more CPU than in a
loop over many, where the code and data stay in the CPU caches.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from time import perf_counter_ns
from typing import Any

from liteimages.identity.principal import Caller
from liteimages.observability.logs import ACCESS_LOGGER_NAME, RecordMaker
from liteimages.observability.metrics import RequestMetrics, flush_before_scrape
from liteimages.signing import parse_authorization
from liteimages.signing.errors import SigningError
from liteimages.web.asgi import Receive, Scope, Send, request_id_of
from liteimages.web.auth import AUTH_FAILURE_KEY, CALLER_KEY, ROUTE_KEY

# An HTTP handler that returns the status code of the response it sent.
StatusApp = Callable[[Scope, Receive, Send], Awaitable[int]]

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
# A request reaches the metrics and the access log at most this long after its response...
FLUSH_DELAY_S = 0.05
# ...or as soon as this many requests wait, whichever comes first.
FLUSH_BATCH_SIZE = 256

# A finished request as its metrics and access line need it: the time it ended, its
# scope, its status and its duration in nanoseconds.
_Finished = tuple[float, Scope, int, int]


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
    """Makes the access record of a finished request and hands it to a logger."""

    __slots__ = ("_logger", "_records")

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._records = RecordMaker(logger.name, logging.INFO, ACCESS_MESSAGE, __file__)

    def write(self, ended: float, scope: Scope, route: str, status: int, elapsed_ns: int) -> None:
        """Log the access line of one request."""
        raw_path: bytes | None = scope.get("raw_path")
        # The path as sent, still percent-encoded, so that it cannot break the line.
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        method: str = scope["method"]
        caller: Caller | None = scope.get(CALLER_KEY)
        auth_failure: str | None = scope.get(AUTH_FAILURE_KEY)
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
        self._logger.handle(self._records.make(ended, (method, path, status), fields))


class ObservedHTTP:
    """Wraps an HTTP handler: times each request, records its metrics and logs one line.

    The wrapped handler returns the status it sent. A request whose handler raises is
    recorded as 500, the status that uvicorn sends then. Finished requests wait in a
    queue that is handed to the metrics and the access log FLUSH_DELAY_S later, at once
    when FLUSH_BATCH_SIZE requests wait, before GET /metrics reads the metrics, and at
    interpreter exit. Each access record keeps the time its request ended.
    NOTE: a process that is killed loses the metrics and lines of its last FLUSH_DELAY_S.
    """

    __slots__ = ("__weakref__", "_access", "_access_log", "_app", "_metrics", "_pending")

    def __init__(
        self,
        app: StatusApp,
        metrics: RequestMetrics | None,
        access_logger: logging.Logger | None = None,
    ) -> None:
        self._app = app
        self._metrics = metrics
        self._access = access_logger or logging.getLogger(ACCESS_LOGGER_NAME)
        self._access_log = AccessLog(self._access)
        self._pending: list[_Finished] = []
        atexit.register(_flush_if_alive, weakref.ref(self))
        if metrics is not None:
            flush_before_scrape(self)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request through the wrapped handler."""
        started = perf_counter_ns()
        status = 500
        try:
            status = await self._app(scope, receive, send)
        finally:
            if self._metrics is not None or self._access.isEnabledFor(logging.INFO):
                self._queue((time.time(), scope, status, perf_counter_ns() - started))

    def _queue(self, finished: _Finished) -> None:
        pending = self._pending
        pending.append(finished)
        if len(pending) == 1:
            asyncio.get_running_loop().call_later(FLUSH_DELAY_S, self.flush)
        elif len(pending) >= FLUSH_BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        """Record the metrics and write the access lines of every queued request."""
        pending = self._pending
        if not pending:
            return
        self._pending = []
        metrics = self._metrics
        # Metrics first, so that a request is counted before its access line appears.
        if metrics is not None:
            for _, scope, status, elapsed_ns in pending:
                route = route_name(scope)
                metrics.observe(route, status, elapsed_ns / 1e9, scope.get(AUTH_FAILURE_KEY))
            metrics.record()
        if self._access.isEnabledFor(logging.INFO):
            for ended, scope, status, elapsed_ns in pending:
                self._access_log.write(ended, scope, route_name(scope), status, elapsed_ns)


def _flush_if_alive(observed: weakref.ref[ObservedHTTP]) -> None:
    alive = observed()
    if alive is not None:
        alive.flush()


# Shown in place of an access key that does not exist: a client that swapped its AK and SK
# sends its secret key there.
UNKNOWN_ACCESS_KEY = "[unknown]"


def _access_key_of(scope: Scope, caller: Caller | None, auth_failure: str | None) -> str | None:
    """Return the caller's AK, or after a failed authentication the AK its signature names.

    An access key that does not exist is not logged, since it may be a secret key.
    """
    if caller is not None:
        return caller.access_key
    if auth_failure is None:
        return None
    if auth_failure == "unknown_access_key":
        return UNKNOWN_ACCESS_KEY
    for name, value in scope["headers"]:
        if name.lower() == b"authorization":
            try:
                return parse_authorization(value.decode("latin-1")).access_key
            except SigningError:
                return None
    return None
