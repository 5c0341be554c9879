"""Commands for the server machine: the encryption key and the database schema."""

from __future__ import annotations

from pathlib import Path

import click

from liteimages.cli.context import open_database, settings_from, storage_options
from liteimages.identity.secretbox import generate_key


@click.command("secret-key")
def secret_key() -> None:
    """Print a new random key for LITEIMAGES_SECRET_KEY."""
    click.echo(generate_key().decode("ascii"))


@click.command("migrate")
@storage_options
def migrate(data_dir: Path, database_url: str | None) -> None:
    """Create or upgrade the database schema, then exit."""
    database = open_database(settings_from(data_dir, database_url))
    click.echo(f"schema is current: {database.engine.url.render_as_string(hide_password=True)}")
    database.dispose()
