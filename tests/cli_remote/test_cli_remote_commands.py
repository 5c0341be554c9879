"""The command tree: every command has working help, and a foreign server fails cleanly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import click
import pytest
from cli_remote_support import run_cli

from liteimages.cli.main import cli
from support.server import DEMO_AK, DEMO_SK

CONNECTION_OPTIONS = {"--endpoint", "--ak", "--sk", "--project-id", "--token", "--profile"}


def subcommand(group: click.Group, name: str) -> click.Command:
    # The top-level group loads its subcommands on demand, so ask it instead of reading
    # `group.commands`.
    command = group.get_command(click.Context(group), name)
    assert command is not None, name
    return command


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name in sorted(group.list_commands(click.Context(group))):
        command = subcommand(group, name)
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = subcommand(command, name)
    return command


def option_names(command: click.Command) -> set[str]:
    return {name for param in command.params for name in param.opts}


ALL_COMMANDS = list(command_paths(cli))
REMOTE_COMMANDS = [
    path
    for path in ALL_COMMANDS
    if path[0]
    in {"images", "flavors", "accounts", "projects", "users", "keys", "tokens", "lockouts", "audit"}
    and not isinstance(command_at(path), click.Group)
]


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=" ".join)
def test_help_works(path: tuple[str, ...]) -> None:
    result = run_cli([*path, "--help"], {})
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.stdout


@pytest.mark.parametrize("path", REMOTE_COMMANDS, ids=" ".join)
def test_connection_options_everywhere(path: tuple[str, ...]) -> None:
    assert option_names(command_at(path)) >= CONNECTION_OPTIONS


@pytest.mark.parametrize(
    "path", [path for path in REMOTE_COMMANDS if path[1] not in {"list", "show"}], ids=" ".join
)
def test_admin_commands_have_local(path: tuple[str, ...]) -> None:
    assert "--local" in option_names(command_at(path))


class NotJsonHandler(BaseHTTPRequestHandler):
    """A handler that returns plain text to every GET, as a server other than liteimages might."""

    def do_GET(self) -> None:
        body = b"hello, this is not liteimages"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def foreign_endpoint() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), NotJsonHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_non_json_response_reported(foreign_endpoint: str) -> None:
    env = {
        "LITEIMAGES_ENDPOINT": foreign_endpoint,
        "HUAWEICLOUD_SDK_AK": DEMO_AK,
        "HUAWEICLOUD_SDK_SK": DEMO_SK,
        "HUAWEICLOUD_SDK_PROJECT_ID": "p1",
    }
    result = run_cli(["flavors", "list"], env)
    assert result.exit_code == 1
    assert "sent a response that is not JSON" in result.stderr
    assert "Traceback" not in result.output
