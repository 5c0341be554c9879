"""Turn client, core and database errors into one-line CLI errors with an exit code.

Exit code 1: the API or the core rejected the request, or the server could not be
reached. Exit code 2: the command line or the configuration is incomplete or invalid
(click uses 2 for usage errors too).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import click
import httpx
from sqlalchemy.exc import SQLAlchemyError

from liteimages.client import ApiError, ConfigError
from liteimages.errors import LiteImagesError
from liteimages.identity.secretbox import SecretBoxError

API_ERROR_EXIT = 1
CONFIG_ERROR_EXIT = 2


class CommandError(click.ClickException):
    """A failed request: click prints `Error: <message>` on stderr and exits with 1."""

    exit_code = API_ERROR_EXIT


class ConfigurationError(click.ClickException):
    """A missing or invalid endpoint or credential: click prints the message and exits with 2."""

    exit_code = CONFIG_ERROR_EXIT


def describe_api_error(error: ApiError) -> str:
    """Return the status, error code, message and request id of an error response."""
    request_id = error.request_id or "none"
    return (
        f"HTTP {error.status_code} {error.error_code}: {error.error_msg} (request id {request_id})"
    )


@contextmanager
def reported_errors(endpoint: str | None = None) -> Iterator[None]:
    """Re-raise the expected failures of a command as `CommandError`, without a traceback."""
    try:
        yield
    except ApiError as error:
        raise CommandError(describe_api_error(error)) from None
    except ConfigError as error:
        raise ConfigurationError(str(error)) from None
    except httpx.InvalidURL as error:
        raise ConfigurationError(f"invalid endpoint {endpoint!r}: {error}") from None
    except httpx.UnsupportedProtocol as error:
        raise ConfigurationError(
            f"invalid endpoint {endpoint!r}: {error}; use a URL such as http://127.0.0.1:8080"
        ) from None
    except httpx.TimeoutException as error:
        raise CommandError(f"request to {endpoint} timed out: {error}") from None
    except httpx.ConnectError as error:
        raise CommandError(
            f"failed to connect to {endpoint}: {error}; check the endpoint and that the server "
            "is running"
        ) from None
    except httpx.TransportError as error:
        raise CommandError(f"request to {endpoint} failed: {error}") from None
    except json.JSONDecodeError:
        raise CommandError(
            f"the server at {endpoint} sent a response that is not JSON; check that the "
            "endpoint is a liteimages server"
        ) from None
    except LiteImagesError as error:
        raise CommandError(f"{error.error_code}: {error.message}") from None
    except SecretBoxError as error:
        raise CommandError(
            f"{error} (check LITEIMAGES_SECRET_KEY or the key file in the data folder)"
        ) from None
    except SQLAlchemyError as error:
        raise CommandError(f"database error: {error.__cause__ or error}") from None
