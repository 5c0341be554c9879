"""Lock an access key for a while after too many failed signatures in a row."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from liteimages.identity.errors import AccessKeyLocked

THRESHOLD = 5
DURATION_SECONDS = 300.0


class Lockout:
    """Counts consecutive signature failures per access key, in this process.

    NOTE: the counts live in one worker's memory, so with several workers an
    attacker gets up to THRESHOLD tries per worker before every worker locks.
    """

    def __init__(
        self,
        threshold: int = THRESHOLD,
        duration: float = DURATION_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.duration = duration
        self._clock = clock
        self._failures: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}

    def check(self, access_key: str) -> None:
        """Raise `AccessKeyLocked` if the key is locked now."""
        until = self._locked_until.get(access_key)
        if until is None:
            return
        remaining = until - self._clock()
        if remaining > 0:
            raise AccessKeyLocked(math.ceil(remaining))
        del self._locked_until[access_key]

    def record_failure(self, access_key: str) -> None:
        """Count a failed signature, and lock the key when the threshold is reached."""
        failures = self._failures.get(access_key, 0) + 1
        if failures >= self.threshold:
            self._failures.pop(access_key, None)
            self._locked_until[access_key] = self._clock() + self.duration
            return
        self._failures[access_key] = failures

    def record_success(self, access_key: str) -> None:
        """Reset the count of consecutive failures."""
        if access_key in self._failures:
            del self._failures[access_key]
