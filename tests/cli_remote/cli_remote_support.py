"""Helpers of the CLI tests: run `liteimages` in-process with a controlled environment."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from click.testing import CliRunner, Result

from liteimages.cli.main import cli
from support.server import DEMO_AK, DEMO_SK, SECRET_KEY, LiveServer

# Variables that choose the server, credential or database; each test sets its own.
CONTROLLED_VARIABLES = (
    "LITEIMAGES_ENDPOINT", "LITEIMAGES_TOKEN", "LITEIMAGES_PROFILE", "LITEIMAGES_CONFIG",
    "LITEIMAGES_DATABASE_URL", "LITEIMAGES_DATA_DIR", "LITEIMAGES_PASSWORD",
    "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
)  # fmt: skip

Run = Callable[..., Result]


def run_cli(args: Sequence[str], env: Mapping[str, str | None], stdin: str | None = None) -> Result:
    """Run `liteimages ARGS` in-process with only `env` set among the controlled variables."""
    environment: dict[str, str | None] = dict.fromkeys(CONTROLLED_VARIABLES)
    environment["LITEIMAGES_SECRET_KEY"] = SECRET_KEY
    environment.update(env)
    return CliRunner().invoke(cli, list(args), env=environment, input=stdin)


def remote_env(server: LiveServer, **extra: str | None) -> dict[str, str | None]:
    """Return the variables that point the CLI at `server` with the demo access key."""
    return {
        "LITEIMAGES_ENDPOINT": server.endpoint,
        "HUAWEICLOUD_SDK_AK": DEMO_AK,
        "HUAWEICLOUD_SDK_SK": DEMO_SK,
        "HUAWEICLOUD_SDK_PROJECT_ID": server.project_id,
        **extra,
    }


def parsed_json(result: Result) -> Any:
    """Return the JSON that a command printed on stdout, after checking it succeeded."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
