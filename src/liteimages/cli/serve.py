"""`liteimages serve`: migrate, optionally seed the demo, and run uvicorn."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import uvicorn

from liteimages.cli.context import open_box, open_database, settings_from, storage_options
from liteimages.config import (
    DEFAULT_HOST,
    DEFAULT_LOCKOUT_DURATION,
    DEFAULT_LOCKOUT_THRESHOLD,
    DEFAULT_MAX_STALENESS,
    DEFAULT_PORT,
    MAX_LOCKOUT_DURATION,
    SettingsError,
    parse_rate,
)
from liteimages.demo import DemoCredentials, seed_demo
from liteimages.identity.credentials import check_secret_box
from liteimages.identity.secretbox import SecretBoxError
from liteimages.observability.logs import LOG_FORMATS, logging_config, resolve_format
from liteimages.observability.workers import METRICS_VARIABLE, worker_metrics_directory

# Seconds uvicorn waits on SIGTERM for requests in flight before it cancels them. A
# catalog request takes milliseconds, and one that waits on the database gives up after
# the 10 s pool timeout. Keep it below the orchestrator's kill delay (30 s in Kubernetes).
GRACEFUL_SHUTDOWN_S = 10

# The options of uvicorn.run that no command-line option changes. The benchmark runs its
# throughput ceiling (bench/ceiling.py) with the same ones.
FIXED_UVICORN_OPTIONS: dict[str, Any] = {
    # liteimages.access writes the access lines, with the caller's identity.
    "access_log": False,
    # The login limit uses the TCP peer address. Trusting X-Forwarded-For would
    # let any client pick the address its logins are counted against.
    "proxy_headers": False,
    "server_header": False,
    "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
}

F = TypeVar("F", bound=Callable[..., Any])


class RateType(click.ParamType[float]):
    """A request rate such as 20/s or 600/min, converted to requests per second."""

    name = "RATE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float):
            return value
        try:
            return parse_rate(str(value))
        except SettingsError as error:
            self.fail(str(error), param, ctx)


def _rate_limit_options(name: str, rate_help: str, burst_help: str) -> list[Callable[[F], F]]:
    """Return the `--rate-limit-NAME` option and its `-burst` companion."""
    variable = "LITEIMAGES_RATE_LIMIT_" + name.upper()
    return [
        click.option(
            f"--rate-limit-{name}",
            envvar=variable,
            type=RateType(),
            default="0",
            help=f"{rate_help} Default: no limit.",
        ),
        click.option(
            f"--rate-limit-{name}-burst",
            envvar=variable + "_BURST",
            type=click.IntRange(min=0),
            default=0,
            help=f"{burst_help} Default: one second's worth.",
        ),
    ]


def limit_options(function: F) -> F:
    """Add the request-limit and staleness options of `serve`."""
    options = [
        *_rate_limit_options(
            "key",
            "Catalog requests per access key (or per user, for tokens) and instance, "
            "such as 50/s or 3000/min.",
            "Requests one credential may send at once.",
        ),
        *_rate_limit_options(
            "project",
            "Catalog requests per project and instance, such as 200/s or 6000/min.",
            "Requests a project may send at once.",
        ),
        *_rate_limit_options(
            "login",
            "Password logins (POST /v3/auth/tokens) per client address and instance, "
            "such as 10/min. Behind a reverse proxy the address is the proxy's.",
            "Password logins one client address may send at once.",
        ),
        click.option(
            "--max-staleness",
            envvar="LITEIMAGES_MAX_STALENESS",
            type=click.FloatRange(min=1.0),
            default=DEFAULT_MAX_STALENESS,
            show_default=True,
            help="Seconds the catalog is served from memory after the last successful "
            "database refresh. Later catalog calls fail with 503 until the database is back.",
        ),
    ]
    # Decorators apply innermost first, so reversing keeps --help in the listed order.
    for option in reversed(options):
        function = option(function)
    return function


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    # FloatRange lets NaN through, because every comparison with NaN is false.
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds.", ctx, param)
    return value


def lockout_options(function: F) -> F:
    """Add the options of the access key and user lockouts of `serve`."""
    options = []
    lockouts = (("key", "an access key", "wrong signatures"), ("user", "a user", "wrong passwords"))
    for lockout, credential, failures in lockouts:
        options += [
            click.option(
                f"--lockout-{lockout}-threshold",
                envvar=f"LITEIMAGES_LOCKOUT_{lockout.upper()}_THRESHOLD",
                type=click.IntRange(min=0),
                default=DEFAULT_LOCKOUT_THRESHOLD,
                show_default=True,
                help=f"Consecutive {failures} that lock {credential}. 0 disables this lockout.",
            ),
            click.option(
                f"--lockout-{lockout}-duration",
                envvar=f"LITEIMAGES_LOCKOUT_{lockout.upper()}_DURATION",
                type=click.FloatRange(min=0, max=MAX_LOCKOUT_DURATION, min_open=True),
                default=DEFAULT_LOCKOUT_DURATION,
                show_default=True,
                callback=_finite,
                help=f"Seconds {credential} stays locked, above 0 and at most one day.",
            ),
        ]
    for option in reversed(options):
        function = option(function)
    return function


def observability_options(function: F) -> F:
    """Add the log, metrics and readiness options of `serve`."""
    options = [
        click.option(
            "--log-format",
            envvar="LITEIMAGES_LOG_FORMAT",
            type=click.Choice(LOG_FORMATS),
            default="auto",
            show_default=True,
            help="Log line format on standard error: json, console, or auto for console "
            "on a terminal and JSON otherwise.",
        ),
        click.option(
            "--access-log/--no-access-log",
            envvar="LITEIMAGES_ACCESS_LOG",
            # Off by default: an access line costs about a quarter of the catalog list's
            # throughput (docs/benchmarks.md), and /metrics counts every request anyway.
            default=False,
            show_default=True,
            help="Log one line per request, at level info.",
        ),
        click.option(
            "--metrics/--no-metrics",
            envvar=METRICS_VARIABLE,
            default=True,
            show_default=True,
            help="Serve Prometheus metrics at GET /metrics, without authentication.",
        ),
        click.option(
            "--ready-requires-database/--no-ready-requires-database",
            envvar="LITEIMAGES_READY_REQUIRES_DATABASE",
            default=False,
            show_default=True,
            help="Make GET /health/ready respond with 503 as soon as its database check "
            "fails or takes over 2 s. Without it, readiness follows the catalog calls, which "
            "are served from memory for --max-staleness seconds while the database is down.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.command()
@click.option(
    "--host",
    envvar="LITEIMAGES_HOST",
    default=DEFAULT_HOST,
    show_default=True,
    help="Address to listen on.",
)
@click.option(
    "--port",
    envvar="LITEIMAGES_PORT",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="TCP port to listen on.",
)
@click.option(
    "--workers",
    envvar="LITEIMAGES_WORKERS",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Number of worker processes.",
)
@click.option(
    "--demo/--no-demo",
    envvar="LITEIMAGES_DEMO",
    default=False,
    help="Seed a demo account and catalog on first start and print its credentials.",
)
@click.option(
    "--trust-forwarded-host/--no-trust-forwarded-host",
    envvar="LITEIMAGES_TRUST_FORWARDED_HOST",
    default=False,
    help="Verify signatures against X-Forwarded-Host (behind a proxy that rewrites Host).",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
@limit_options
@lockout_options
@observability_options
@storage_options
def serve(
    host: str,
    port: int,
    workers: int,
    demo: bool,
    trust_forwarded_host: bool,
    log_level: str,
    data_dir: Path,
    database_url: str | None,
    rate_limit_key: float,
    rate_limit_key_burst: int,
    rate_limit_project: float,
    rate_limit_project_burst: int,
    rate_limit_login: float,
    rate_limit_login_burst: int,
    max_staleness: float,
    lockout_key_threshold: int,
    lockout_key_duration: float,
    lockout_user_threshold: int,
    lockout_user_duration: float,
    log_format: str,
    access_log: bool,
    metrics: bool,
    ready_requires_database: bool,
) -> None:
    """Run the HTTP server."""
    settings = settings_from(
        data_dir,
        database_url,
        host=host,
        port=port,
        workers=workers,
        demo=demo,
        trust_forwarded_host=trust_forwarded_host,
        rate_limit_key=rate_limit_key,
        rate_limit_key_burst=rate_limit_key_burst,
        rate_limit_project=rate_limit_project,
        rate_limit_project_burst=rate_limit_project_burst,
        rate_limit_login=rate_limit_login,
        rate_limit_login_burst=rate_limit_login_burst,
        max_staleness=max_staleness,
        ready_requires_database=ready_requires_database,
        lockout_key_threshold=lockout_key_threshold,
        lockout_key_duration=lockout_key_duration,
        lockout_user_threshold=lockout_user_threshold,
        lockout_user_duration=lockout_user_duration,
    )
    database = open_database(settings)
    box = open_box(settings)
    try:
        with database.read() as session:
            check_secret_box(session, box)
    except SecretBoxError as error:
        raise click.ClickException(
            f"{error} (check LITEIMAGES_SECRET_KEY or the key file in the data folder)"
        ) from None
    if demo:
        print_demo(seed_demo(database, box, os.environ), host, port)
    database.dispose()
    # Workers rebuild their settings from these variables.
    os.environ.update(settings.to_env())
    os.environ[METRICS_VARIABLE] = "1" if metrics else "0"

    log_config = logging_config(
        resolve_format(log_format, sys.stderr), log_level, access_log=access_log
    )
    # With several workers, /metrics adds up the values that every worker keeps in this folder.
    with worker_metrics_directory(workers, enabled=metrics):
        uvicorn.run(
            "liteimages.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=log_config,
            log_level=log_level,
            **FIXED_UVICORN_OPTIONS,
        )


def print_demo(credentials: DemoCredentials, host: str, port: int) -> None:
    """Print the demo credentials and a ready curl command."""
    endpoint = f"http://{host}:{port}"
    state = "created" if credentials.created else "already present"
    password = credentials.password or (
        "(stored hashed; set LITEIMAGES_DEMO_PASSWORD or run `liteimages users set-password`)"
    )
    login = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": credentials.user,
                        "password": credentials.password or "PASSWORD",
                        "domain": {"name": credentials.domain},
                    }
                },
            },
            "scope": {"project": {"name": credentials.project_name}},
        }
    }
    click.echo(
        f"""
liteimages demo ({state})
  endpoint     {endpoint}
  project id   {credentials.project_id}   (name {credentials.project_name})
  AK           {credentials.access_key}
  SK           {credentials.secret_key}
  domain       {credentials.domain}
  user         {credentials.user}
  password     {password}

Get a token and list the images:
  TOKEN=$(curl -si -X POST {endpoint}/v3/auth/tokens -H 'Content-Type: application/json' \\
    -d '{json.dumps(login, separators=(",", ":"))}' \\
    | awk 'tolower($1)=="x-subject-token:" {{print $2}}' | tr -d '\\r')
  curl -s {endpoint}/v1/{credentials.project_id}/dev-servers/images -H "X-Auth-Token: $TOKEN"
"""
    )
