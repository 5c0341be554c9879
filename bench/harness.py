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
from dataclasses import dataclass, field
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


# Latency histogram as wrk 4.1.0 reports it: (microseconds, samples) pairs, one per
# distinct value, ascending. After a run, wrk corrects it for coordinated omission
# (`stats_correct` in src/wrk.c): for each latency of at least twice the mean time
# per request of a connection, it adds samples at that latency minus multiples of
# that time. So it counts more samples than responses, and wrk's own percentiles
# are taken from it.
Histogram = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class WrkResult:
    """Measurements of one wrk run.

    `duration_s` is the load time that wrk reports, and `wall_s` the lifetime of
    the wrk process, over which the CPU times are read. `server_cpu_s` is the
    server's CPU time. `other_cpu_s` is the CPU time of every process on the
    machine other than the server, wrk and this driver: the noise of the run.
    wrk's start-up, its connections and its output take about 0.01-0.07 s of
    `wall_s` outside `duration_s`, while the server waits.
    """

    requests: int
    duration_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    bytes_read: int
    wall_s: float
    server_cpu_s: float
    other_cpu_s: float
    latency_us: Histogram = field(repr=False)

    @property
    def rps(self) -> float:
        """Return the completed requests per second."""
        return self.requests / self.duration_s

    @property
    def server_cpu(self) -> float:
        """Return the server's CPU time over the load time (1.0 is one core fully busy)."""
        return self.server_cpu_s / self.duration_s

    @property
    def other_cpu(self) -> float:
        """Return the other processes' CPU time over the wall time, as a share of one core."""
        return self.other_cpu_s / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def cpu_us_per_request(self) -> float:
        """Return server CPU microseconds per completed request, which other load barely changes."""
        return 1e6 * self.server_cpu_s / self.requests


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
    return parse_wrk(finished.stdout, wall, server, max(others, 0.0))


def parse_wrk(output: str, wall_s: float, server_cpu_s: float, other_cpu_s: float) -> WrkResult:
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
    histogram = tuple((int(value), int(count)) for value, count in data["latency_us"])
    # wrk records one latency per response and then adds the samples of its
    # coordinated-omission correction, so the histogram counts at least `requests`.
    recorded = sum(count for _, count in histogram)
    if recorded < data["requests"] or histogram[-1][0] != data["max_us"]:
        raise BenchError(
            f"wrk's latency histogram ({recorded} samples up to {histogram[-1][0]} us) does not"
            f" match its {data['requests']} requests up to {data['max_us']} us;"
            " replay.lua was written for wrk 4.1.0"
        )
    return WrkResult(
        requests=data["requests"],
        duration_s=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        bytes_read=data["bytes"],
        wall_s=wall_s,
        server_cpu_s=server_cpu_s,
        other_cpu_s=other_cpu_s,
        latency_us=histogram,
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
