"""Processes, HTTP calls and wrk runs for the benchmark, all on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
BENCH_DIR = Path(__file__).resolve().parent
REPLAY_SCRIPT = BENCH_DIR / "replay.lua"
STOP_TIMEOUT_S = 10.0
START_TIMEOUT_S = 120.0
# CPU cores: the server under test runs alone on one, wrk and this driver on the other.
SERVER_CPU = "0"
CLIENT_CPU = "1"


class BenchError(RuntimeError):
    """A benchmark step failed; the message names the step and the cause."""


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def pin_to(cpu: str, command: list[str]) -> list[str]:
    """Return `command` run under taskset on the given CPU list."""
    return ["taskset", "--cpu-list", cpu, *command]


@dataclass
class Server:
    """A server process started by the benchmark."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    started_at: float

    @property
    def pid(self) -> int:
        """Return the process id (taskset execs the command, so it is the server's own)."""
        return self.process.pid

    def log(self) -> str:
        """Return what the server printed so far."""
        return self.log_path.read_text(errors="replace")


class Processes:
    """Every server process the benchmark started, so that all of them can be stopped."""

    def __init__(self) -> None:
        self._servers: list[Server] = []

    def spawn(
        self, name: str, command: list[str], port: int, log_path: Path, env: Mapping[str, str]
    ) -> Server:
        """Start `command` pinned to the server CPU, with output to `log_path`."""
        with log_path.open("wb") as log:
            started_at = time.perf_counter()
            process = subprocess.Popen(
                pin_to(SERVER_CPU, command),
                env=dict(env),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        server = Server(name, process, port, log_path, started_at)
        self._servers.append(server)
        return server

    def stop(self, server: Server) -> None:
        """Stop one server by its PID: SIGTERM, then SIGKILL after a timeout."""
        process = server.process
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_S)
        if server in self._servers:
            self._servers.remove(server)

    def stop_all(self) -> None:
        """Stop every server still running."""
        for server in list(self._servers):
            self.stop(server)


@dataclass(frozen=True)
class Response:
    """Status, headers and body of one HTTP response."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """Return the first header called `name`, compared case-insensitively."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def call(
    port: int,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes | None = None,
    timeout: float = 10.0,
) -> Response:
    """Send one request to 127.0.0.1:`port` on a new connection and read the response."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, target, body=body, headers=dict(headers))
        response = connection.getresponse()
        return Response(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


@dataclass(frozen=True)
class Readiness:
    """Time from spawn to the first 200, in wall-clock seconds and server CPU seconds."""

    wall_s: float
    cpu_s: float


def wait_for_ok(server: Server, target: str, headers: Mapping[str, str]) -> Readiness:
    """Poll `target` until it returns 200, every 2 ms; return the time since the spawn."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(
                f"{server.name} exited with code {server.process.returncode}:\n{server.log()}"
            )
        try:
            response = call(server.port, "GET", target, headers, timeout=2.0)
        except (ConnectionError, OSError):
            time.sleep(0.002)
            continue
        if response.status == 200:
            wall_s = time.perf_counter() - server.started_at
            return Readiness(wall_s, process_seconds(server.pid))
        time.sleep(0.002)
    raise BenchError(f"{server.name} did not return 200 for {target} within {START_TIMEOUT_S} s")


def rss_mib(pid: int) -> float:
    """Return the resident set size of process `pid` in MiB, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmRSS line in /proc/{pid}/status")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """Return the CPU seconds that every CPU together has spent busy since boot."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()
    # user nice system idle iowait irq softirq steal: everything but idle and iowait.
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def process_seconds(pid: int) -> float:
    """Return the user plus system CPU seconds of process `pid`."""
    # Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def own_seconds() -> float:
    """Return the CPU seconds of this process and of its children that have exited."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass(frozen=True)
class WrkResult:
    """Measurements of one wrk run.

    `server_cpu` is the server's CPU time over the run's wall time (1.0 is one
    core fully busy). `other_cpu` is the same for every process on the machine
    other than the server, wrk and this driver: the noise of the measurement.
    """

    requests: int
    duration_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    bytes_read: int
    server_cpu: float
    other_cpu: float

    @property
    def rps(self) -> float:
        """Return the completed requests per second."""
        return self.requests / self.duration_s

    @property
    def rps_per_cpu(self) -> float:
        """Return requests per second of server CPU time, which other load barely changes."""
        return self.rps / self.server_cpu if self.server_cpu > 0 else 0.0


def write_spec(path: Path, requests: list[tuple[str, Mapping[str, str]]]) -> Path:
    """Write the request list that replay.lua reads: target, then headers, tab-separated."""
    lines = []
    for target, headers in requests:
        fields = [target, *(f"{name}: {value}" for name, value in headers.items())]
        if any("\t" in field or "\n" in field for field in fields):
            raise BenchError(f"a tab or newline in request {target!r} cannot be replayed")
        lines.append("\t".join(fields))
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(
    server_pid: int, port: int, spec: Path, duration_s: float, connections: int
) -> WrkResult:
    """Run wrk pinned to the client CPU; raise unless every response was a 200."""
    command = pin_to(
        CLIENT_CPU,
        [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{duration_s:g}s",
            "--timeout",
            "5s",
            "--latency",
            "--script",
            str(REPLAY_SCRIPT),
            f"http://{HOST}:{port}/",
            "--",
            str(spec),
        ],
    )
    started = (time.perf_counter(), busy_seconds(), process_seconds(server_pid), own_seconds())
    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=duration_s + 60, check=False
    )
    wall = time.perf_counter() - started[0]
    server = process_seconds(server_pid) - started[2]
    others = busy_seconds() - started[1] - server - (own_seconds() - started[3])
    if finished.returncode != 0:
        message = (finished.stderr or finished.stdout).strip().splitlines()[:1]
        raise BenchError(f"wrk exited with {finished.returncode}: {message}")
    return parse_wrk(finished.stdout, server / wall, max(others, 0.0) / wall)


def parse_wrk(output: str, server_cpu: float, other_cpu: float) -> WrkResult:
    """Read the BENCH line of replay.lua; raise if any request failed or none completed."""
    lines = [line for line in output.splitlines() if line.startswith("BENCH ")]
    if len(lines) != 1:
        raise BenchError(f"wrk printed no BENCH line; its output was:\n{output}")
    data = json.loads(lines[0].removeprefix("BENCH "))
    errors = {
        name: data[name]
        for name in ("non200", "connect_errors", "read_errors", "write_errors", "timeouts")
        if data[name]
    }
    if errors:
        raise BenchError(f"wrk saw failed requests {errors} out of {data['requests']}")
    if data["requests"] == 0:
        raise BenchError("wrk completed no request")
    return WrkResult(
        requests=data["requests"],
        duration_s=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        bytes_read=data["bytes"],
        server_cpu=server_cpu,
        other_cpu=other_cpu,
    )


def check_tools() -> None:
    """Raise unless wrk and taskset are on PATH and the machine has two or more CPUs."""
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            raise BenchError(f"{tool} not found on PATH: install it (apt-get install -y {tool})")
    if (os.cpu_count() or 1) < 2:
        raise BenchError("the benchmark needs 2 CPUs: one for the server and one for wrk")


def python_command(*arguments: str) -> list[str]:
    """Return a command that runs this interpreter with `arguments`."""
    return [sys.executable, *arguments]
