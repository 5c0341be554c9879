"""Prometheus instruments and the hooks that update them.

The instruments live in prometheus_client's default registry. With several
workers, `serve` sets PROMETHEUS_MULTIPROC_DIR before they start, so
prometheus_client keeps each worker's values in files in that folder, and
GET /metrics (see `exposition`) adds up the files of every worker.
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, TypeVar

from prometheus_client import Counter, Gauge, Histogram

from liteimages.catalog.view import CatalogView
from liteimages.observability.workers import METRICS_VARIABLE

# Catalog calls take well under a millisecond, so the buckets start at 0.5 ms.
REQUEST_DURATION_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip

HTTP_REQUESTS = Counter(
    "liteimages_http_requests_total",
    "HTTP requests answered, by route name and status code.",
    ["route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "liteimages_http_request_duration_seconds",
    "Time from the start of a request to the end of its response, by route name and status code.",
    ["route", "status"],
    buckets=REQUEST_DURATION_BUCKETS,
)
AUTH_FAILURES = Counter(
    "liteimages_auth_failures_total",
    "Requests whose credentials were rejected, by reason.",
    ["reason"],
)
# Every worker loads the same catalog, so across workers the most recently set value is shown.
CATALOG_IMAGES = Gauge(
    "liteimages_catalog_images",
    "Images of every visibility in the loaded catalog view.",
    multiprocess_mode="mostrecent",
)
CATALOG_FLAVORS = Gauge(
    "liteimages_catalog_flavors",
    "Flavors in the loaded catalog view.",
    multiprocess_mode="mostrecent",
)
CATALOG_REVISION = Gauge(
    "liteimages_catalog_revision",
    "Catalog revision counter of the loaded catalog view.",
    multiprocess_mode="mostrecent",
)
CATALOG_REFRESHES = Counter(
    "liteimages_catalog_refreshes_total",
    "Refreshes of the catalog view and credential caches from the database, by result.",
    ["result"],
)
_REFRESHES_OK = CATALOG_REFRESHES.labels(result="ok")
_REFRESHES_FAILED = CATALOG_REFRESHES.labels(result="failed")

# Route names of the catalog fast path, bound in advance so that their series exist at zero.
CATALOG_ROUTE_NAMES = ("list_images", "get_image", "list_flavors")

_RequestChildren = tuple[Counter, Histogram]


class RequestMetrics:
    """Records requests, keeping the label children of each route, status and reason."""

    __slots__ = ("_by_reason", "_by_route_status")

    def __init__(self) -> None:
        self._by_route_status: dict[tuple[str, int], _RequestChildren] = {}
        self._by_reason: dict[str, Counter] = {}
        for route in CATALOG_ROUTE_NAMES:
            self._bind(route, 200)

    def observe(self, route: str, status: int, seconds: float, auth_failure: str | None) -> None:
        """Count one request and its duration, and the reason if its authentication failed."""
        children = self._by_route_status.get((route, status))
        if children is None:
            children = self._bind(route, status)
        children[0].inc()
        children[1].observe(seconds)
        if auth_failure is not None:
            failures = self._by_reason.get(auth_failure)
            if failures is None:
                failures = AUTH_FAILURES.labels(reason=auth_failure)
                self._by_reason[auth_failure] = failures
            failures.inc()

    def _bind(self, route: str, status: int) -> _RequestChildren:
        label = str(status)
        children = (
            HTTP_REQUESTS.labels(route=route, status=label),
            HTTP_REQUEST_DURATION.labels(route=route, status=label),
        )
        self._by_route_status[(route, status)] = children
        return children


class Flushable(Protocol):
    """An object that holds measurements until its `flush` records them."""

    def flush(self) -> None:
        """Record every held measurement."""


_held_measurements: weakref.WeakSet[Flushable] = weakref.WeakSet()


def flush_before_scrape(holder: Flushable) -> None:
    """Have `flush_held` call `holder.flush()` for as long as `holder` lives."""
    _held_measurements.add(holder)


def flush_held() -> None:
    """Record the measurements that this process holds, so that a scrape shows them."""
    for holder in list(_held_measurements):
        holder.flush()


def record_catalog_view(view: CatalogView) -> None:
    """Set the catalog gauges from a newly loaded view."""
    CATALOG_IMAGES.set(view.image_count)
    CATALOG_FLAVORS.set(view.flavor_count)
    CATALOG_REVISION.set(view.revision)


class HasCatalogView(Protocol):
    """An object with a current catalog view, such as `Runtime`."""

    view: CatalogView


RuntimeT = TypeVar("RuntimeT", bound=HasCatalogView)


def observe_refresh(
    refresh: Callable[[RuntimeT], Awaitable[None]],
) -> Callable[[RuntimeT], Awaitable[None]]:
    """Wrap a refresh method to count its results and set the catalog gauges after success."""

    @functools.wraps(refresh)
    async def observed(runtime: RuntimeT) -> None:
        try:
            await refresh(runtime)
        except Exception:
            _REFRESHES_FAILED.inc()
            raise
        _REFRESHES_OK.inc()
        record_catalog_view(runtime.view)

    return observed


def metrics_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Return whether LITEIMAGES_METRICS leaves metrics on: unless it is 0, false, no or off."""
    env = os.environ if environ is None else environ
    return env.get(METRICS_VARIABLE, "").strip().lower() not in ("0", "false", "no", "off")
