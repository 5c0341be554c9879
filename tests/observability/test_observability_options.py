"""The log and metrics options of `serve`: console lines, no access log, no /metrics."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from observability_support import LOG_TIMEOUT_S, start_seeded_server

from liteimages.observability.logs import resolve_format
from support.databases import sqlite_url
from support.server import LiveServer

CONSOLE_LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \w+ +[\w.]+: .*")


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Yield a server started with --log-format console."""
    folder = tmp_path_factory.mktemp("console")
    server = start_seeded_server(
        sqlite_url(folder), folder, extra_env={"LITEIMAGES_LOG_FORMAT": "console"}
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def quiet_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Yield a server started with --no-access-log and --no-metrics."""
    folder = tmp_path_factory.mktemp("quiet")
    env = {"LITEIMAGES_ACCESS_LOG": "0", "LITEIMAGES_METRICS": "0"}
    server = start_seeded_server(sqlite_url(folder), folder, extra_env=env)
    yield server
    server.stop()


def wait_for_line(server: LiveServer, text: str) -> str:
    """Return the first line of the server's output that contains `text`."""
    deadline = time.monotonic() + LOG_TIMEOUT_S
    while time.monotonic() < deadline:
        for line in server.log().splitlines():
            if text in line:
                return line
        time.sleep(0.05)
    raise AssertionError(f"no line contains {text!r}:\n{server.log()}")


def test_console_access_line(console_server: LiveServer) -> None:
    response = httpx.get(console_server.endpoint + "/health/live")
    request_id = response.headers["x-request-id"]

    line = wait_for_line(console_server, request_id)

    assert CONSOLE_LINE.fullmatch(line)
    assert " liteimages.access: GET /health/live 200 " in line
    assert f"request_id={request_id}" in line
    assert "route=health" in line
    assert "status=200" in line


def test_console_leaves_out_empty_fields(console_server: LiveServer) -> None:
    response = httpx.get(console_server.endpoint + "/health/live")

    line = wait_for_line(console_server, response.headers["x-request-id"])

    assert "access_key=" not in line


def test_console_uvicorn_line(console_server: LiveServer) -> None:
    line = wait_for_line(console_server, "Application startup complete.")

    assert CONSOLE_LINE.fullmatch(line)
    assert " uvicorn.error: " in line


def test_no_access_log(quiet_server: LiveServer) -> None:
    for _ in range(3):
        httpx.get(quiet_server.endpoint + "/health/live")
    # A line still written for the last request would show up within this time.
    time.sleep(0.5)

    assert "liteimages.access" not in quiet_server.log()


def test_no_access_log_keeps_uvicorn(quiet_server: LiveServer) -> None:
    assert "Application startup complete." in quiet_server.log()


def test_no_metrics_route(quiet_server: LiveServer) -> None:
    response = httpx.get(quiet_server.endpoint + "/metrics")

    assert response.status_code == 404
    assert response.json()["error_code"] == "APIGW.0101"
    assert response.headers["x-request-id"]


@pytest.mark.parametrize(("requested", "expected"), [("json", "json"), ("console", "console")])
def test_format_given(requested: str, expected: str) -> None:
    with open(os.devnull, "w") as stream:
        assert resolve_format(requested, stream) == expected


def test_auto_format_on_terminal() -> None:
    main, terminal = os.openpty()
    try:
        with open(terminal, "w") as stream:
            assert resolve_format("auto", stream) == "console"
    finally:
        os.close(main)


def test_auto_format_off_terminal() -> None:
    with open(os.devnull, "w") as stream:
        assert resolve_format("auto", stream) == "json"


def test_access_line_written_on_stop(tmp_path: Path) -> None:
    server = start_seeded_server(sqlite_url(tmp_path), tmp_path / "data")
    try:
        response = httpx.get(server.endpoint + "/health/live")
    finally:
        server.stop()

    assert response.headers["x-request-id"] in server.log()
