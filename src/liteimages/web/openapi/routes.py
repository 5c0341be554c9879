"""Serve the OpenAPI document and the Swagger UI explorer without any file from a CDN.

Swagger UI's script and style sheet come from the swagger-ui-bundle package. The
page and the script that starts Swagger UI are in this package's static folder.
Every file is read once, when the routes are built.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from liteimages.web.openapi.document import EXPLORER_ASSETS, encode_document

MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
}
OWN_ASSETS = frozenset({"explorer.js", "explorer.html"})
# Swagger UI sets inline styles, so style-src allows 'unsafe-inline'. Scripts load only from here.
EXPLORER_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": EXPLORER_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _asset_file(name: str) -> Traversable:
    if name in OWN_ASSETS:
        return resources.files(__package__ or __name__).joinpath("static", name)
    folder: Traversable = swagger_ui_path
    return folder.joinpath(name)


def _media_type(name: str) -> str:
    suffix = name[name.rfind(".") :]
    return MEDIA_TYPES[suffix]


def openapi_routes() -> list[BaseRoute]:
    """Return the routes of /openapi.json, /docs and the explorer's files."""
    document = encode_document()
    page = _asset_file("explorer.html").read_bytes()
    assets = {name: _asset_file(name).read_bytes() for name in EXPLORER_ASSETS}

    async def openapi_document(_: Request) -> Response:
        return Response(document, media_type="application/json")

    async def explorer(_: Request) -> Response:
        return Response(page, media_type=MEDIA_TYPES[".html"], headers=SECURITY_HEADERS)

    async def explorer_asset(request: Request) -> Response:
        name = request.path_params["asset"]
        body = assets.get(name)
        if body is None:
            # An unknown file is an unknown route: 404 APIGW.0101.
            raise HTTPException(404)
        headers = {"Cache-Control": "public, max-age=3600", **SECURITY_HEADERS}
        return Response(body, media_type=_media_type(name), headers=headers)

    return [
        Route("/openapi.json", openapi_document, methods=["GET"]),
        Route("/docs", explorer, methods=["GET"]),
        Route("/docs/{asset}", explorer_asset, methods=["GET"]),
    ]
