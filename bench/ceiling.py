"""The throughput ceiling: a raw ASGI app that replays recorded liteimages responses.

It replies to each recorded path and query string with the status, headers and
body that liteimages sent for it, and does nothing else. It runs on uvicorn with
the fixed keyword arguments that `liteimages serve` passes to `uvicorn.run`
(`FIXED_UVICORN_OPTIONS`), so the difference between the two is the cost of
liteimages' own code.

Usage: python ceiling.py --port PORT --responses FILE
FILE is a JSON list of {"path", "query", "status", "headers": [[name, value]], "body_b64"}.
"""

from __future__ import annotations

import argparse
import base64
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvicorn

from liteimages.cli.serve import FIXED_UVICORN_OPTIONS

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ResponseTable = dict[tuple[bytes, bytes], tuple[Message, Message]]

NOT_FOUND_START: Message = {"type": "http.response.start", "status": 404, "headers": []}
NOT_FOUND_BODY: Message = {"type": "http.response.body", "body": b""}


def load_responses(path: Path) -> ResponseTable:
    """Read the recorded responses, keyed by raw path and raw query string."""
    table: ResponseTable = {}
    for entry in json.loads(path.read_text()):
        start: Message = {
            "type": "http.response.start",
            "status": entry["status"],
            "headers": [(name.encode(), value.encode()) for name, value in entry["headers"]],
        }
        body: Message = {"type": "http.response.body", "body": base64.b64decode(entry["body_b64"])}
        table[(entry["path"].encode(), entry["query"].encode())] = (start, body)
    return table


def build_app(table: ResponseTable) -> Callable[[Message, Receive, Send], Awaitable[None]]:
    """Return an ASGI app that sends the recorded response for each request."""

    async def app(scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await run_lifespan(receive, send)
            return
        start, body = table.get(
            (scope["raw_path"], scope["query_string"]), (NOT_FOUND_START, NOT_FOUND_BODY)
        )
        await send(start)
        await send(body)

    return app


async def run_lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge the startup and shutdown events."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def main() -> None:
    """Serve the recorded responses on 127.0.0.1 until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1.")
    parser.add_argument("--responses", type=Path, required=True, help="Recorded responses (JSON).")
    arguments = parser.parse_args()
    app = build_app(load_responses(arguments.responses))
    # The same options as `liteimages serve`. loop and http stay "auto", which
    # pick uvloop and httptools when they are installed, as they are for serve.
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=arguments.port,
        workers=1,
        log_level="info",
        **FIXED_UVICORN_OPTIONS,
    )


if __name__ == "__main__":
    main()
