"""Parameter types shared by the commands."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import click


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
