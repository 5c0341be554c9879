"""Alternating rounds of wrk runs on two servers, and the figures combined over the rounds.

The throughput of the same server drifts between runs a minute apart on a shared
or virtual machine. Measuring the ceiling for a whole case and then liteimages
for a whole case puts that drift into the ratio. Splitting the case into short
rounds that alternate the two servers exposes both to the same drift, and the
spread of the per-round ratios shows how large the noise was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import Histogram, Server, WrkResult, run_wrk


@dataclass(frozen=True)
class RoundPlan:
    """Schedule of one case: a warm-up before each server's first round, and the round lengths."""

    warmup_s: int
    lengths_s: tuple[int, ...]
    connections: int


def round_lengths(duration_s: int, rounds: int) -> tuple[int, ...]:
    """Split `duration_s` into `rounds` whole seconds, longer rounds first (10 in 3: 4, 3, 3).

    wrk takes whole seconds only, so each round lasts at least 1 s.
    """
    if not 1 <= rounds <= duration_s:
        raise ValueError(f"rounds must be between 1 and {duration_s}, got {rounds}")
    base, extra = divmod(duration_s, rounds)
    return tuple(base + 1 if index < extra else base for index in range(rounds))


def ceiling_first(index: int) -> bool:
    """Return whether round `index` (counted from 0) runs the ceiling before liteimages.

    The order is ABBA: ceiling then liteimages, then liteimages then ceiling, and so
    on. Over each pair of rounds both servers sit at the same mean time, so a drift
    that is linear in time cancels out of the totals. With an odd number of rounds
    the last one is unpaired, and a small part of such a drift remains.
    """
    return index % 2 == 0


def percentile_us(histograms: Sequence[Histogram], percent: int) -> int:
    """Return the latency at `percent` over all samples of the merged histograms.

    It uses the rank of wrk's `stats_percentile` (src/stats.c in wrk 4.1.0),
    round(percent / 100 * count + 0.5), in integer arithmetic:
    floor(percent * count / 100) + 1.
    """
    merged: Counter[int] = Counter()
    for histogram in histograms:
        for value, count in histogram:
            merged[value] += count
    total = sum(merged.values())
    if total == 0:
        raise ValueError("the histograms contain no sample")
    rank = min(percent * total // 100 + 1, total)
    cumulative = 0
    for value in sorted(merged):
        cumulative += merged[value]
        if cumulative >= rank:
            return value
    raise AssertionError("unreachable: the last value reaches the total count")


@dataclass(frozen=True)
class Measurement:
    """The measured wrk runs of one server in one case, one per round, and their totals."""

    runs: tuple[WrkResult, ...]

    @property
    def requests(self) -> int:
        """Return the requests completed over all rounds."""
        return sum(run.requests for run in self.runs)

    @property
    def duration_s(self) -> float:
        """Return the load time over all rounds, as wrk reports it."""
        return sum(run.duration_s for run in self.runs)

    @property
    def rps(self) -> float:
        """Return the requests over all rounds divided by their load time."""
        return self.requests / self.duration_s

    @property
    def p50_ms(self) -> float:
        """Return the median latency of the merged histograms of all rounds."""
        return percentile_us([run.latency_us for run in self.runs], 50) / 1000

    @property
    def p99_ms(self) -> float:
        """Return the 99th percentile latency of the merged histograms of all rounds."""
        return percentile_us([run.latency_us for run in self.runs], 99) / 1000

    @property
    def max_ms(self) -> float:
        """Return the highest latency of any round."""
        return max(run.max_ms for run in self.runs)

    @property
    def bytes_read(self) -> int:
        """Return the response bytes that wrk read over all rounds."""
        return sum(run.bytes_read for run in self.runs)

    @property
    def server_cpu(self) -> float:
        """Return the server's CPU time over the load time of all rounds."""
        return sum(run.server_cpu_s for run in self.runs) / self.duration_s

    @property
    def other_cpu(self) -> float:
        """Return the other processes' CPU time over the wall time of all rounds."""
        return sum(run.other_cpu_s for run in self.runs) / sum(run.wall_s for run in self.runs)

    @property
    def max_other_cpu(self) -> float:
        """Return the other processes' CPU use in the noisiest round."""
        return max(run.other_cpu for run in self.runs)

    @property
    def cpu_us_per_request(self) -> float:
        """Return server CPU microseconds per request over all rounds."""
        return 1e6 * sum(run.server_cpu_s for run in self.runs) / self.requests


def measure_alternating(
    ceiling: Server, liteimages: Server, spec: Path, plan: RoundPlan
) -> tuple[Measurement, Measurement]:
    """Run the rounds of one case on both servers in ABBA order; return ceiling, liteimages."""
    ceiling_runs: list[WrkResult] = []
    liteimages_runs: list[WrkResult] = []
    for index, seconds in enumerate(plan.lengths_s):
        order = [(ceiling, ceiling_runs), (liteimages, liteimages_runs)]
        if not ceiling_first(index):
            order.reverse()
        for server, runs in order:
            # Only a server's first round follows a warm-up. Between later rounds the
            # server only waits while the other one runs, so its own caches stay filled.
            if not runs and plan.warmup_s > 0:
                run_wrk(server.pid, server.port, spec, plan.warmup_s, plan.connections)
            runs.append(run_wrk(server.pid, server.port, spec, seconds, plan.connections))
    return Measurement(tuple(ceiling_runs)), Measurement(tuple(liteimages_runs))
