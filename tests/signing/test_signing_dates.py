"""X-Sdk-Date parsing, formatting and the clock-skew window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from liteimages.signing import (
    DATE_FORMAT,
    MalformedDate,
    SignatureExpired,
    check_date_window,
    format_sdk_date,
    parse_sdk_date,
)

SIGNED_AT = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)


def test_parse_sdk_date_valid() -> None:
    assert parse_sdk_date("20240301T120000Z") == SIGNED_AT


def test_parse_matches_strptime_format() -> None:
    parsed = datetime.strptime("20241231T235959Z", DATE_FORMAT).replace(tzinfo=UTC)

    assert parse_sdk_date("20241231T235959Z") == parsed


MALFORMED_DATES = [
    "",
    "20240301T120000",
    "20240301T120000z",
    "20240301t120000Z",
    "20240301 120000Z",
    "2024-03-01T12:00:00Z",
    "20240301T1200000Z",
    "20241301T120000Z",
    "20240230T120000Z",
    "20240301T250000Z",
    "20240301T126000Z",
    "00000301T120000Z",
    "２0240301T120000Z",
    "+2040301T120000Z",
]


@pytest.mark.parametrize("value", MALFORMED_DATES)
def test_parse_rejects_malformed_date(value: str) -> None:
    with pytest.raises(MalformedDate, match="X-Sdk-Date"):
        parse_sdk_date(value)


def test_format_sdk_date_converts_to_utc() -> None:
    eastern = SIGNED_AT.astimezone(timezone(timedelta(hours=8)))

    assert format_sdk_date(eastern) == "20240301T120000Z"
    assert format_sdk_date(SIGNED_AT.replace(tzinfo=None)) == "20240301T120000Z"


ACCEPTED_SKEWS = [
    timedelta(0),
    timedelta(minutes=14, seconds=50),
    -timedelta(minutes=14, seconds=50),
    timedelta(minutes=15),
    -timedelta(minutes=15),
]


@pytest.mark.parametrize("skew", ACCEPTED_SKEWS, ids=str)
def test_date_window_accepts_skew(skew: timedelta) -> None:
    check_date_window(SIGNED_AT, SIGNED_AT + skew)


REJECTED_SKEWS = [
    timedelta(minutes=15, seconds=10),
    -timedelta(minutes=15, seconds=10),
    timedelta(minutes=15, microseconds=1),
    timedelta(days=1),
]


@pytest.mark.parametrize("skew", REJECTED_SKEWS, ids=str)
def test_date_window_rejects_skew(skew: timedelta) -> None:
    now = SIGNED_AT + skew

    with pytest.raises(SignatureExpired) as caught:
        check_date_window(SIGNED_AT, now)

    assert caught.value.signed_at == SIGNED_AT
    assert caught.value.now == now
    assert caught.value.window == timedelta(minutes=15)


def test_date_window_custom_width() -> None:
    check_date_window(SIGNED_AT, SIGNED_AT + timedelta(minutes=4), window=timedelta(minutes=5))

    with pytest.raises(SignatureExpired):
        check_date_window(SIGNED_AT, SIGNED_AT + timedelta(minutes=6), window=timedelta(minutes=5))
