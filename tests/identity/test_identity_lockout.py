"""Locking an access key after consecutive signature failures, with an injected clock."""

from __future__ import annotations

import pytest

from liteimages.identity.errors import AccessKeyLocked
from liteimages.identity.lockout import DURATION_SECONDS, THRESHOLD, Lockout


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail(lockout: Lockout, access_key: str, times: int) -> None:
    for _ in range(times):
        lockout.record_failure(access_key)


def test_contract_numbers() -> None:
    assert THRESHOLD == 5
    assert DURATION_SECONDS == 300.0


def test_four_failures_do_not_lock() -> None:
    lockout = Lockout(clock=Clock())
    fail(lockout, "AK", 4)

    lockout.check("AK")


def test_fifth_failure_locks() -> None:
    lockout = Lockout(clock=Clock())
    fail(lockout, "AK", 5)

    with pytest.raises(AccessKeyLocked) as caught:
        lockout.check("AK")

    assert caught.value.retry_after_seconds == 300
    assert caught.value.error_code == "APIGW.0301"
    assert caught.value.message == (
        "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden"
    )


@pytest.mark.parametrize(("elapsed", "retry_after"), [(0.5, 300), (1.0, 299), (299.2, 1)])
def test_lock_counts_down(elapsed: float, retry_after: int) -> None:
    clock = Clock()
    lockout = Lockout(clock=clock)
    fail(lockout, "AK", 5)
    clock.now += elapsed

    with pytest.raises(AccessKeyLocked) as caught:
        lockout.check("AK")

    assert caught.value.retry_after_seconds == retry_after


def test_lock_ends_after_duration() -> None:
    clock = Clock()
    lockout = Lockout(clock=clock)
    fail(lockout, "AK", 5)
    clock.now += 300

    lockout.check("AK")
    lockout.check("AK")


def test_count_restarts_after_lock() -> None:
    clock = Clock()
    lockout = Lockout(clock=clock)
    fail(lockout, "AK", 5)
    clock.now += 300
    lockout.check("AK")
    fail(lockout, "AK", 4)

    lockout.check("AK")
    lockout.record_failure("AK")
    with pytest.raises(AccessKeyLocked):
        lockout.check("AK")


def test_success_resets_count() -> None:
    lockout = Lockout(clock=Clock())
    fail(lockout, "AK", 4)
    lockout.record_success("AK")
    fail(lockout, "AK", 4)

    lockout.check("AK")


def test_success_does_not_unlock() -> None:
    lockout = Lockout(clock=Clock())
    fail(lockout, "AK", 5)
    lockout.record_success("AK")

    with pytest.raises(AccessKeyLocked):
        lockout.check("AK")


def test_keys_counted_separately() -> None:
    lockout = Lockout(clock=Clock())
    fail(lockout, "AK1", 4)
    fail(lockout, "AK2", 4)

    lockout.check("AK1")
    lockout.check("AK2")


def test_custom_threshold_and_duration() -> None:
    clock = Clock()
    lockout = Lockout(threshold=2, duration=10.0, clock=clock)
    fail(lockout, "AK", 2)

    with pytest.raises(AccessKeyLocked) as caught:
        lockout.check("AK")

    assert caught.value.retry_after_seconds == 10
