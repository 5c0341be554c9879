"""Request limits per credential, per project and per client address, as token buckets.

The buckets live in one worker's memory.

Each limit is a sustained rate plus a burst. A bucket contains at most `burst` tokens
and refills at `rate` tokens per second. Every request takes one token from the bucket
of its credential and one from the bucket of its project. A request that
finds either bucket empty is rejected with `Throttled` and takes no token.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from liteimages.errors import LiteImagesError
from liteimages.identity.principal import Caller

# Buckets kept per limit. When there are more, all are dropped and start full again,
# which bounds memory at the price of one extra burst per credential or project.
MAX_BUCKETS = 100_000
# IPv6 clients are limited per network of this prefix length, because one host is
# usually given a whole /64 and can send from any address in it.
IPV6_PREFIX_LENGTH = 64
THROTTLED_MESSAGE = "The throttling threshold has been reached"


class Throttled(LiteImagesError):
    """A request limit of the caller's credential, project or address is used up for now."""

    error_code = "APIGW.0308"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(THROTTLED_MESSAGE)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class RateLimit:
    """A sustained rate in requests per second, and the burst a full bucket allows."""

    rate: float
    burst: int

    @classmethod
    def of(cls, rate: float, burst: int, workers: int = 1) -> RateLimit | None:
        """Return one worker's share of a limit, or None if `rate` is 0 (no limit).

        A `burst` of 0 means one second's worth of requests, at least 1. Both the
        rate and the burst are divided evenly among `workers`.
        """
        if rate <= 0:
            return None
        burst = burst or math.ceil(rate)
        return cls(rate / workers, max(1, math.ceil(burst / workers)))


class TokenBuckets:
    """One token bucket per name, all with the same limit."""

    def __init__(self, limit: RateLimit, max_buckets: int = MAX_BUCKETS) -> None:
        self._rate = limit.rate
        self._burst = float(limit.burst)
        self._max_buckets = max_buckets
        # name -> [tokens left, monotonic time of the last update]
        self._buckets: dict[str, list[float]] = {}

    def take(self, name: str, now: float) -> float:
        """Take one token and return 0.0, or return the seconds until one is due if none is left."""
        bucket = self._buckets.get(name)
        if bucket is None:
            if len(self._buckets) >= self._max_buckets:
                self._buckets.clear()
            self._buckets[name] = [self._burst - 1.0, now]
            return 0.0
        tokens = bucket[0] + (now - bucket[1]) * self._rate
        if tokens > self._burst:
            tokens = self._burst
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0.0
        bucket[0] = tokens
        return (1.0 - tokens) / self._rate

    def give_back(self, name: str) -> None:
        """Return the token that the last successful `take` of `name` took."""
        bucket = self._buckets.get(name)
        if bucket is not None:
            bucket[0] = min(self._burst, bucket[0] + 1.0)


class Throttle:
    """The per-credential and per-project limits of one worker. Either may be None (no limit).

    The credential is the access key of a signed request, or the user of a token.
    """

    def __init__(
        self,
        per_credential: RateLimit | None = None,
        per_project: RateLimit | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._credentials = TokenBuckets(per_credential) if per_credential else None
        self._projects = TokenBuckets(per_project) if per_project else None
        self._clock = clock
        self.enabled = per_credential is not None or per_project is not None

    def check(self, caller: Caller, project_id: str) -> None:
        """Take a token for the caller's credential and for the project, or raise `Throttled`."""
        if not self.enabled:
            return
        now = self._clock()
        # Access keys are letters and digits only, so the prefix keeps the two kinds apart.
        credential = caller.access_key or "user:" + caller.principal.user_id
        wait = 0.0
        if self._credentials is not None:
            wait = self._credentials.take(credential, now)
        if not wait and self._projects is not None:
            wait = self._projects.take(project_id, now)
            if wait and self._credentials is not None:
                self._credentials.give_back(credential)
        if wait:
            raise Throttled(max(1, math.ceil(wait)))


def address_bucket_name(address: str | None) -> str:
    """Return the bucket name of a client address: the IPv4 address, or the IPv6 /64.

    An IPv4-mapped IPv6 address counts as its IPv4 address. A value that is not an IP
    address (a Unix socket peer, or None when the server does not know the client)
    is used as it is, so all such clients share the bucket "unknown" or their own name.
    """
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        network = ipaddress.IPv6Network((parsed, IPV6_PREFIX_LENGTH), strict=False)
        return str(network)
    return str(parsed)


class AddressThrottle:
    """A request limit per client address, or no limit if `limit` is None."""

    def __init__(
        self, limit: RateLimit | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._buckets = TokenBuckets(limit) if limit else None
        self._clock = clock
        self.enabled = limit is not None

    def check(self, address: str | None) -> None:
        """Take a token for the client address, or raise `Throttled`."""
        if self._buckets is None:
            return
        wait = self._buckets.take(address_bucket_name(address), self._clock())
        if wait:
            raise Throttled(max(1, math.ceil(wait)))
