"""Where an admin command runs: on a server through its admin API, or on a database.

A command runs remotely when an endpoint is configured (`--endpoint`,
LITEIMAGES_ENDPOINT or the profile) and `--local` is not given. Otherwise it opens
the configured database and runs in one write transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from liteimages.cli.backends import Backend
from liteimages.cli.connection import Connection, connection_options
from liteimages.cli.context import open_database, settings_from, storage_options
from liteimages.cli.errors import reported_errors
from liteimages.cli.local_backend import LocalBackend
from liteimages.cli.remote_backend import RemoteBackend
from liteimages.client import Client

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Target:
    """The place an admin command runs in: a server, or a database opened directly."""

    connection: Connection
    data_dir: Path
    database_url: str | None
    local: bool


def admin_options(function: F) -> F:
    """Add the storage, connection and `--local` options; the command receives `target`."""

    @functools.wraps(function)
    def wrapper(
        *args: Any,
        connection: Connection,
        data_dir: Path,
        database_url: str | None,
        local: bool,
        **kwargs: Any,
    ) -> Any:
        target = Target(connection, data_dir, database_url, local)
        return function(*args, target=target, **kwargs)

    decorated: Any = click.option(
        "--local",
        is_flag=True,
        help="Work on the database directly even when an endpoint is configured.",
    )(wrapper)
    return storage_options(connection_options(decorated))  # type: ignore[no-any-return]


@contextmanager
def open_backend(target: Target) -> Iterator[Backend]:
    """Yield the remote backend if an endpoint is configured, else the local one."""
    if not target.local:
        with reported_errors(target.connection.endpoint):
            settings = target.connection.settings()
        if settings.endpoint:
            with reported_errors(settings.endpoint), Client(settings) as client:
                yield RemoteBackend(client, settings)
            return
    storage = settings_from(target.data_dir, target.database_url)
    database = open_database(storage)
    try:
        with reported_errors(), database.write() as session:
            yield LocalBackend(session, storage)
    finally:
        database.dispose()
