"""Print records as an aligned table, JSON or YAML."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import click
import yaml

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "yaml")
Record = Mapping[str, Any]


def output_option(function: F) -> F:
    """Add `--output/-o table|json|yaml`."""
    return click.option(
        "--output",
        "-o",
        "output",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output format: an aligned table for people, or JSON or YAML for scripts.",
    )(function)


def cell(value: Any) -> str:
    """Return the text of one table cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(cell(item) for item in value)
    if isinstance(value, Mapping):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def lookup(record: Record, column: str) -> Any:
    """Return the field `column` of a record; a dotted name reads a nested field."""
    value: Any = record
    for part in column.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def format_table(records: Sequence[Record], columns: Sequence[str]) -> str:
    """Return the records as rows under an upper-case header, each column padded to fit."""
    header = [column.replace(".", "_").upper() for column in columns]
    rows = [[cell(lookup(record, column)) for column in columns] for record in records]
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(columns))]
    lines = [
        "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def format_record(record: Record) -> str:
    """Return one record as `field  value` lines."""
    if not record:
        return ""
    width = max(len(name) for name in record)
    return "\n".join(
        f"{name.ljust(width)}  {cell(value)}".rstrip() for name, value in record.items()
    )


def format_data(value: Any, output: str) -> str:
    """Return `value` as JSON or YAML text."""
    if output == "json":
        return json.dumps(value, indent=2, ensure_ascii=False)
    return str(yaml.safe_dump(value, sort_keys=False, allow_unicode=True)).rstrip("\n")


def show_list(records: Sequence[Record], output: str, columns: Sequence[str]) -> None:
    """Print a list of records in the chosen format."""
    if output == "table":
        click.echo(format_table(records, columns))
        return
    click.echo(format_data([dict(record) for record in records], output))


def show_record(record: Record, output: str, summary: str | None = None) -> None:
    """Print one record; the table format prints `summary` instead, when one is given."""
    if output != "table":
        click.echo(format_data(dict(record), output))
        return
    click.echo(summary if summary is not None else format_record(record))
