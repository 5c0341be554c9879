"""Locking an access key after consecutive signature failures, with an injected clock."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from liteimages.identity.errors import AccessKeyLocked, UserLocked
from liteimages.identity.lockout import (
    DURATION_SECONDS,
    THRESHOLD,
    Lockout,
    LockoutKind,
    LockoutState,
    is_user_key,
    user_key,
)
from liteimages.identity.lockout_clears import LockoutClear, apply_clears


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


def test_threshold_zero_disables() -> None:
    lockout = Lockout(threshold=0, clock=Clock())
    fail(lockout, "AK", 50)

    lockout.check("AK")
    assert not lockout.enabled


def test_disabled_lockout_ignores_table() -> None:
    lockout = Lockout(threshold=0, clock=Clock())
    lockout.replace([LockoutState("AK", 0, datetime.now(UTC) + timedelta(seconds=60))])

    lockout.check("AK")


@pytest.mark.parametrize("threshold", [-1, -5])
def test_negative_threshold_rejected(threshold: int) -> None:
    with pytest.raises(ValueError, match="0 or more"):
        Lockout(threshold=threshold)


@pytest.mark.parametrize("duration", [0.0, -1.0, math.inf, math.nan])
def test_invalid_duration_rejected(duration: float) -> None:
    with pytest.raises(ValueError, match="positive number"):
        Lockout(duration=duration)


def test_user_key_namespace() -> None:
    assert user_key("0123abcd") == "user:0123abcd"
    assert is_user_key(user_key("0123abcd"))
    assert not is_user_key("LITEIMAGESTESTKEY001")


def test_replace_splits_by_namespace() -> None:
    clock = Clock()
    keys = Lockout(clock=clock)
    users = Lockout(clock=clock, users=True, locked_error=UserLocked)
    until = datetime.now(UTC) + timedelta(seconds=60)
    states = [LockoutState("AK", 0, until), LockoutState(user_key("u1"), 0, until)]

    keys.replace(states)
    users.replace(states)

    with pytest.raises(AccessKeyLocked):
        keys.check("AK")
    keys.check(user_key("u1"))
    with pytest.raises(UserLocked):
        users.check(user_key("u1"))
    users.check("AK")


def test_user_lockout_raises_user_locked() -> None:
    lockout = Lockout(threshold=2, duration=5.0, clock=Clock(), users=True, locked_error=UserLocked)
    fail(lockout, user_key("u1"), 2)

    with pytest.raises(UserLocked) as caught:
        lockout.check(user_key("u1"))

    assert caught.value.retry_after_seconds == 5
    assert caught.value.reason == "user_locked"


def test_forget_unlocks_key() -> None:
    lockout = Lockout(clock=Clock())
    fail(lockout, "AK1", 5)
    fail(lockout, "AK2", 5)

    lockout.forget("AK1")

    lockout.check("AK1")
    with pytest.raises(AccessKeyLocked):
        lockout.check("AK2")


def test_forget_restarts_count() -> None:
    lockout = Lockout(clock=Clock())
    fail(lockout, "AK", 4)

    lockout.forget("AK")
    fail(lockout, "AK", 4)

    lockout.check("AK")
    lockout.record_failure("AK")
    with pytest.raises(AccessKeyLocked):
        lockout.check("AK")


def test_forget_unknown_key_is_noop() -> None:
    lockout = Lockout(clock=Clock())
    fail(lockout, "AK", 5)

    lockout.forget("OTHER")

    with pytest.raises(AccessKeyLocked):
        lockout.check("AK")


def test_forget_all_unlocks_every_key() -> None:
    lockout = Lockout(clock=Clock())
    fail(lockout, "AK1", 5)
    fail(lockout, "AK2", 5)

    lockout.forget_all()

    lockout.check("AK1")
    lockout.check("AK2")


def test_lock_after_forget_holds() -> None:
    lockout = Lockout(clock=Clock())
    fail(lockout, "AK", 5)
    lockout.forget("AK")

    fail(lockout, "AK", 5)

    with pytest.raises(AccessKeyLocked):
        lockout.check("AK")


@pytest.mark.parametrize(
    ("clear", "key_cleared", "user_cleared"),
    [
        (LockoutClear(access_key="AK"), True, False),
        (LockoutClear(access_key=user_key("u1")), False, True),
        (LockoutClear(access_key="OTHER"), False, False),
        (LockoutClear(kind=LockoutKind.ACCESS_KEY), True, False),
        (LockoutClear(kind=LockoutKind.USER), False, True),
        (LockoutClear(), True, True),
    ],
)
def test_clear_covers_its_keys(clear: LockoutClear, key_cleared: bool, user_cleared: bool) -> None:
    clock = Clock()
    keys = Lockout(clock=clock)
    users = Lockout(clock=clock, users=True, locked_error=UserLocked)
    fail(keys, "AK", 5)
    fail(users, user_key("u1"), 5)

    apply_clears([clear], [keys, users])

    key_locked = _raises(AccessKeyLocked, keys.check, "AK")
    user_locked = _raises(UserLocked, users.check, user_key("u1"))
    assert key_locked is not key_cleared
    assert user_locked is not user_cleared


def _raises(error: type[Exception], call: Callable[[str], None], key: str) -> bool:
    try:
        call(key)
    except error:
        return True
    return False
