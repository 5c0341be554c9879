"""Options shared by every command, and the objects they open."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from liteimages.config import DEFAULT_DATA_DIR, Settings, SettingsError
from liteimages.db.engine import Database
from liteimages.db.migrate import upgrade
from liteimages.errors import LiteImagesError
from liteimages.identity.secretbox import SecretBox, SecretBoxError

F = TypeVar("F", bound=Callable[..., Any])


def storage_options(function: F) -> F:
    """Add --data-dir and --database-url, read also from LITEIMAGES_* variables."""
    function = click.option(
        "--database-url",
        envvar="LITEIMAGES_DATABASE_URL",
        help="SQLAlchemy URL, e.g. postgresql://user@host/db. Default: SQLite in the data folder.",
    )(function)
    return click.option(
        "--data-dir",
        envvar="LITEIMAGES_DATA_DIR",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_DATA_DIR,
        show_default=True,
        help="Folder for the SQLite catalog and the secret-key file.",
    )(function)


def settings_from(data_dir: Path, database_url: str | None, **values: Any) -> Settings:
    """Return settings from the storage options and the environment."""
    try:
        base = Settings.from_env()
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    return Settings(
        **{**base.__dict__, "data_dir": data_dir, "database_url": database_url, **values}
    )


def open_database(settings: Settings) -> Database:
    """Open the database, creating the SQLite folder and migrating the schema."""
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        database = Database(settings.resolved_database_url)
    except (SQLAlchemyError, ImportError) as error:
        # A malformed URL, an unknown dialect or a driver that is not installed.
        raise click.ClickException(
            f"invalid database URL: {error} (expected a URL such as postgresql://user@host/db)"
        ) from None
    try:
        upgrade(database.engine)
    except SQLAlchemyError as error:
        raise click.ClickException(
            f"cannot open database {_safe_url(database)}: {error.__cause__ or error}"
        ) from None
    return database


def open_box(settings: Settings) -> SecretBox:
    """Return the secret box for the configured encryption key."""
    try:
        return SecretBox(settings.load_secret_key())
    except (SecretBoxError, OSError) as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def write_session(database: Database) -> Iterator[Session]:
    """Yield a write session; core errors become clean CLI errors."""
    try:
        with database.write() as session:
            yield session
    except LiteImagesError as error:
        raise click.ClickException(f"{error.error_code}: {error.message}") from None


def _safe_url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=True)


def reports_errors(function: F) -> F:
    """Turn core and secret-box errors raised by a command into clean CLI errors."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except LiteImagesError as error:
            raise click.ClickException(f"{error.error_code}: {error.message}") from None
        except SecretBoxError as error:
            raise click.ClickException(str(error)) from None

    return wrapper  # type: ignore[return-value]
