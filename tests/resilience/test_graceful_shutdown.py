"""SIGTERM: the server stops accepting connections but finishes the requests in flight."""

from __future__ import annotations

import json
import secrets
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.server import HOST, LiveServer, demo_login, start_server

# Half of the body goes before SIGTERM and the rest this long after it.
SLOW_UPLOAD_PAUSE_S = 1.0
EXIT_TIMEOUT_S = 15.0
# After a graceful shutdown uvicorn raises the signal it caught again (Server.capture_signals
# in uvicorn 0.55), so the process ends as killed by SIGTERM, as process supervisors expect.
SIGTERM_EXIT = -signal.SIGTERM


def start_slow_token_request(server: LiveServer) -> tuple[socket.socket, bytes]:
    """Send the headers and half the body of a token request, and return the socket and the rest."""
    body = json.dumps(demo_login(server.project_id)).encode()
    head = (
        f"POST /v3/auth/tokens HTTP/1.1\r\nHost: {HOST}:{server.port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    connection = socket.create_connection((HOST, server.port), timeout=EXIT_TIMEOUT_S)
    half = len(body) // 2
    connection.sendall(head + body[:half])
    return connection, body[half:]


def read_response(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    started = start_server(database_url, tmp_path / "server", secrets.token_hex(16))
    yield started
    started.stop()


def test_sigterm_finishes_slow_request(server: LiveServer) -> None:
    connection, rest = start_slow_token_request(server)
    with connection:
        time.sleep(0.3)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(SLOW_UPLOAD_PAUSE_S)
        refused = refuses_connections(server.port)
        connection.sendall(rest)
        response = read_response(connection)
    answered_at = time.monotonic()
    exit_code = server.process.wait(timeout=EXIT_TIMEOUT_S)

    assert refused
    assert response.startswith(b"HTTP/1.1 201 ")
    assert b"x-subject-token:" in response.lower()
    assert exit_code == SIGTERM_EXIT
    assert time.monotonic() - answered_at < 5.0
    assert "Application shutdown complete" in server.log()
