"""Benchmark liteimages against a raw ASGI ceiling on one machine, over 127.0.0.1 only.

Run with the project's interpreter: `.venv/bin/python bench/run.py` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import base64
import importlib.metadata
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType

import ceiling as ceiling_app
import clients
import inprocess
import profiling
import records
import report
import seeding
from harness import (
    BENCH_DIR,
    CLIENT_CPU,
    HOST,
    BenchError,
    Processes,
    Readiness,
    Server,
    WrkResult,
    busy_seconds,
    call,
    check_tools,
    free_port,
    parse_wrk,
    pin_to,
    python_command,
    rss_mib,
    run_wrk,
    wait_for_ok,
    write_spec,
)
from report import CaseResult, InProcessResult, ScaleResult, StartupResult
from rounds import RoundPlan, measure_alternating, round_lengths

from liteimages.demo import DemoCredentials

VISIBLE_IMAGES = 100
DEMO_VISIBLE_IMAGES = 19
DETAIL_IMAGE_ID = "d7811cdb-b0c6-44fe-9931-1f3b2b6ef477"
FLAVOR_FILTER = "physical.kat2.48xlarge.8.313t.ei"
SCALE_SIZES = (100, 10_000, 100_000)
SCALE_LIMIT = 100
SCALE_OFFSETS = 4
# The server options of the variant run, which leave out the per-request side work.
VARIANT_ARGS = ("--no-access-log", "--no-metrics")
# Response headers that uvicorn adds itself, on both servers.
SERVER_ADDED_HEADERS = frozenset({"date", "server"})


@dataclass(frozen=True)
class Options:
    """Durations and sizes of one benchmark run."""

    duration_s: int
    warmup_s: int
    rounds: int
    connections: int
    startup_runs: int
    scale_sizes: tuple[int, ...]
    profile: bool
    profile_s: float
    json_path: Path | None
    serve_args: tuple[str, ...]

    @property
    def round_plan(self) -> RoundPlan:
        """Return the warm-up and the round lengths of every case that has a ceiling."""
        return RoundPlan(
            self.warmup_s, round_lengths(self.duration_s, self.rounds), self.connections
        )


@dataclass(frozen=True)
class Case:
    """One request shape: a name and a target (path plus query string)."""

    name: str
    target: str


ROUNDS_EPILOG = """\
Each case with a ceiling splits its measured seconds into rounds that alternate
the two servers in the order ceiling, liteimages, liteimages, ceiling, ceiling,
and so on, so that both see the same drift of the machine's speed. Each server
is warmed up once, before its first round. The tables report requests/s and CPU
per request over all rounds, p50 and p99 of wrk's latency histograms of all
rounds merged, and the lowest and highest per-round ratio. Targets are judged on
the combined figures. See bench/README.md.
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=ROUNDS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 s measured per server and case, after a 1 s warm-up.",
    )
    parser.add_argument(
        "--duration",
        type=int,
        help="Whole seconds measured per server and case, over all rounds (default 10).",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        help="Whole seconds of warm-up per server and case, 0 for none (default 2).",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="Rounds per case that alternate the ceiling and liteimages, from 1 to --duration"
        " because wrk runs whole seconds (default 3).",
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk connections.")
    parser.add_argument("--startup-runs", type=int, default=3, help="Starts per startup case.")
    parser.add_argument(
        "--scale",
        default=",".join(str(size) for size in SCALE_SIZES),
        help="Comma-separated catalog sizes for the scale run; empty skips it.",
    )
    parser.add_argument(
        "--profile", action="store_true", help="Also sample the server with py-spy under load."
    )
    parser.add_argument("--json", type=Path, help="Also write the results to this JSON file.")
    parser.add_argument(
        "--serve-args",
        default="",
        help="Extra options for every `liteimages serve`, such as '--no-access-log'.",
    )
    return parser


def parse_options(argv: list[str]) -> Options:
    """Read the command line."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    duration = arguments.duration
    if duration is None:
        duration = 3 if arguments.quick else 10
    warmup = arguments.warmup
    if warmup is None:
        warmup = 1 if arguments.quick else 2
    # wrk takes whole seconds only.
    if duration < 1 or warmup < 0:
        parser.error("--duration must be at least 1 and --warmup at least 0")
    if not 1 <= arguments.rounds <= duration:
        parser.error(
            f"--rounds must be between 1 and the duration ({duration} s), because each"
            f" round lasts whole seconds; got {arguments.rounds}"
        )
    sizes = tuple(int(size) for size in arguments.scale.split(",") if size.strip())
    if any(size < DEMO_VISIBLE_IMAGES for size in sizes):
        parser.error(f"--scale sizes must be at least {DEMO_VISIBLE_IMAGES}, the demo catalog")

    return Options(
        duration_s=duration,
        warmup_s=warmup,
        rounds=arguments.rounds,
        connections=arguments.connections,
        startup_runs=arguments.startup_runs,
        scale_sizes=tuple(sorted(sizes)),
        profile=arguments.profile,
        profile_s=duration,
        json_path=arguments.json,
        serve_args=tuple(shlex.split(arguments.serve_args)),
    )


def server_env() -> dict[str, str]:
    """Return this process's environment without LITEIMAGES_* settings, plus the demo ones."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("LITEIMAGES_")}
    env.update(seeding.DEMO_ENV)
    return env


def demo_credentials() -> DemoCredentials:
    """Return the credentials that the fixed LITEIMAGES_DEMO_* values create."""
    demo = seeding.DEMO_ENV
    return DemoCredentials(
        access_key=demo["LITEIMAGES_DEMO_AK"],
        secret_key=demo["LITEIMAGES_DEMO_SK"],
        project_id=demo["LITEIMAGES_DEMO_PROJECT_ID"],
        project_name="cn-north-4",
        domain=demo["LITEIMAGES_DEMO_DOMAIN"],
        user=demo["LITEIMAGES_DEMO_USER"],
        password=demo["LITEIMAGES_DEMO_PASSWORD"],
        created=False,
    )


class Bench:
    """One benchmark run: its temporary folder, its servers and its results."""

    def __init__(self, options: Options, workdir: Path) -> None:
        self.options = options
        self.workdir = workdir
        self.processes = Processes()
        self.credentials = demo_credentials()

    def start_liteimages(
        self, data_dir: Path, name: str, extra_args: tuple[str, ...] = ()
    ) -> tuple[Server, Readiness]:
        """Start `liteimages serve --demo` on data_dir; return it and its time to first 200."""
        port = free_port()
        command = python_command(
            "-m", "liteimages", "serve", "--demo", "--host", HOST, "--port", str(port),
            "--data-dir", str(data_dir), "--workers", "1",
            *self.options.serve_args, *extra_args,
        )  # fmt: skip
        log_path = self.workdir / f"{name}-{port}.log"
        server = self.processes.spawn(name, command, port, log_path, server_env())
        target = clients.catalog_path(self.credentials.project_id)
        ready = wait_for_ok(server, target, self.signed(port, target))
        return server, ready

    def start_ceiling(self, responses: Path) -> Server:
        """Start the raw ASGI app that replays `responses`."""
        port = free_port()
        command = python_command(
            str(BENCH_DIR / "ceiling.py"), "--port", str(port), "--responses", str(responses)
        )
        log_path = self.workdir / f"ceiling-{port}.log"
        env = {name: value for name, value in os.environ.items() if not name.startswith("LITE")}
        server = self.processes.spawn("ceiling", command, port, log_path, env)
        first = json.loads(responses.read_text())[0]
        wait_for_ok(server, first["path"] + ("?" + first["query"] if first["query"] else ""), {})
        return server

    def signed(self, port: int, target: str) -> dict[str, str]:
        """Return pre-signed AK/SK headers for a GET of `target` on `port`."""
        return clients.signed_headers(port, target, self.credentials)

    def measure(self, server: Server, spec: Path) -> WrkResult:
        """Warm up, then measure one request list with wrk in a single run."""
        options = self.options
        if options.warmup_s > 0:
            run_wrk(server.pid, server.port, spec, options.warmup_s, options.connections)
        return run_wrk(server.pid, server.port, spec, options.duration_s, options.connections)

    def cleanup(self) -> None:
        """Stop every server this run started and remove its temporary folder."""
        self.processes.stop_all()
        shutil.rmtree(self.workdir, ignore_errors=True)


def main_cases(project_id: str) -> list[Case]:
    """Return the request shapes of the main table."""
    images = clients.catalog_path(project_id)
    return [
        Case("list, no filter", images),
        Case("list, server_type=BMS", f"{images}?server_type=BMS"),
        Case(f"list, flavor_name={FLAVOR_FILTER}", f"{images}?flavor_name={FLAVOR_FILTER}"),
        Case("detail", f"{images}/{DETAIL_IMAGE_ID}"),
    ]


def record_responses(bench: Bench, port: int, token: str, cases: list[Case]) -> Path:
    """Fetch each case once with each credential; save what the ceiling must replay."""
    entries = []
    for case in cases:
        by_token = call(port, "GET", case.target, clients.token_headers(token))
        by_key = call(port, "GET", case.target, bench.signed(port, case.target))
        for response in (by_token, by_key):
            if response.status != 200:
                raise BenchError(f"{case.target} returned {response.status}: {response.body!r}")
        if by_token.body != by_key.body:
            raise BenchError(f"{case.target}: token and AK/SK calls returned different bodies")
        path, _, query = case.target.partition("?")
        headers = [
            [name, value]
            for name, value in by_token.headers
            if name.lower() not in SERVER_ADDED_HEADERS
        ]
        entries.append(
            {
                "path": path,
                "query": query,
                "status": 200,
                "headers": headers,
                "body_b64": base64.b64encode(by_token.body).decode("ascii"),
            }
        )
    recorded = bench.workdir / "responses.json"
    recorded.write_text(json.dumps(entries))
    return recorded


def check_visible_total(port: int, token: str, target: str) -> int:
    """Return the `total` of the unfiltered list, which must be VISIBLE_IMAGES."""
    response = call(port, "GET", target, clients.token_headers(token))
    total = int(json.loads(response.body)["total"])
    if total != VISIBLE_IMAGES:
        raise BenchError(f"the list shows {total} images, expected {VISIBLE_IMAGES}")
    return total


@dataclass(frozen=True)
class MainResults:
    """Results of the main part: wrk cases, in-process timings and profiles."""

    cases: list[CaseResult]
    in_process: list[InProcessResult]
    profiles: dict[str, profiling.Profile]
    variants: list[CaseResult]


def run_main(bench: Bench) -> MainResults:
    """Measure every case on liteimages and on the ceiling; profile if asked."""
    data_dir = bench.workdir / "main"
    seeding.prepare_demo(data_dir, seeding.DEMO_ENV)
    seeding.add_linked_images(seeding.database_url(data_dir), VISIBLE_IMAGES - DEMO_VISIBLE_IMAGES)
    server, _ = bench.start_liteimages(data_dir, "liteimages")
    token = clients.issue_token(server.port, bench.credentials)
    cases = main_cases(bench.credentials.project_id)
    check_visible_total(server.port, token, cases[0].target)

    responses = record_responses(bench, server.port, token, cases)
    ceiling = bench.start_ceiling(responses)
    results = measure_cases(bench, server, ceiling, token, cases, responses)

    progress("in-process app timings")
    in_process = run_in_process(bench, data_dir, responses, server.port, token, cases)
    profiles = run_profiles(bench, server, token, cases[0]) if bench.options.profile else {}
    bench.processes.stop(server)
    variants = run_variant(bench, data_dir, ceiling, token, cases[0], results)
    bench.processes.stop(ceiling)
    return MainResults(results, in_process, profiles, variants)


def measure_cases(
    bench: Bench, server: Server, ceiling: Server, token: str, cases: list[Case], responses: Path
) -> list[CaseResult]:
    """Run wrk for every case and credential, in rounds that alternate ceiling and liteimages."""
    bodies = {entry["path"] + entry["query"]: entry for entry in json.loads(responses.read_text())}
    results = []
    for case in cases:
        path, _, query = case.target.partition("?")
        body_bytes = len(base64.b64decode(bodies[path + query]["body_b64"]))
        for auth, headers in auth_variants(bench, server.port, token, case.target):
            spec = write_spec(bench.workdir / "spec.txt", [(case.target, headers)])
            progress(f"{case.name} [{auth}]")
            ceiling_result, liteimages_result = measure_alternating(
                ceiling, server, spec, bench.options.round_plan
            )
            results.append(
                CaseResult(case.name, auth, body_bytes, ceiling_result, liteimages_result)
            )
    return results


def run_variant(
    bench: Bench,
    data_dir: Path,
    ceiling: Server,
    token: str,
    case: Case,
    results: list[CaseResult],
) -> list[CaseResult]:
    """Measure the unfiltered list on a server started with VARIANT_ARGS.

    The ceiling is measured again, in rounds that alternate with the variant server,
    so that the variant's ratio is as resistant to drift as the main ones.
    """
    server, _ = bench.start_liteimages(data_dir, "variant", VARIANT_ARGS)
    body_sizes = {(result.name, result.auth): result.body_bytes for result in results}
    variants = []
    for auth, headers in auth_variants(bench, server.port, token, case.target):
        spec = write_spec(bench.workdir / "spec.txt", [(case.target, headers)])
        progress(f"{case.name} [{auth}] with {' '.join(VARIANT_ARGS)}")
        ceiling_result, measured = measure_alternating(
            ceiling, server, spec, bench.options.round_plan
        )
        body_bytes = body_sizes[(case.name, auth)]
        variants.append(CaseResult(case.name, auth, body_bytes, ceiling_result, measured))
    bench.processes.stop(server)
    return variants


def run_in_process(
    bench: Bench, data_dir: Path, responses: Path, port: int, token: str, cases: list[Case]
) -> list[InProcessResult]:
    """Time the liteimages app and the ceiling app called directly, for every case."""
    requests = []
    for case in cases:
        for auth, headers in auth_variants(bench, port, token, case.target):
            requests.append(inprocess.Request(f"{case.name}|{auth}", case.target, headers))
    liteimages_us = inprocess.measure(data_dir, requests)
    ceiling_us = inprocess.measure_app(
        ceiling_app.build_app(ceiling_app.load_responses(responses)), requests
    )
    results = []
    for request in requests:
        name, _, auth = request.label.partition("|")
        results.append(
            InProcessResult(name, auth, liteimages_us[request.label], ceiling_us[request.label])
        )
    return results


def auth_variants(
    bench: Bench, port: int, token: str, target: str
) -> list[tuple[str, dict[str, str]]]:
    """Return the token headers and freshly signed AK/SK headers for `target`."""
    return [("token", clients.token_headers(token)), ("AK/SK", bench.signed(port, target))]


def run_profiles(
    bench: Bench, server: Server, token: str, case: Case
) -> dict[str, profiling.Profile]:
    """Sample the server with py-spy while wrk replays the unfiltered list."""
    profiles = {}
    for auth, headers in auth_variants(bench, server.port, token, case.target):
        spec = write_spec(bench.workdir / "spec.txt", [(case.target, headers)])
        progress(f"profile {case.name} [{auth}]")
        output = bench.workdir / f"profile-{auth.replace('/', '')}.txt"
        profiles[auth] = profile_under_load(bench, server, spec, output)
    return profiles


def profile_under_load(bench: Bench, server: Server, spec: Path, output: Path) -> profiling.Profile:
    """Run wrk in the background and py-spy during its middle; return the grouped samples."""
    options = bench.options
    load_s = options.warmup_s + options.profile_s + 2
    with tempfile.TemporaryFile(mode="w+") as load_output:
        load = subprocess.Popen(
            pin_to(CLIENT_CPU, [
                "wrk", "--threads", "1", "--connections", str(options.connections),
                "--duration", f"{load_s:g}s", "--script", str(BENCH_DIR / "replay.lua"),
                f"http://{HOST}:{server.port}/", "--", str(spec),
            ]),
            stdout=load_output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            time.sleep(options.warmup_s)
            profiling.record(server.pid, options.profile_s, output)
        finally:
            load.wait(timeout=load_s + 30)
        load_output.seek(0)
        # Raises if any response under the profiler was not a 200.
        parse_wrk(load_output.read(), wall_s=0.0, server_cpu_s=0.0, other_cpu_s=0.0)
    return profiling.analyse(output)


def spread_offsets(matches: int) -> tuple[int, ...]:
    """Return up to SCALE_OFFSETS page offsets spread evenly over the matches."""
    last = max(matches - SCALE_LIMIT, 0)
    offsets = {round(last * step / (SCALE_OFFSETS - 1)) for step in range(SCALE_OFFSETS)}
    return tuple(sorted(offsets))


def run_scale(bench: Bench) -> list[ScaleResult]:
    """Page through `server_type=BMS` at each catalog size, restarting the server each time."""
    data_dir = bench.workdir / "scale"
    seeding.prepare_demo(data_dir, seeding.DEMO_ENV)
    url = seeding.database_url(data_dir)
    results = []
    for size in bench.options.scale_sizes:
        present = seeding.count_images(url)
        if size > present:
            seeding.bulk_add_images(url, size - present, first_index=present)
        progress(f"scale {size:,} images")
        results.append(measure_scale(bench, data_dir, size))
    return results


def measure_scale(bench: Bench, data_dir: Path, size: int) -> ScaleResult:
    """Start a server on the catalog of `size` images and page through a filtered list."""
    server, ready = bench.start_liteimages(data_dir, f"scale-{size}")
    token = clients.issue_token(server.port, bench.credentials)
    headers = clients.token_headers(token)
    base = clients.catalog_path(bench.credentials.project_id)
    first_target = f"{base}?server_type=BMS&limit={SCALE_LIMIT}&offset=0"
    started = time.perf_counter()
    first = call(server.port, "GET", first_target, headers)
    cold_page_ms = (time.perf_counter() - started) * 1000
    if first.status != 200:
        raise BenchError(f"{first_target} returned {first.status}: {first.body[:300]!r}")
    matches = int(json.loads(first.body)["total"])
    offsets = spread_offsets(matches)
    targets = [f"{base}?server_type=BMS&limit={SCALE_LIMIT}&offset={offset}" for offset in offsets]
    spec = write_spec(bench.workdir / "spec.txt", [(target, headers) for target in targets])
    result = bench.measure(server, spec)
    rss_mb = rss_mib(server.pid) * 1024 * 1024 / 1e6
    bench.processes.stop(server)
    return ScaleResult(size, matches, offsets, ready, cold_page_ms, result, rss_mb)


def run_startup(bench: Bench) -> StartupResult:
    """Time spawn to first 200 of a signed list: on fresh folders, then on restarts."""
    progress("startup")
    fresh = []
    for attempt in range(bench.options.startup_runs):
        server, ready = bench.start_liteimages(bench.workdir / f"startup-{attempt}", "startup")
        bench.processes.stop(server)
        fresh.append(ready)
    restart = []
    for _ in range(bench.options.startup_runs):
        server, ready = bench.start_liteimages(bench.workdir / "startup-0", "restart")
        bench.processes.stop(server)
        restart.append(ready)
    return StartupResult(fresh, restart)


def background_cpu(seconds: float = 2.0) -> float:
    """Return the CPU use of every process over `seconds`, as a fraction of one core."""
    before = busy_seconds()
    time.sleep(seconds)
    return (busy_seconds() - before) / seconds


def progress(step: str) -> None:
    """Print a progress line to standard error."""
    print(f"[{time.strftime('%H:%M:%S')}] {step}", file=sys.stderr, flush=True)


def machine_lines() -> list[str]:
    """Describe the machine and the software versions."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("liteimages", "uvicorn", "uvloop", "httptools")
    )
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    revision = subprocess.run(
        ["git", "-C", str(BENCH_DIR), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return [
        f"- liteimages revision {revision.stdout.strip() or 'unknown (not a git checkout)'}",
        f"- CPUs: {os.cpu_count()} x {cpu}; RAM {memory_kib / 1024 / 1024:.1f} GiB",
        f"- Kernel {platform.release()}; Python {platform.python_version()}; {versions}",
        f"- {(wrk_version.stdout or wrk_version.stderr).splitlines()[0].strip()}",
    ]


def print_report(
    options: Options,
    main: MainResults,
    scale: list[ScaleResult],
    startup: StartupResult,
    background: float,
) -> None:
    """Print every table and, if asked, write the JSON record."""
    lengths = ", ".join(str(seconds) for seconds in options.round_plan.lengths_s)
    rounds = f"{options.rounds} alternating rounds" if options.rounds > 1 else "1 round"
    settings = (
        f"{options.connections} connections, wrk --threads 1 on CPU {CLIENT_CPU}, server on CPU 0,"
        f" {options.warmup_s:g} s warm-up + {options.duration_s:g} s per server and case"
        f" in {rounds} ({lengths} s),"
        f" serve options: {' '.join(options.serve_args) or 'defaults'}"
    )
    sections = [
        "## Machine",
        "\n".join(machine_lines()),
        f"Background CPU use before the run: {background:.0%} of a core",
        f"## Catalog calls, {VISIBLE_IMAGES} visible images ({settings})",
        report.cases_table(main.cases),
        f"## The unfiltered list on a server started with `{' '.join(VARIANT_ARGS)}`"
        " (ceiling measured again, in rounds alternating with this server)",
        report.cases_table(main.variants),
        "## The same calls in-process: the ASGI app called directly, best of"
        f" {inprocess.REPEATS} x {inprocess.CALLS_PER_REPEAT:,} calls"
        " (logging not configured, so no access lines; metrics on)",
        report.in_process_table(main.in_process),
        "## Scale: `server_type=BMS&limit=100&offset=N`, token auth",
        report.scale_table(scale) if scale else "(skipped)",
        "## Startup to first 200 of a signed list (SQLite, demo catalog)",
        report.startup_table(startup),
    ]
    for auth, profile in main.profiles.items():
        sections.append(report.profile_tables(f"Profile: list, no filter, {auth}", profile))
    runs = [
        run
        for case in main.cases + main.variants
        for run in case.ceiling.runs + case.liteimages.runs
    ]
    note = report.noise_note(runs + [result.wrk for result in scale])
    if note:
        sections.append(note)
    print("\n\n".join(sections))
    if options.json_path is not None:
        record = {
            "rounds": {
                "count": options.rounds,
                "lengths_s": list(options.round_plan.lengths_s),
                "warmup_s": options.warmup_s,
            },
            "cases": [records.case_record(case) for case in main.cases],
            "in_process": [asdict(result) for result in main.in_process],
            "variants": [records.case_record(case) for case in main.variants],
            "scale": [records.scale_record(result) for result in scale],
            "startup": asdict(startup),
            "background_cpu": background,
            "profiles": {auth: asdict(profile) for auth, profile in main.profiles.items()},
        }
        options.json_path.write_text(json.dumps(record, indent=2))


def stop_on_sigterm() -> Callable[[int, FrameType | None], None]:
    """Turn SIGTERM into KeyboardInterrupt, so the cleanup runs."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    return handler


def main(argv: list[str]) -> int:
    """Run the whole benchmark and print the results; return the exit code."""
    options = parse_options(argv)
    check_tools()
    if options.profile and profiling.py_spy_path() is None:
        raise BenchError("--profile needs py-spy: install it with `pip install py-spy`")
    stop_on_sigterm()
    # The driver shares the client CPU with wrk, so the server's CPU stays free.
    os.sched_setaffinity(0, {int(CLIENT_CPU)})
    bench = Bench(options, Path(tempfile.mkdtemp(prefix="liteimages-bench-")))
    started = time.monotonic()
    background = background_cpu()
    try:
        startup = run_startup(bench)
        main_results = run_main(bench)
        scale = run_scale(bench) if options.scale_sizes else []
    finally:
        bench.cleanup()
    print_report(options, main_results, scale, startup, background)
    print(f"\nTotal run time: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        sys.exit(1)
