"""Validation problems found in a catalog file, and the error that reports them all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from liteimages.errors import InvalidArgument, LiteImagesError

MAX_REPORTED = 50


@dataclass(frozen=True)
class Problem:
    """One broken rule: where it is in the file, which field, and what is wrong."""

    entry: str
    field: str | None
    message: str

    def render(self, source: str) -> str:
        """Return the problem as one line that names the file, the entry and the field."""
        parts = [source]
        if self.entry:
            parts.append(self.entry)
        if self.field:
            parts.append(f"field {self.field}")
        parts.append(self.message)
        return ": ".join(parts)


def from_invalid_argument(entry: str, error: InvalidArgument) -> Problem:
    """Return the problem an `InvalidArgument` from a field reader describes."""
    return Problem(entry, error.parameter, error.rule)


class CatalogFileError(LiteImagesError):
    """A catalog file is malformed or breaks a rule; nothing was written.

    The message lists the first `MAX_REPORTED` problems, one per line, and counts the rest.
    """

    error_code = InvalidArgument.error_code

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        count = len(self.problems)
        lines = [f"invalid catalog file {source}: {count} error{'' if count == 1 else 's'}"]
        lines += [problem.render(source) for problem in self.problems[:MAX_REPORTED]]
        if count > MAX_REPORTED:
            lines.append(f"and {count - MAX_REPORTED} more errors")
        super().__init__("\n".join(lines))
