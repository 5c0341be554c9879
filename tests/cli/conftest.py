"""Run the `liteimages` command line in process on a temporary data folder and database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from liteimages.cli.main import cli
from liteimages.db.engine import Database

# Variables that would point the commands at a server or another database.
CLEARED = (
    "LITEIMAGES_ENDPOINT",
    "LITEIMAGES_TOKEN",
    "LITEIMAGES_PROFILE",
    "LITEIMAGES_DATABASE_URL",
    "LITEIMAGES_DATA_DIR",
    "LITEIMAGES_SECRET_KEY",
    "LITEIMAGES_SECRET_KEY_FILE",
    "LITEIMAGES_PASSWORD",
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_PROJECT_ID",
)

Run = Callable[..., Result]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Return the data folder of the commands, which contains the secret-key file."""
    return tmp_path / "data"


def invoke(args: list[str], env: dict[str, str | None], input: str | None = None) -> Result:
    runner = CliRunner(env={name: None for name in CLEARED} | env)
    return runner.invoke(cli, args, input=input, catch_exceptions=False)


@pytest.fixture
def invoke_cli() -> Callable[..., Result]:
    """Return a function that runs `liteimages ARGS` with no storage options added."""
    return invoke


@pytest.fixture
def run(database: Database, data_dir: Path) -> Run:
    """Return a function that runs one command on the test database and returns its result.

    Storage options and `--local` are appended; `output_json=True` adds `-o json`.
    """

    def run_command(
        *args: str,
        output_json: bool = False,
        env: dict[str, str | None] | None = None,
        input: str | None = None,
    ) -> Result:
        storage = ["--data-dir", str(data_dir), "--database-url", database.url]
        extra = ["-o", "json"] if output_json else []
        return invoke([*args, *extra, *storage], env or {}, input)

    return run_command
