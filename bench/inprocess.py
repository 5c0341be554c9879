"""Time the liteimages ASGI app called directly, with no server, socket or HTTP parsing.

The app runs its lifespan in this process and gets each request as an ASGI scope
with a `send` that only keeps the messages. The time per call is the cost of
liteimages' own code. The other processes on the machine barely change it,
because the best of several repeats is taken.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import BenchError

from liteimages.config import Settings
from liteimages.web.app import create_app

Message = dict[str, Any]
# Called as app(scope, receive, send); left loose so both the liteimages app and
# the ceiling app, whose message types differ in mutability, fit.
ASGIApp = Callable[..., Awaitable[None]]
WARMUP_CALLS = 1_000
CALLS_PER_REPEAT = 3_000
REPEATS = 5


@dataclass(frozen=True)
class Request:
    """One request to time: a label, a target and its headers."""

    label: str
    target: str
    headers: Mapping[str, str]


class Recorder:
    """An ASGI `send` that keeps the status of the last response."""

    def __init__(self) -> None:
        self.status = 0

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]


async def receive_empty() -> Message:
    """Return the body of a GET request: empty."""
    return {"type": "http.request", "body": b"", "more_body": False}


def make_scope(target: str, headers: Mapping[str, str]) -> Message:
    """Return the ASGI scope that uvicorn builds for a GET of `target`."""
    path, _, query = target.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 40000),
        "scheme": "http",
        "method": "GET",
        "root_path": "",
        "path": path,
        "raw_path": path.encode("ascii"),
        "query_string": query.encode("ascii"),
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "state": {},
    }


async def time_requests(app: ASGIApp, requests: list[Request]) -> dict[str, float]:
    """Return the best microseconds per call of each request, after a warm-up."""
    results = {}
    for request in requests:
        scope = make_scope(request.target, request.headers)
        recorder = Recorder()
        for _ in range(WARMUP_CALLS):
            await app(dict(scope), receive_empty, recorder)
        if recorder.status != 200:
            raise BenchError(f"in-process {request.label} returned {recorder.status}")
        best = float("inf")
        for _ in range(REPEATS):
            started = time.perf_counter()
            for _ in range(CALLS_PER_REPEAT):
                await app(dict(scope), receive_empty, recorder)
            best = min(best, (time.perf_counter() - started) / CALLS_PER_REPEAT)
        results[request.label] = best * 1e6
    return results


async def run_lifespan(app: ASGIApp, requests: list[Request]) -> dict[str, float]:
    """Start the app's lifespan, time the requests, then shut the app down."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()

    async def send(message: Message) -> None:
        await outbox.put(message)

    async def serve_lifespan() -> None:
        await app({"type": "lifespan", "state": {}}, inbox.get, send)

    lifespan = asyncio.create_task(serve_lifespan())
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    if started["type"] != "lifespan.startup.complete":
        raise BenchError(f"the app failed to start in-process: {started}")
    try:
        return await time_requests(app, requests)
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await lifespan


def measure(data_dir: Path, requests: list[Request]) -> dict[str, float]:
    """Time each request against a liteimages app on the database in `data_dir`."""
    app = create_app(Settings(data_dir=data_dir))
    return asyncio.run(run_lifespan(app, requests))


def measure_app(app: ASGIApp, requests: list[Request]) -> dict[str, float]:
    """Time each request against an app that has no lifespan work."""
    return asyncio.run(time_requests(app, requests))
