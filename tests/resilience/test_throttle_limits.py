"""Token buckets, request limits and their settings, with a clock the tests move by hand."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from resilience_support import caller

from liteimages.cli.main import cli
from liteimages.config import Settings, SettingsError, parse_rate
from liteimages.identity.principal import Caller
from liteimages.identity.throttle import RateLimit, Throttle, Throttled, TokenBuckets


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def allowed(throttle: Throttle, who: Caller, project_id: str, times: int) -> int:
    """Send `times` checks and return how many passed."""
    passed = 0
    for _ in range(times):
        try:
            throttle.check(who, project_id)
        except Throttled:
            continue
        passed += 1
    return passed


def test_full_bucket_allows_burst() -> None:
    buckets = TokenBuckets(RateLimit(1.0, 3))

    waits = [buckets.take("a", 0.0) for _ in range(4)]

    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(1.0)


def test_bucket_refills_at_rate() -> None:
    buckets = TokenBuckets(RateLimit(2.0, 3))
    for _ in range(3):
        buckets.take("a", 0.0)

    waits = [buckets.take("a", 1.0) for _ in range(3)]

    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(0.5)


def test_refill_capped_at_burst() -> None:
    buckets = TokenBuckets(RateLimit(5.0, 2))
    buckets.take("a", 0.0)

    waits = [buckets.take("a", 100.0) for _ in range(3)]

    assert waits[:2] == [0.0, 0.0]
    assert waits[2] > 0


def test_rejected_take_costs_nothing() -> None:
    buckets = TokenBuckets(RateLimit(1.0, 1))
    buckets.take("a", 0.0)
    for step in range(10):
        buckets.take("a", step * 0.01)

    assert buckets.take("a", 1.0) == 0.0


def test_buckets_separate_per_name() -> None:
    buckets = TokenBuckets(RateLimit(1.0, 1))
    buckets.take("a", 0.0)

    assert buckets.take("b", 0.0) == 0.0


def test_bucket_count_bounded() -> None:
    buckets = TokenBuckets(RateLimit(1.0, 1), max_buckets=2)
    for name in ("a", "b", "c"):
        buckets.take(name, 0.0)

    assert len(buckets._buckets) == 1


def test_throttled_error_matches_gateway() -> None:
    error = Throttled(3)

    assert error.error_code == "APIGW.0308"
    assert error.message == "The throttling threshold has been reached"
    assert error.retry_after_seconds == 3


@pytest.mark.parametrize(("rate", "retry_after"), [(0.25, 4), (1.0, 1), (50.0, 1)])
def test_retry_after_rounds_up(rate: float, retry_after: int) -> None:
    throttle = Throttle(RateLimit(rate, 1), clock=Clock())
    throttle.check(caller(), "p1")

    with pytest.raises(Throttled) as raised:
        throttle.check(caller(), "p1")

    assert raised.value.retry_after_seconds == retry_after


def test_key_limit_per_access_key() -> None:
    throttle = Throttle(RateLimit(1.0, 5), clock=Clock())

    assert allowed(throttle, caller("AK1"), "p1", 20) == 5
    assert allowed(throttle, caller("AK2"), "p1", 20) == 5


def test_token_callers_limited_per_user() -> None:
    throttle = Throttle(RateLimit(1.0, 5), clock=Clock())

    assert allowed(throttle, caller(None, "alice"), "p1", 20) == 5
    assert allowed(throttle, caller(None, "bob"), "p1", 20) == 5
    assert allowed(throttle, caller(None, "alice"), "p1", 20) == 0


def test_project_limit_shared_by_keys() -> None:
    throttle = Throttle(None, RateLimit(1.0, 6), clock=Clock())

    first = allowed(throttle, caller("AK1"), "p1", 4)
    second = allowed(throttle, caller("AK2"), "p1", 4)

    assert first == 4
    assert second == 2
    assert allowed(throttle, caller("AK2"), "p2", 4) == 4


def test_key_rejection_keeps_project_tokens() -> None:
    throttle = Throttle(RateLimit(1.0, 3), RateLimit(1.0, 5), clock=Clock())

    assert allowed(throttle, caller("AK1"), "p1", 10) == 3
    assert allowed(throttle, caller("AK2"), "p1", 10) == 2


def test_project_rejection_refunds_key_token() -> None:
    throttle = Throttle(RateLimit(1.0, 3), RateLimit(1.0, 2), clock=Clock())
    allowed(throttle, caller("AK1"), "p1", 2)

    assert allowed(throttle, caller("AK1"), "p1", 5) == 0
    assert allowed(throttle, caller("AK1"), "p2", 5) == 1


def test_limits_recover_over_time() -> None:
    clock = Clock()
    throttle = Throttle(RateLimit(2.0, 2), RateLimit(2.0, 2), clock=clock)
    allowed(throttle, caller(), "p1", 5)
    clock.now += 1.0

    assert allowed(throttle, caller(), "p1", 5) == 2


def test_no_limits_never_throttle() -> None:
    throttle = Throttle(clock=Clock())

    assert not throttle.enabled
    assert allowed(throttle, caller(), "p1", 10_000) == 10_000


@pytest.mark.parametrize(
    ("rate", "burst", "workers", "expected"),
    [
        (0.0, 10, 1, None),
        (10.0, 0, 1, RateLimit(10.0, 10)),
        (0.5, 0, 1, RateLimit(0.5, 1)),
        (10.0, 20, 4, RateLimit(2.5, 5)),
        (3.0, 0, 4, RateLimit(0.75, 1)),
        (100.0, 7, 2, RateLimit(50.0, 4)),
    ],
)
def test_limit_shared_among_workers(
    rate: float, burst: int, workers: int, expected: RateLimit | None
) -> None:
    assert RateLimit.of(rate, burst, workers) == expected


@pytest.mark.parametrize(
    ("text", "per_second"),
    [("20/s", 20.0), ("600/min", 10.0), ("5", 5.0), ("0.5/s", 0.5), ("0", 0.0), (" 3/s ", 3.0)],
)
def test_rate_parsed(text: str, per_second: float) -> None:
    assert parse_rate(text) == per_second


@pytest.mark.parametrize("text", ["", "fast", "-1/s", "3/h", "10/", "nan", "inf/s", "/s"])
def test_invalid_rate_rejected(text: str) -> None:
    with pytest.raises(SettingsError, match="such as 20/s or 600/min"):
        parse_rate(text)


def test_limit_variables_read() -> None:
    env = {
        "LITEIMAGES_RATE_LIMIT_KEY": "120/min",
        "LITEIMAGES_RATE_LIMIT_KEY_BURST": "7",
        "LITEIMAGES_RATE_LIMIT_PROJECT": "30",
        "LITEIMAGES_RATE_LIMIT_PROJECT_BURST": "60",
        "LITEIMAGES_MAX_STALENESS": "42.5",
    }

    settings = Settings.from_env(env)

    assert settings.rate_limit_key == 2.0
    assert settings.rate_limit_key_burst == 7
    assert settings.rate_limit_project == 30.0
    assert settings.rate_limit_project_burst == 60
    assert settings.max_staleness == 42.5


def test_limit_defaults_are_off() -> None:
    settings = Settings.from_env({})

    assert settings.rate_limit_key == 0.0
    assert settings.rate_limit_project == 0.0
    assert settings.max_staleness == 300.0


def test_invalid_rate_variable_named() -> None:
    with pytest.raises(SettingsError, match="LITEIMAGES_RATE_LIMIT_PROJECT: invalid rate 'x'"):
        Settings.from_env({"LITEIMAGES_RATE_LIMIT_PROJECT": "x"})


def test_limits_handed_to_workers(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        rate_limit_key=0.1,
        rate_limit_key_burst=3,
        rate_limit_project=250.0,
        rate_limit_project_burst=9,
        max_staleness=12.5,
    )

    rebuilt = Settings.from_env(settings.to_env())

    assert rebuilt == replace(settings, database_url=settings.resolved_database_url)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--rate-limit-key", "fast", "invalid rate 'fast'"),
        ("--rate-limit-project", "5/h", "invalid rate '5/h'"),
        ("--rate-limit-key-burst", "-1", "-1 is not in the range x>=0"),
        ("--max-staleness", "0.5", "0.5 is not in the range x>=1.0"),
    ],
)
def test_serve_rejects_bad_limit(tmp_path: Path, option: str, value: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path), option, value])

    assert result.exit_code == 2
    assert message in result.output
