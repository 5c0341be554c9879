"""Request metrics held and then added to the Prometheus instruments in one step."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY, CollectorRegistry, Histogram

from liteimages.observability.metrics import REQUEST_DURATION_BUCKETS, RequestMetrics

DURATIONS = (0.0001, 0.0005, 0.0007, 0.003, 0.2, 10.0, 50.0)
BOUNDS = [*(str(bound) for bound in REQUEST_DURATION_BUCKETS), "+Inf"]


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def reference_buckets(durations: tuple[float, ...]) -> dict[str, float]:
    """Return the cumulative bucket counts that Histogram.observe gives for `durations`."""
    registry = CollectorRegistry()
    histogram = Histogram(
        "reference", "Reference.", buckets=REQUEST_DURATION_BUCKETS, registry=registry
    )
    for duration in durations:
        histogram.observe(duration)
    return {le: registry.get_sample_value("reference_bucket", {"le": le}) or 0.0 for le in BOUNDS}


@pytest.fixture
def route() -> str:
    # A route name of this test alone, so that other tests' requests do not mix in.
    return "tally_test"


def test_nothing_added_before_record(route: str) -> None:
    metrics = RequestMetrics()

    metrics.observe(route, 201, 0.001, None)

    assert value("liteimages_http_requests_total", route=route, status="201") == 0.0


def test_record_adds_counts_sum_and_buckets(route: str) -> None:
    metrics = RequestMetrics()
    labels = {"route": route, "status": "200"}
    before = {
        le: value("liteimages_http_request_duration_seconds_bucket", le=le, **labels)
        for le in BOUNDS
    }

    for duration in DURATIONS:
        metrics.observe(route, 200, duration, None)
    metrics.record()

    assert value("liteimages_http_requests_total", **labels) == len(DURATIONS)
    assert value("liteimages_http_request_duration_seconds_count", **labels) == len(DURATIONS)
    assert value("liteimages_http_request_duration_seconds_sum", **labels) == pytest.approx(
        sum(DURATIONS)
    )
    after = {
        le: value("liteimages_http_request_duration_seconds_bucket", le=le, **labels)
        for le in BOUNDS
    }
    assert {le: after[le] - before[le] for le in BOUNDS} == reference_buckets(DURATIONS)


def test_record_twice_adds_once(route: str) -> None:
    metrics = RequestMetrics()
    metrics.observe(route, 202, 0.001, None)

    metrics.record()
    metrics.record()

    assert value("liteimages_http_requests_total", route=route, status="202") == 1.0


def test_auth_failures_added_on_record(route: str) -> None:
    metrics = RequestMetrics()
    before = value("liteimages_auth_failures_total", reason="tally_reason")

    metrics.observe(route, 401, 0.001, "tally_reason")
    metrics.observe(route, 401, 0.001, "tally_reason")
    held = value("liteimages_auth_failures_total", reason="tally_reason")
    metrics.record()

    assert held == before
    assert value("liteimages_auth_failures_total", reason="tally_reason") == before + 2
