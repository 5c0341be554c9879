"""Build the ASGI application: the catalog fast path in front of a Starlette app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from liteimages.config import Settings
from liteimages.errors import LiteImagesError
from liteimages.observability.exposition import metrics_endpoint
from liteimages.observability.metrics import RequestMetrics, metrics_enabled
from liteimages.observability.middleware import ObservedHTTP
from liteimages.runtime import Runtime
from liteimages.web.admin.routes import admin_routes
from liteimages.web.asgi import Message, Receive, Scope, Send, request_id_of
from liteimages.web.catalog import CatalogEndpoint
from liteimages.web.errors import error_body, internal_error, render_error, route_not_found
from liteimages.web.health import health_routes
from liteimages.web.iam import create_token, list_projects
from liteimages.web.iam_extra import create_security_token, revoke_token
from liteimages.web.openapi import openapi_routes

logger = logging.getLogger(__name__)


def _json(
    body: bytes, status: int, request: Request, headers: list[tuple[bytes, bytes]] | None = None
) -> Response:
    response = Response(body, status_code=status, media_type="application/json")
    for name, value in headers or []:
        response.headers[name.decode()] = value.decode()
    return response


async def _core_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, LiteImagesError)
    status, body, headers = render_error(error, request_id_of(request.scope))
    return _json(body, status, request, headers)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    request_id = request_id_of(request.scope)
    if error.status_code in (404, 405):
        return _json(route_not_found(request_id), 404, request)
    body = error_body("ModelArts.0101", str(error.detail), request_id)
    return _json(body, error.status_code, request)


async def _unexpected_error(request: Request, error: Exception) -> Response:
    request_id = request_id_of(request.scope)
    logger.error("request failed", exc_info=error, extra={"request_id": request_id})
    return _json(internal_error(request_id), 500, request)


class LiteImagesApp:
    """The ASGI application: catalog reads on the fast path, everything else in Starlette."""

    def __init__(self, runtime: Runtime, *, metrics: bool = True) -> None:
        self.runtime = runtime
        self.catalog = CatalogEndpoint(runtime)
        # Every HTTP request goes through this handler; `create_app` wraps it.
        self.http: Callable[[Scope, Receive, Send], Awaitable[object]] = self.serve_http
        observability = [Route("/metrics", metrics_endpoint, methods=["GET"])] if metrics else []
        self.starlette = Starlette(
            routes=[
                Route("/v3/auth/tokens", create_token, methods=["POST"]),
                Route("/v3/auth/tokens", revoke_token, methods=["DELETE"]),
                Route(
                    "/v3.0/OS-CREDENTIAL/securitytokens", create_security_token, methods=["POST"]
                ),
                Route("/v3/projects", list_projects, methods=["GET"]),
                *health_routes(runtime),
                *observability,
                *admin_routes(),
                *openapi_routes(),
            ],
            exception_handlers={
                LiteImagesError: _core_error,
                HTTPException: _http_error,
                Exception: _unexpected_error,
            },
            lifespan=self._lifespan,
        )
        self.starlette.state.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
            return
        await self.starlette(scope, receive, send)

    async def serve_http(self, scope: Scope, receive: Receive, send: Send) -> int:
        """Serve one HTTP request and return the status of its response."""
        status = await self.catalog(scope, receive, send)
        if status:
            return status
        noted = _NotingSend(request_id_of(scope), send)
        # Starlette re-raises an unexpected error after its handler has logged it and sent
        # the 500 body. Stopping it here keeps uvicorn from logging it a second time and
        # from closing the connection.
        with contextlib.suppress(Exception):
            await self.starlette(scope, receive, noted)
        return noted.status or 500

    @contextlib.asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(self.runtime.load)
        poller = asyncio.create_task(self.runtime.poll())
        try:
            yield
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
            self.runtime.close()


class _NotingSend:
    """An ASGI `send` that adds X-Request-Id to the response and notes its status."""

    __slots__ = ("_request_id", "_send", "status")

    def __init__(self, request_id: str, send: Send) -> None:
        self._request_id = request_id.encode()
        self._send = send
        self.status = 0

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            message["headers"] = [
                *message.get("headers", []),
                (b"x-request-id", self._request_id),
            ]
        await self._send(message)


def create_app(settings: Settings | None = None, *, metrics: bool | None = None) -> LiteImagesApp:
    """Return the application for `settings`, or for LITEIMAGES_* variables if None.

    Every HTTP request is timed, logged on the `liteimages.access` logger and, unless
    `metrics` is False (or LITEIMAGES_METRICS turns metrics off when it is None),
    counted in the metrics that GET /metrics serves.
    """
    with_metrics = metrics_enabled() if metrics is None else metrics
    app = LiteImagesApp(Runtime(settings or Settings.from_env()), metrics=with_metrics)
    app.http = ObservedHTTP(app.serve_http, RequestMetrics() if with_metrics else None)
    return app
