"""Fixtures of the CLI tests: runners for a live server and for a database opened directly."""

from __future__ import annotations

import pytest
from cli_remote_support import Run, remote_env, run_cli
from click.testing import Result

from support.server import LiveServer


@pytest.fixture(scope="module")
def remote(live_server: LiveServer) -> Run:
    """Return a runner of commands against the module's live server as the demo user."""

    def run(*args: str, stdin: str | None = None, **extra: str | None) -> Result:
        return run_cli(args, remote_env(live_server, **extra), stdin)

    return run


@pytest.fixture(scope="module")
def local(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Return a runner of commands on a database opened directly, shared by one test module."""
    env = {
        "LITEIMAGES_DATABASE_URL": module_database_url,
        "LITEIMAGES_DATA_DIR": str(tmp_path_factory.mktemp("data")),
    }

    def run(*args: str, stdin: str | None = None, **extra: str | None) -> Result:
        return run_cli(args, {**env, **extra}, stdin)

    return run
