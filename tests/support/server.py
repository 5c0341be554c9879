"""Run `liteimages serve` as a real process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"
START_TIMEOUT_S = 30.0

# Fixed demo credentials, handed to the server through LITEIMAGES_DEMO_* variables.
DEMO_AK = "LITEIMAGESTESTKEY001"
DEMO_SK = "test-secret-key-0123456789abcdefghijklmn"
DEMO_DOMAIN = "liteimages-test"
DEMO_USER = "test-user"
DEMO_PASSWORD = "test-password-123"
# A fixed encryption key, so tests can open the server's database directly.
SECRET_KEY = "wX0bVb4w3v0lq6c0uX0lT5m8yV3nGkz0Q7l1cJm9e2A="


def free_port() -> int:
    """Return a TCP port that is free on the loopback address now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    """A running server process and what a client needs to call it."""

    process: subprocess.Popen[bytes]
    port: int
    database_url: str
    data_dir: Path
    project_id: str
    log_path: Path
    env: dict[str, str] = field(repr=False)

    @property
    def endpoint(self) -> str:
        """Return the base URL, such as http://127.0.0.1:PORT."""
        return f"http://{HOST}:{self.port}"

    def log(self) -> str:
        """Return what the server printed so far."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the process with SIGTERM, then SIGKILL after 10 seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def server_env(project_id: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return the environment of a server process with the test demo credentials."""
    env = {
        **os.environ,
        "LITEIMAGES_DEMO_AK": DEMO_AK,
        "LITEIMAGES_DEMO_SK": DEMO_SK,
        "LITEIMAGES_DEMO_DOMAIN": DEMO_DOMAIN,
        "LITEIMAGES_DEMO_USER": DEMO_USER,
        "LITEIMAGES_DEMO_PASSWORD": DEMO_PASSWORD,
        "LITEIMAGES_DEMO_PROJECT_ID": project_id,
        "LITEIMAGES_SECRET_KEY": SECRET_KEY,
    }
    env.update(extra or {})
    return env


def start_server(
    database_url: str,
    data_dir: Path,
    project_id: str,
    *,
    workers: int = 1,
    demo: bool = True,
    extra_env: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
) -> LiveServer:
    """Start `liteimages serve` and return once /health/live returns 200.

    `extra_args` go on the command line after the options that this function sets.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = server_env(project_id, extra_env)
    log_path = data_dir / f"server-{port}.log"
    command = [
        sys.executable, "-m", "liteimages", "serve", "--host", HOST, "--port", str(port),
        "--data-dir", str(data_dir), "--database-url", database_url, "--workers", str(workers),
    ]  # fmt: skip
    if demo:
        command.append("--demo")
    command += extra_args
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(process, port, database_url, data_dir, project_id, log_path, env)
    _wait_until_live(server)
    return server


def _wait_until_live(server: LiveServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.endpoint}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"server did not start within {START_TIMEOUT_S} s:\n{server.log()}")


def demo_login(project_id: str) -> dict[str, Any]:
    """Return the POST /v3/auth/tokens body of the demo user, scoped to `project_id`."""
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": DEMO_USER,
                        "password": DEMO_PASSWORD,
                        "domain": {"name": DEMO_DOMAIN},
                    }
                },
            },
            "scope": {"project": {"id": project_id}},
        }
    }


def demo_token(server: LiveServer, timeout: float = 30.0) -> str:
    """Return a token of the demo user, scoped to the server's demo project."""
    response = httpx.post(
        f"{server.endpoint}/v3/auth/tokens", json=demo_login(server.project_id), timeout=timeout
    )
    assert response.status_code == 201, response.text
    return str(response.headers["X-Subject-Token"])
