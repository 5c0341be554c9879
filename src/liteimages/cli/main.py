"""The `liteimages` command group.

Subcommands are imported when they run, so `liteimages serve` does not pay for
loading the admin commands and their dependencies at start-up.
"""

from __future__ import annotations

import importlib

import click

from liteimages import __version__

# Command name: (module, attribute).
COMMANDS = {
    "serve": ("liteimages.cli.serve", "serve"),
    "migrate": ("liteimages.cli.admin", "migrate"),
    "secret-key": ("liteimages.cli.admin", "secret_key"),
    "accounts": ("liteimages.cli.identities", "accounts"),
    "projects": ("liteimages.cli.identities", "projects"),
    "users": ("liteimages.cli.identities", "users"),
    "keys": ("liteimages.cli.identities", "keys"),
    "tokens": ("liteimages.cli.identities", "tokens"),
    "lockouts": ("liteimages.cli.lockouts", "lockouts"),
    "images": ("liteimages.cli.images", "images"),
    "flavors": ("liteimages.cli.flavors", "flavors"),
    "audit": ("liteimages.cli.audit", "audit"),
    "catalog": ("liteimages.cli.catalog", "catalog"),
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when the subcommand is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="liteimages")
def cli() -> None:
    """liteimages: a self-hosted ModelArts Lite Server image catalog API."""


def main() -> None:
    """Run the command line."""
    cli()
