"""The `liteimages` command group."""

from __future__ import annotations

import click

from liteimages import __version__
from liteimages.cli import admin, audit, flavors, identities, images
from liteimages.cli.serve import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="liteimages")
def cli() -> None:
    """liteimages: a self-hosted ModelArts Lite Server image catalog API."""


for command in (
    serve,
    admin.migrate,
    admin.secret_key,
    identities.accounts,
    identities.projects,
    identities.users,
    identities.keys,
    identities.tokens,
    images.images,
    flavors.flavors,
    audit.audit,
):
    cli.add_command(command)


def main() -> None:
    """Run the command line."""
    cli()
