"""Prometheus instruments and the hooks that update them.

The instruments live in prometheus_client's default registry. With several
workers, `serve` sets PROMETHEUS_MULTIPROC_DIR before they start, so
prometheus_client keeps each worker's values in files in that folder, and
GET /metrics (see `exposition`) adds up the files of every worker.
"""

from __future__ import annotations

import bisect
import functools
import math
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
PASSWORD_CHECKS = Counter(
    "liteimages_password_checks_total",
    "Argon2 checks of login passwords, by result: ok, wrong, or unknown_user (a dummy "
    "hash checked because the account or user does not exist).",
    ["result"],
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

# Upper bounds of the histogram's buckets, +Inf last, as prometheus_client adds it.
_UPPER_BOUNDS = (*REQUEST_DURATION_BUCKETS, math.inf)


class _Tally:
    """Requests of one route and status observed since the last `RequestMetrics.record`.

    prometheus_client has no public call to add many observations to a histogram at
    once. A histogram child keeps its sum in `_sum` and one value per bucket, not
    cumulative, in `_buckets`, and the tally adds to those. A child without them gets
    each observation through `observe` at once instead.
    """

    __slots__ = (
        "_bucket_values",
        "_sum_value",
        "buckets",
        "count",
        "counter",
        "histogram",
        "seconds",
    )

    def __init__(self, counter: Counter, histogram: Histogram) -> None:
        self.counter = counter
        self.histogram = histogram
        self._sum_value = getattr(histogram, "_sum", None)
        bucket_values = getattr(histogram, "_buckets", None)
        if bucket_values is None or len(bucket_values) != len(_UPPER_BOUNDS):
            bucket_values = self._sum_value = None
        self._bucket_values = bucket_values
        self.count = 0
        self.seconds = 0.0
        self.buckets = [0] * len(_UPPER_BOUNDS)

    def add(self, seconds: float) -> None:
        """Count one request that took `seconds`."""
        self.count += 1
        if self._bucket_values is None:
            self.histogram.observe(seconds)
            return
        self.seconds += seconds
        # The first bucket whose upper bound is at least `seconds`, as Histogram.observe picks.
        self.buckets[bisect.bisect_left(_UPPER_BOUNDS, seconds)] += 1

    def record(self) -> None:
        """Add the counted requests to the instruments and start counting from zero."""
        if not self.count:
            return
        self.counter.inc(self.count)
        self.count = 0
        if self._bucket_values is None or self._sum_value is None:
            return
        self._sum_value.inc(self.seconds)
        for value, count in zip(self._bucket_values, self.buckets, strict=True):
            if count:
                value.inc(count)
        self.seconds = 0.0
        self.buckets = [0] * len(_UPPER_BOUNDS)


class RequestMetrics:
    """Counts requests by route, status and authentication failure reason.

    `observe` only adds to counts held here; `record` adds them to the Prometheus
    instruments, which take a lock and, with several workers, write to a file for each
    value. So a caller that observes many requests and then records once pays for the
    instruments once per route and status instead of once per request.
    """

    __slots__ = ("_by_reason", "_failures", "_tallies")

    def __init__(self) -> None:
        self._tallies: dict[tuple[str, int], _Tally] = {}
        self._by_reason: dict[str, Counter] = {}
        self._failures: dict[str, int] = {}
        for route in CATALOG_ROUTE_NAMES:
            self._bind(route, 200)

    def observe(self, route: str, status: int, seconds: float, auth_failure: str | None) -> None:
        """Count one request and its duration, and the reason if its authentication failed."""
        tally = self._tallies.get((route, status))
        if tally is None:
            tally = self._bind(route, status)
        tally.add(seconds)
        if auth_failure is not None:
            self._failures[auth_failure] = self._failures.get(auth_failure, 0) + 1

    def record(self) -> None:
        """Add every count observed since the last call to the Prometheus instruments."""
        for tally in self._tallies.values():
            tally.record()
        failures, self._failures = self._failures, {}
        for reason, count in failures.items():
            counter = self._by_reason.get(reason)
            if counter is None:
                counter = self._by_reason[reason] = AUTH_FAILURES.labels(reason=reason)
            counter.inc(count)

    def _bind(self, route: str, status: int) -> _Tally:
        label = str(status)
        tally = _Tally(
            HTTP_REQUESTS.labels(route=route, status=label),
            HTTP_REQUEST_DURATION.labels(route=route, status=label),
        )
        self._tallies[(route, status)] = tally
        return tally


class Flushable(Protocol):
    """An object that keeps measurements until its `flush` records them."""

    def flush(self) -> None:
        """Record every measurement kept so far."""


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
