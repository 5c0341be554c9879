"""Targets, and the Markdown tables the benchmark prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness import Readiness, WrkResult
from profiling import Profile
from rounds import Measurement

LIST_TOKEN_MIN_RATIO = 0.50
LIST_AKSK_MIN_RATIO = 0.40
MAX_P99_MS = 5.0
SCALE_TARGET_IMAGES = 100_000
SCALE_MAX_P50_MS = 2.0
SCALE_MAX_RSS_MB = 200.0
MAX_STARTUP_S = 1.0
# Other processes using more than this share of a core during a run make it suspect.
NOISE_LIMIT = 0.10


@dataclass(frozen=True)
class CaseResult:
    """One request shape measured on liteimages and on the ceiling app, in the same rounds."""

    name: str
    auth: str
    body_bytes: int
    ceiling: Measurement
    liteimages: Measurement

    @property
    def ratio(self) -> float:
        """Return liteimages requests/s over all rounds as a fraction of the ceiling's."""
        return self.liteimages.rps / self.ceiling.rps

    @property
    def cpu_ratio(self) -> float:
        """Return the same ratio per second of server CPU time, or 0 if a CPU time is 0."""
        ceiling_us = self.ceiling.cpu_us_per_request
        liteimages_us = self.liteimages.cpu_us_per_request
        if ceiling_us == 0 or liteimages_us == 0:
            return 0.0
        return ceiling_us / liteimages_us

    @property
    def round_ratios(self) -> tuple[float, ...]:
        """Return the ratio of each round, from the two servers' runs in that round."""
        pairs = zip(self.ceiling.runs, self.liteimages.runs, strict=True)
        return tuple(liteimages.rps / ceiling.rps for ceiling, liteimages in pairs)


@dataclass(frozen=True)
class InProcessResult:
    """Microseconds per call of the liteimages app and of the ceiling app, in-process."""

    name: str
    auth: str
    liteimages_us: float
    ceiling_us: float


@dataclass(frozen=True)
class ScaleResult:
    """One catalog size: paging through a filtered list."""

    images: int
    matches: int
    offsets: tuple[int, ...]
    ready: Readiness
    cold_page_ms: float
    wrk: WrkResult
    rss_mb: float


@dataclass(frozen=True)
class StartupResult:
    """Best-of-N times from spawn to the first 200 of an authenticated list."""

    fresh: list[Readiness]
    restart: list[Readiness]


def at_least(value: float, target: float) -> str:
    """Return PASS, or how far `value` falls short of the minimum `target`."""
    if value >= target:
        return "PASS"
    return f"MISS (misses by {_percent(value - target, target)})"


def below(value: float, target: float) -> str:
    """Return PASS, or by how much `value` exceeds the maximum `target`."""
    if value < target:
        return "PASS"
    return f"MISS (misses by {_percent(value - target, target)})"


def _percent(difference: float, target: float) -> str:
    # Two significant digits, so that a miss of 0.01% does not print as 0%.
    return f"{100 * abs(difference) / target:.2g}%"


def case_verdicts(result: CaseResult) -> list[str]:
    """Return the target checks that apply to one case, each with its outcome."""
    verdicts = []
    if result.name.startswith("list"):
        minimum = LIST_TOKEN_MIN_RATIO if result.auth == "token" else LIST_AKSK_MIN_RATIO
        verdicts.append(f"rps >= {minimum:.0%} of ceiling: {at_least(result.ratio, minimum)}")
    verdicts.append(f"p99 < {MAX_P99_MS:g} ms: {below(result.liteimages.p99_ms, MAX_P99_MS)}")
    return verdicts


def cpu_us(result: WrkResult | Measurement) -> str:
    """Return the server CPU time per request in microseconds."""
    if result.cpu_us_per_request == 0:
        return "-"
    return f"{result.cpu_us_per_request:.0f}"


def ratio_spread(result: CaseResult) -> str:
    """Return the lowest and highest per-round ratio, or '-' for a single round."""
    ratios = result.round_ratios
    if len(ratios) < 2:
        return "-"
    return f"{100 * min(ratios):.0f}-{100 * max(ratios):.0f}%"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return a Markdown table."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def cases_table(results: Sequence[CaseResult]) -> str:
    """Return the main table: liteimages against the ceiling for each case, over all rounds."""
    rows = [
        [
            result.name,
            result.auth,
            f"{result.body_bytes:,}",
            f"{result.ceiling.rps:,.0f}",
            f"{result.ceiling.p50_ms:.2f} / {result.ceiling.p99_ms:.2f}",
            f"{result.liteimages.rps:,.0f}",
            f"{result.liteimages.p50_ms:.2f} / {result.liteimages.p99_ms:.2f}",
            f"{result.ratio:.0%}",
            ratio_spread(result),
            f"{cpu_us(result.ceiling)} / {cpu_us(result.liteimages)}",
            f"{result.cpu_ratio:.0%}",
            f"{result.ceiling.server_cpu:.0%} / {result.liteimages.server_cpu:.0%}",
            f"{max(result.ceiling.max_other_cpu, result.liteimages.max_other_cpu):.0%}",
            "; ".join(case_verdicts(result)),
        ]
        for result in results
    ]
    headers = [
        "case",
        "auth",
        "body B",
        "ceiling req/s",
        "ceiling p50 / p99 ms",
        "liteimages req/s",
        "liteimages p50 / p99 ms",
        "ratio",
        "round ratios min-max",
        "server CPU us/request ceiling / liteimages",
        "ratio per CPU-s",
        "server CPU ceiling / liteimages",
        "other CPU",
        "targets",
    ]
    return table(headers, rows)


def in_process_table(results: Sequence[InProcessResult]) -> str:
    """Return the in-process table: the cost of each app per call, without uvicorn."""
    rows = [
        [
            result.name,
            result.auth,
            f"{result.ceiling_us:.1f}",
            f"{result.liteimages_us:.1f}",
            f"{result.liteimages_us - result.ceiling_us:.1f}",
        ]
        for result in results
    ]
    headers = ["case", "auth", "ceiling app us", "liteimages app us", "difference us"]
    return table(headers, rows)


def noise_note(runs: Sequence[WrkResult]) -> str:
    """Return a warning if other processes used the CPUs during any run, else ''."""
    worst = max((run.other_cpu for run in runs), default=0.0)
    if worst <= NOISE_LIMIT:
        return ""
    return (
        f"WARNING: other processes used up to {worst:.0%} of a core during a run; "
        "those rows understate both servers. Rerun on an idle machine."
    )


def scale_table(results: Sequence[ScaleResult]) -> str:
    """Return the scale table: one filtered, paged list per catalog size."""
    rows = []
    for result in results:
        verdict = "-"
        if result.images == SCALE_TARGET_IMAGES:
            verdict = (
                f"p50 < {SCALE_MAX_P50_MS:g} ms: {below(result.wrk.p50_ms, SCALE_MAX_P50_MS)}; "
                f"RSS < {SCALE_MAX_RSS_MB:g} MB: {below(result.rss_mb, SCALE_MAX_RSS_MB)}"
            )
        rows.append(
            [
                f"{result.images:,}",
                f"{result.matches:,}",
                ", ".join(f"{offset:,}" for offset in result.offsets),
                f"{result.ready.wall_s:.2f} / {result.ready.cpu_s:.2f}",
                f"{result.cold_page_ms:.1f}",
                f"{result.wrk.rps:,.0f}",
                f"{result.wrk.p50_ms:.2f} / {result.wrk.p99_ms:.2f}",
                cpu_us(result.wrk),
                f"{result.rss_mb:.0f}",
                f"{result.wrk.server_cpu:.0%}",
                f"{result.wrk.other_cpu:.0%}",
                verdict,
            ]
        )
    headers = [
        "images",
        "BMS matches",
        "offsets (limit=100)",
        "spawn to first 200: wall / CPU s",
        "first page ms",
        "req/s",
        "p50 / p99 ms",
        "server CPU us/request",
        "RSS MB",
        "server CPU",
        "other CPU",
        "targets",
    ]
    return table(headers, rows)


def startup_table(result: StartupResult) -> str:
    """Return the startup table: fresh data folder and restart on existing data."""
    rows = []
    for label, starts in (
        ("fresh data folder (migrate, seed demo)", result.fresh),
        ("restart on existing data", result.restart),
    ):
        best = min(start.wall_s for start in starts)
        rows.append(
            [
                label,
                f"{best:.3f}",
                ", ".join(f"{start.wall_s:.3f}" for start in starts),
                ", ".join(f"{start.cpu_s:.3f}" for start in starts),
                f"< {MAX_STARTUP_S:g} s: {below(best, MAX_STARTUP_S)}",
            ]
        )
    headers = ["start", "best wall s", "all runs: wall s", "all runs: server CPU s", "target"]
    return table(headers, rows)


def profile_tables(title: str, profile: Profile) -> str:
    """Return the bucket table and the top-frames tables of one profile."""

    def shares(rows: list[tuple[str, float]]) -> list[list[str]]:
        return [[name, f"{share:.1f}%"] for name, share in rows]

    parts = [
        f"#### {title} ({profile.samples:,} samples)",
        "",
        table(["where", "share"], shares(profile.buckets)),
        "",
        "Top frames by self time:",
        "",
        table(["frame", "self"], shares(profile.self_top)),
        "",
        "liteimages functions by total time (including callees):",
        "",
        table(["function", "total"], shares(profile.total_top)),
    ]
    return "\n".join(parts)
