"""GET /metrics: the Prometheus exposition of this process, or of every worker."""

from __future__ import annotations

import os

import anyio.to_thread
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response

from liteimages.observability.metrics import flush_held
from liteimages.observability.workers import MULTIPROC_DIR_VARIABLE


def render_metrics(accept: str) -> tuple[bytes, str]:
    """Return the metrics in the format that the Accept header requests, and its content type."""
    encoder, content_type = choose_encoder(accept)
    if not os.environ.get(MULTIPROC_DIR_VARIABLE):
        return encoder(REGISTRY), content_type
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return encoder(registry), content_type


async def metrics_endpoint(request: Request) -> Response:
    """GET /metrics: every instrument in the Prometheus text format, or OpenMetrics if asked."""
    accept = request.headers.get("accept", "")
    # Requests that ended in the last few milliseconds are still held; the scrape counts them.
    flush_held()
    # A worker thread, because with several workers this reads one file per worker.
    body, content_type = await anyio.to_thread.run_sync(render_metrics, accept)
    return Response(body, headers={"content-type": content_type})
