"""The X-Sdk-Date header format and the clock-skew check."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

from liteimages.signing.errors import MalformedDate, SignatureExpired

__all__ = [
    "DATE_FORMAT",
    "DEFAULT_DATE_WINDOW",
    "check_date_window",
    "format_sdk_date",
    "parse_sdk_date",
]

DATE_FORMAT = "%Y%m%dT%H%M%SZ"
"""strftime format of X-Sdk-Date, for example ``20240131T235959Z`` (UTC)."""

DEFAULT_DATE_WINDOW = timedelta(minutes=15)
"""Maximum accepted difference between X-Sdk-Date and the server clock, in either direction."""

_DATE_LENGTH = len("20240131T235959Z")


def _has_sdk_date_shape(value: str) -> bool:
    if len(value) != _DATE_LENGTH or value[8] != "T" or value[15] != "Z":
        return False
    digits = value[:8] + value[9:15]
    return digits.isascii() and digits.isdigit()


# Signing times repeat across the requests of one second, so parsed values are cached.
@functools.lru_cache(maxsize=1024)
def parse_sdk_date(value: str) -> datetime:
    """Parse an X-Sdk-Date value into an aware UTC datetime.

    Raises:
        MalformedDate: The value is not exactly ``YYYYMMDDTHHMMSSZ`` or is not a real date.
    """
    if not _has_sdk_date_shape(value):
        raise MalformedDate(f"invalid X-Sdk-Date {value!r}: expected UTC time as YYYYMMDDTHHMMSSZ")
    try:
        return datetime(
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[9:11]),
            int(value[11:13]),
            int(value[13:15]),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise MalformedDate(f"invalid X-Sdk-Date {value!r}: {exc}") from exc


def format_sdk_date(dt: datetime) -> str:
    """Format a datetime as an X-Sdk-Date value.

    An aware datetime is converted to UTC first, and a naive one is taken as UTC.
    """
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.strftime(DATE_FORMAT)


def check_date_window(
    signed_at: datetime, now: datetime, window: timedelta = DEFAULT_DATE_WINDOW
) -> None:
    """Raise SignatureExpired when ``signed_at`` is more than ``window`` away from ``now``.

    A difference of exactly ``window`` is accepted. Both datetimes must be aware.

    Raises:
        SignatureExpired: The request was signed too long ago or too far in the future.
    """
    if abs(signed_at - now) > window:
        raise SignatureExpired(signed_at, now, window)
