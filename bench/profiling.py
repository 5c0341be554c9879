"""Sample a running server with py-spy and group the samples by where the time goes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from harness import CLIENT_CPU, BenchError, pin_to

SAMPLE_RATE_HZ = 250
EVENT_LOOP_BUCKET = "uvloop event loop in C (epoll, socket reads, scheduling)"
OTHER_BUCKET = "other"
# Frames that every sample of the server passes through, left out of the totals.
ROOT_FILES = ("liteimages/__main__.py", "liteimages/cli/")
PY_SPY_ATTEMPTS = 3

# Buckets, tried from the innermost frame outwards: the first frame that matches
# a rule decides the bucket of the sample. A rule is (bucket, file part, function),
# where None matches any function.
BUCKET_RULES: tuple[tuple[str, str, str | None], ...] = (
    # uvloop runs the event loop in C below asyncio.run, so its own work (epoll,
    # socket reads and writes outside a Python callback) shows as this frame.
    (EVENT_LOOP_BUCKET, "asyncio/runners.py", "run"),
    ("observability: request metrics", "liteimages/observability/metrics.py", None),
    ("observability: access log line (format and write)", "liteimages/observability/", None),
    ("observability: access log line (format and write)", "logging/", None),
    ("AK/SK: signature verification (liteimages.signing)", "liteimages/signing/", None),
    ("AK/SK: X-Sdk-Date check", "identity/authenticator.py", "_check_date"),
    ("auth: credential cache and checks (identity)", "liteimages/identity/", None),
    ("fast path: header maps", "web/asgi.py", "raw_header_map"),
    ("fast path: header maps", "web/catalog.py", "_signable"),
    ("fast path: read_body", "web/asgi.py", "read_body"),
    ("fast path: query_pairs", "web/asgi.py", "query_pairs"),
    ("fast path: request id", "web/asgi.py", "request_id_of"),
    ("fast path: request id", "web/asgi.py", "new_request_id"),
    ("fast path: body cache lookup", "web/catalog.py", "_cached"),
    ("fast path: route match (cached)", "web/catalog.py", "_remember_route"),
    ("fast path: check_access", "web/catalog.py", "check_access"),
    ("fast path: send_representation", "web/catalog.py", "send_representation"),
    ("uvicorn: send() building the response", "uvicorn/protocols/http/", "send"),
    ("uvicorn: receive()", "uvicorn/protocols/http/", "receive"),
    ("fast path: other (catalog._serve, app.__call__)", "liteimages/web/", None),
    ("liteimages: other", "liteimages/", None),
    ("uvicorn: ProxyHeadersMiddleware", "uvicorn/middleware/proxy_headers.py", None),
    ("uvicorn: run_asgi task setup", "uvicorn/protocols/http/", "run_asgi"),
    ("uvicorn: httptools protocol (parsing callbacks)", "uvicorn/protocols/http/", None),
    ("uvicorn: other", "uvicorn/", None),
)
FRAME_PATTERN = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


@dataclass(frozen=True)
class Frame:
    """One stack frame as py-spy prints it."""

    function: str
    file: str

    @property
    def label(self) -> str:
        """Return `function (file)` with the file path shortened to its package."""
        return f"{self.function} ({_short_file(self.file)})"


@dataclass(frozen=True)
class Profile:
    """Samples grouped into buckets, plus the top functions by self and total time."""

    samples: int
    buckets: list[tuple[str, float]]
    self_top: list[tuple[str, float]]
    total_top: list[tuple[str, float]]


def py_spy_path() -> str | None:
    """Return the py-spy next to this interpreter or on PATH, if any."""
    beside = Path(sys.executable).parent / "py-spy"
    if beside.exists():
        return str(beside)
    return shutil.which("py-spy")


def record(pid: int, duration_s: float, output: Path) -> Path:
    """Sample process `pid` for `duration_s` seconds into a collapsed-stack file."""
    executable = py_spy_path()
    if executable is None:
        raise BenchError("py-spy not found: install it with `pip install py-spy`")
    command = pin_to(
        CLIENT_CPU,
        [
            executable,
            "record",
            "--pid",
            str(pid),
            "--duration",
            f"{duration_s:g}",
            "--rate",
            str(SAMPLE_RATE_HZ),
            "--format",
            "raw",
            # Only samples that hold the GIL: idle pool threads and epoll waits drop out.
            "--gil",
            "--output",
            str(output),
        ],
    )
    failure = ""
    for _ in range(PY_SPY_ATTEMPTS):
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=duration_s + 60, check=False
        )
        if finished.returncode == 0 and output.exists():
            return output
        failure = ((finished.stderr or finished.stdout).strip().splitlines() or [""])[0]
    raise BenchError(f"py-spy failed {PY_SPY_ATTEMPTS} times: {failure}")


def analyse(collapsed: Path, top: int = 12) -> Profile:
    """Group the samples of a py-spy raw (collapsed-stack) file."""
    buckets: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    total_time: Counter[str] = Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not stack_text:
            continue
        count = int(count_text)
        frames = [_parse_frame(text) for text in stack_text.split(";")]
        samples += count
        buckets[_bucket(frames)] += count
        self_time[frames[-1].label] += count
        for label in {frame.label for frame in frames}:
            total_time[label] += count
    if samples == 0:
        raise BenchError(f"py-spy recorded no sample in {collapsed}")
    return Profile(
        samples=samples,
        buckets=_shares(buckets, samples, len(buckets)),
        self_top=_shares(self_time, samples, top),
        total_top=_shares(_liteimages_only(total_time), samples, top),
    )


def _parse_frame(text: str) -> Frame:
    match = FRAME_PATTERN.match(text)
    if match is None:
        return Frame(text, "")
    return Frame(match["function"], match["file"])


def _bucket(frames: list[Frame]) -> str:
    for frame in reversed(frames):
        for bucket, file_part, function in BUCKET_RULES:
            if file_part in frame.file and (function is None or frame.function == function):
                return bucket
    return OTHER_BUCKET


def _liteimages_only(counts: Counter[str]) -> Counter[str]:
    return Counter(
        {
            label: count
            for label, count in counts.items()
            if "liteimages/" in label and not any(root in label for root in ROOT_FILES)
        }
    )


def _shares(counts: Counter[str], samples: int, top: int) -> list[tuple[str, float]]:
    return [(label, 100 * count / samples) for label, count in counts.most_common(top)]


def _short_file(path: str) -> str:
    for marker in ("site-packages/", "/src/", "/lib/python3."):
        if marker in path:
            tail = path.split(marker, 1)[1]
            return tail.split("/", 1)[1] if marker == "/lib/python3." else tail
    return path
