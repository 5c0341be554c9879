"""`liteimages serve`: migrate, optionally seed the demo, and run uvicorn."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import uvicorn

from liteimages.cli.context import open_box, open_database, settings_from, storage_options
from liteimages.config import DEFAULT_HOST, DEFAULT_PORT
from liteimages.demo import DemoCredentials, seed_demo
from liteimages.identity.credentials import check_secret_box
from liteimages.identity.secretbox import SecretBoxError


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
    uvicorn.run(
        "liteimages.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=10,
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
