"""The password login limit per client address."""

from __future__ import annotations

import pytest

from liteimages.identity.throttle import AddressThrottle, RateLimit, Throttled, address_bucket_name


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("address", "bucket"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        (None, "unknown"),
        ("", "unknown"),
        ("/run/liteimages.sock", "/run/liteimages.sock"),
    ],
)
def test_address_bucket_names(address: str | None, bucket: str) -> None:
    assert address_bucket_name(address) == bucket


def test_address_limit_allows_burst() -> None:
    throttle = AddressThrottle(RateLimit(rate=1.0, burst=3), clock=Clock())
    for _ in range(3):
        throttle.check("192.0.2.1")

    with pytest.raises(Throttled) as caught:
        throttle.check("192.0.2.1")

    assert caught.value.retry_after_seconds == 1
    assert caught.value.error_code == "APIGW.0308"


def test_addresses_limited_separately() -> None:
    throttle = AddressThrottle(RateLimit(rate=1.0, burst=1), clock=Clock())
    throttle.check("192.0.2.1")

    throttle.check("192.0.2.2")
    with pytest.raises(Throttled):
        throttle.check("192.0.2.1")


def test_ipv6_network_shares_bucket() -> None:
    throttle = AddressThrottle(RateLimit(rate=1.0, burst=1), clock=Clock())
    throttle.check("2001:db8::1")

    with pytest.raises(Throttled):
        throttle.check("2001:db8::2")
    throttle.check("2001:db8:0:1::1")


def test_address_limit_refills() -> None:
    clock = Clock()
    throttle = AddressThrottle(RateLimit(rate=0.1, burst=1), clock=clock)
    throttle.check("192.0.2.1")
    with pytest.raises(Throttled) as caught:
        throttle.check("192.0.2.1")
    assert caught.value.retry_after_seconds == 10
    clock.now += 10.0

    throttle.check("192.0.2.1")


def test_no_address_limit() -> None:
    throttle = AddressThrottle(None)

    for _ in range(1000):
        throttle.check("192.0.2.1")
    assert not throttle.enabled
