"""`liteimages catalog export` and `liteimages catalog import`: the catalog as one file."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from liteimages.catalog.files.apply import ImportResult, Progress, import_catalog
from liteimages.catalog.files.diff import detail_lines, summary_lines
from liteimages.catalog.files.export import export_text, write_atomically
from liteimages.catalog.files.formats import EXTENSIONS, FileFormat, detect_format
from liteimages.cli.context import open_database, reports_errors, settings_from, storage_options

FORMAT_OPTION = click.option(
    "--format",
    "file_format",
    type=click.Choice([member.value for member in FileFormat], case_sensitive=False),
    help="File format. Default: from the file extension (.yaml, .yml or .json).",
)


@click.group()
def catalog() -> None:
    """Export or import the whole catalog (images, flavors, links, shares) as one file."""


@catalog.command("export")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write. Default: standard output, as YAML unless --format json.",
)
@FORMAT_OPTION
@storage_options
@reports_errors
def export_command(
    output: Path | None, file_format: str | None, data_dir: Path, database_url: str | None
) -> None:
    """Write every flavor and image, sorted, with every field."""
    if output is not None and file_format is None and output.suffix.lower() not in EXTENSIONS:
        raise click.BadParameter(
            "unknown file extension; use .yaml, .yml or .json, or pass --format",
            param_hint="--output",
        )
    chosen = detect_format(output, file_format)
    database = open_database(settings_from(data_dir, database_url))
    try:
        content = export_text(database, chosen)
    finally:
        database.dispose()
    if output is None:
        click.echo(content, nl=False)
        return
    try:
        write_atomically(output, content)
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror or error}") from None
    click.echo(f"exported the catalog to {output}", err=True)


@catalog.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and print the full diff; write nothing.")
@click.option(
    "--prune",
    is_flag=True,
    help="Also delete stored images and flavors that the file does not list.",
)
@FORMAT_OPTION
@storage_options
@reports_errors
def import_command(
    file: Path,
    dry_run: bool,
    prune: bool,
    file_format: str | None,
    data_dir: Path,
    database_url: str | None,
) -> None:
    """Make the catalog match FILE in one write transaction.

    FILE is validated completely first: when it is invalid, every error is printed and
    nothing is written. docs/catalog-files.md describes the format and the rules.
    """
    database = open_database(settings_from(data_dir, database_url))
    try:
        with _progress_bar() as progress:
            result = import_catalog(
                database, file, file_format=file_format, dry_run=dry_run, prune=prune,
                progress=progress,
            )  # fmt: skip
    finally:
        database.dispose()
    _report(result, dry_run)


def _report(result: ImportResult, dry_run: bool) -> None:
    if result.diff.is_empty:
        click.echo(f"no changes: the catalog already matches {result.source}")
        return
    if dry_run:
        for line in detail_lines(result.diff):
            click.echo(line)
    for line in summary_lines(result.diff):
        click.echo(line)
    if dry_run:
        click.echo("dry run: nothing was written")
        return
    click.echo(f"imported {result.source}: catalog revision is now {result.revision}")


@contextmanager
def _progress_bar() -> Iterator[Progress | None]:
    """Yield a progress callback that draws a bar, or None when stdout is not a terminal."""
    if not sys.stdout.isatty():
        yield None
        return
    bar: Any = None
    shown = 0

    def advance(done: int, total: int) -> None:
        nonlocal bar, shown
        if bar is None:
            bar = click.progressbar(length=total, label="writing rows")
            bar.__enter__()
        bar.update(done - shown)
        shown = done

    try:
        yield advance
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
