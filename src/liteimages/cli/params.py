"""Parameter types shared by the commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
# The largest --limit of a listing, as the admin API allows.
MAX_LIMIT = 1000


def page_options(items: str) -> Callable[[F], F]:
    """Add `--limit` (1 to MAX_LIMIT, default 100) and `--offset`, naming the listed `items`."""

    def decorate(function: F) -> F:
        function = click.option(
            "--offset", type=click.IntRange(0), default=0, help=f"Number of {items} to skip."
        )(function)
        return click.option(
            "--limit",
            type=click.IntRange(1, MAX_LIMIT),
            default=100,
            show_default=True,
            help=f"Maximum number of {items}.",
        )(function)

    return decorate


def enum_choice(enum: type[StrEnum]) -> click.Choice[str]:
    """Return a case-insensitive choice of the enumeration's values."""
    return click.Choice([member.value for member in enum], case_sensitive=False)


class IsoTime(click.ParamType[datetime]):
    """An ISO 8601 time such as 2025-01-02T03:04:05Z; a time without a zone is taken as UTC."""

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            moment = value
        else:
            try:
                moment = datetime.fromisoformat(str(value))
            except ValueError:
                self.fail(
                    f"{value!r} is not an ISO 8601 time such as 2025-01-02T03:04:05Z", param, ctx
                )
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment
