"""Environment variables that `serve` sets for the metrics of its workers.

This module does not import prometheus_client: PROMETHEUS_MULTIPROC_DIR must be
set before a worker imports it, because prometheus_client reads it once, at import.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# 0, false, no or off turns GET /metrics and the request metrics off; other values leave them on.
METRICS_VARIABLE = "LITEIMAGES_METRICS"


@contextmanager
def worker_metrics_directory(workers: int, *, enabled: bool = True) -> Iterator[Path | None]:
    """Set PROMETHEUS_MULTIPROC_DIR to a new temporary folder while several workers run.

    Yields the folder, and removes it with the variable on exit. Yields None and
    changes nothing for one worker, with metrics off, or when the variable is
    already set, in which case the operator's folder is used as it is.
    """
    if workers < 2 or not enabled or os.environ.get(MULTIPROC_DIR_VARIABLE):
        yield None
        return
    folder = tempfile.mkdtemp(prefix="liteimages-metrics-")
    os.environ[MULTIPROC_DIR_VARIABLE] = folder
    try:
        yield Path(folder)
    finally:
        os.environ.pop(MULTIPROC_DIR_VARIABLE, None)
        shutil.rmtree(folder, ignore_errors=True)
