"""The JSON record of a benchmark run: every figure of the tables, per round and combined.

The latency histograms are left out, because they contain thousands of values
per run. Their percentiles are in the record.
"""

from __future__ import annotations

from dataclasses import asdict

from harness import WrkResult
from report import CaseResult, ScaleResult
from rounds import Measurement, ceiling_first

JsonObject = dict[str, object]


def run_record(run: WrkResult) -> JsonObject:
    """Return the figures of one wrk run."""
    return {
        "requests": run.requests,
        "duration_s": run.duration_s,
        "rps": run.rps,
        "p50_ms": run.p50_ms,
        "p99_ms": run.p99_ms,
        "max_ms": run.max_ms,
        "bytes_read": run.bytes_read,
        "wall_s": run.wall_s,
        "server_cpu_s": run.server_cpu_s,
        "other_cpu_s": run.other_cpu_s,
        "server_cpu": run.server_cpu,
        "other_cpu": run.other_cpu,
        "cpu_us_per_request": run.cpu_us_per_request,
    }


def measurement_record(measurement: Measurement) -> JsonObject:
    """Return the figures of one server over all rounds of a case.

    p50_ms and p99_ms are percentiles of the merged latency histograms of all rounds.
    """
    return {
        "requests": measurement.requests,
        "duration_s": measurement.duration_s,
        "rps": measurement.rps,
        "p50_ms": measurement.p50_ms,
        "p99_ms": measurement.p99_ms,
        "max_ms": measurement.max_ms,
        "bytes_read": measurement.bytes_read,
        "server_cpu": measurement.server_cpu,
        "other_cpu": measurement.other_cpu,
        "max_other_cpu": measurement.max_other_cpu,
        "cpu_us_per_request": measurement.cpu_us_per_request,
    }


def case_record(result: CaseResult) -> JsonObject:
    """Return one case: the combined figures of both servers, then each round."""
    ratios = result.round_ratios
    rounds = [
        {
            "round": index + 1,
            "first": "ceiling" if ceiling_first(index) else "liteimages",
            "ratio": ratios[index],
            "ceiling": run_record(ceiling),
            "liteimages": run_record(liteimages),
        }
        for index, (ceiling, liteimages) in enumerate(
            zip(result.ceiling.runs, result.liteimages.runs, strict=True)
        )
    ]
    return {
        "name": result.name,
        "auth": result.auth,
        "body_bytes": result.body_bytes,
        "ratio": result.ratio,
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "cpu_ratio": result.cpu_ratio,
        "ceiling": measurement_record(result.ceiling),
        "liteimages": measurement_record(result.liteimages),
        "rounds": rounds,
    }


def scale_record(result: ScaleResult) -> JsonObject:
    """Return one catalog size of the scale run."""
    return {
        "images": result.images,
        "matches": result.matches,
        "offsets": list(result.offsets),
        "ready": asdict(result.ready),
        "cold_page_ms": result.cold_page_ms,
        "wrk": run_record(result.wrk),
        "rss_mb": result.rss_mb,
    }
