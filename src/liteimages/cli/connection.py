"""The connection options: the server a command calls, and the credential it signs with."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from liteimages.cli.errors import reported_errors
from liteimages.client import Client, Settings, resolve

F = TypeVar("F", bound=Callable[..., Any])

# Each option also has an environment variable, read by `liteimages.client.resolve`. The
# parameter names carry a prefix so that they never clash with a command's own parameters.
_OPTIONS = (
    click.option(
        "--endpoint",
        "connection_endpoint",
        help="Server URL, such as http://127.0.0.1:8080. Default: LITEIMAGES_ENDPOINT, "
        "then the profile.",
    ),
    click.option(
        "--ak", "connection_access_key", help="Access key (AK). Default: HUAWEICLOUD_SDK_AK."
    ),
    click.option(
        "--sk",
        "connection_secret_key",
        help="Secret key (SK). Default: HUAWEICLOUD_SDK_SK, which other local users "
        "cannot read in the process list.",
    ),
    click.option(
        "--project-id",
        "connection_project_id",
        help="Project id for catalog calls. Default: HUAWEICLOUD_SDK_PROJECT_ID.",
    ),
    click.option(
        "--token",
        "connection_token",
        help="IAM token, used when no AK/SK is given. Default: LITEIMAGES_TOKEN.",
    ),
    click.option(
        "--profile",
        "connection_profile",
        help="Profile of the config file (LITEIMAGES_CONFIG, default "
        "~/.config/liteimages/config.toml). Default: LITEIMAGES_PROFILE, then 'default'.",
    ),
)


@dataclass(frozen=True)
class Connection:
    """The connection options of one command, before environment and profile fallbacks."""

    endpoint: str | None = None
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    project_id: str | None = None
    token: str | None = field(default=None, repr=False)
    profile: str | None = None

    def settings(self) -> Settings:
        """Return the options merged with the environment and the profile."""
        explicit = Settings(
            endpoint=self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            project_id=self.project_id,
            token=self.token,
        )
        return resolve(explicit, self.profile)


def connection_options(function: F) -> F:
    """Add the connection options; the command receives them as `connection`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        connection = Connection(
            endpoint=kwargs.pop("connection_endpoint"),
            access_key=kwargs.pop("connection_access_key"),
            secret_key=kwargs.pop("connection_secret_key"),
            project_id=kwargs.pop("connection_project_id"),
            token=kwargs.pop("connection_token"),
            profile=kwargs.pop("connection_profile"),
        )
        return function(*args, connection=connection, **kwargs)

    decorated: Any = wrapper
    for option in reversed(_OPTIONS):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


@contextmanager
def open_client(connection: Connection) -> Iterator[Client]:
    """Yield a client for the configured server; its errors end the command cleanly."""
    with reported_errors(connection.endpoint):
        settings = connection.settings()
    with reported_errors(settings.endpoint), Client(settings) as client:
        yield client
