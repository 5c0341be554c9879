"""The OpenAPI document: valid, in step with the routes and parsers, and served as built."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from starlette.routing import BaseRoute, Mount, Route

from liteimages.catalog.query import FLAVOR_PARAMETERS, IMAGE_PARAMETERS
from liteimages.config import Settings
from liteimages.web.app import create_app
from liteimages.web.catalog import OPERATIONS, match_route
from liteimages.web.openapi import build_document
from support.databases import sqlite_url
from support.server import SECRET_KEY, LiveServer

DOCUMENT = build_document()
IMAGE_FIELDS = {"arch", "image_id", "name", "server_type", "status"}
CATALOG_PATHS = {
    "/v1/{project_id}/dev-servers/images": "ListDevServerImages",
    "/v1/{project_id}/dev-servers/images/{id}": "GetDevServerImage",
    "/v1/{project_id}/dev-servers/flavors": "ListDevServerFlavors",
}
CONVERTOR = re.compile(r"\{(\w+):\w+\}")


def _route_pairs(routes: list[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, Mount):
            pairs |= _route_pairs(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            path = CONVERTOR.sub(r"{\1}", prefix + route.path)
            # Starlette adds HEAD to every GET route, and one sentence of the description covers it.
            pairs |= {(path, method) for method in route.methods or () if method != "HEAD"}
    return pairs


def _operation(path: str, method: str = "get") -> dict[str, Any]:
    operation: dict[str, Any] = DOCUMENT["paths"][path][method]
    return operation


def _query_names(path: str) -> set[str]:
    return {p["name"] for p in _operation(path)["parameters"] if p["in"] == "query"}


def _resolve(response: dict[str, Any]) -> dict[str, Any]:
    reference = response.get("$ref")
    if reference is None:
        return response
    resolved: dict[str, Any] = DOCUMENT["components"]["responses"][reference.rsplit("/", 1)[1]]
    return resolved


def test_document_is_valid_openapi() -> None:
    schemathesis.openapi.from_dict(DOCUMENT).validate()


def test_document_lists_every_route(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=sqlite_url(tmp_path), secret_key=SECRET_KEY)
    app = create_app(settings, metrics=True)
    served = _route_pairs(list(app.starlette.routes)) | {(path, "GET") for path in CATALOG_PATHS}
    documented = {
        (path, method.upper()) for path, item in DOCUMENT["paths"].items() for method in item
    }

    assert documented - served == set()
    assert served - documented == set()


@pytest.mark.parametrize(("path", "operation_id"), CATALOG_PATHS.items())
def test_catalog_path_reaches_fast_path(path: str, operation_id: str) -> None:
    concrete = path.format(project_id="p-1", id="d7811cdb-b0c6-44fe-9931-1f3b2b6ef477")
    route = match_route(concrete.encode())

    assert route is not None
    assert OPERATIONS[route[0]][0] == operation_id
    assert _operation(path)["operationId"] == operation_id


def test_image_list_parameters_match_parser() -> None:
    assert _query_names("/v1/{project_id}/dev-servers/images") == IMAGE_PARAMETERS


def test_flavor_list_parameters_match_parser() -> None:
    assert _query_names("/v1/{project_id}/dev-servers/flavors") == FLAVOR_PARAMETERS


def test_image_schema_has_five_fields() -> None:
    image = DOCUMENT["components"]["schemas"]["ServerImageResponse"]

    assert set(image["properties"]) == IMAGE_FIELDS
    assert set(image["required"]) == IMAGE_FIELDS
    assert image["additionalProperties"] is False


def test_operation_ids_are_unique() -> None:
    ids = [op["operationId"] for item in DOCUMENT["paths"].values() for op in item.values()]

    assert len(ids) == len(set(ids))


def test_every_response_has_request_id() -> None:
    missing = [
        f"{method.upper()} {path} {status}"
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
        if "X-Request-Id" not in _resolve(response).get("headers", {})
    ]

    assert missing == []


def test_gateway_errors_require_request_id() -> None:
    gateway = DOCUMENT["components"]["schemas"]["GatewayError"]

    assert "request_id" in gateway["required"]
    assert gateway["properties"]["error_code"]["pattern"].startswith("^APIGW")


def test_served_document_equals_built(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.endpoint}/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == DOCUMENT


def test_explorer_page_loads_no_remote_file(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.endpoint}/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert re.search(r"(src|href)=\"(https?:)?//", response.text) is None


@pytest.mark.parametrize(
    ("asset", "media_type"),
    [
        ("explorer.js", "text/javascript"),
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
        ("favicon-32x32.png", "image/png"),
    ],
)
def test_explorer_asset_served(live_server: LiveServer, asset: str, media_type: str) -> None:
    response = httpx.get(f"{live_server.endpoint}/docs/{asset}")

    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert len(response.content) > 0


def test_unknown_explorer_asset_is_404(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.endpoint}/docs/swagger-ui.js.map")

    assert response.status_code == 404
    assert response.json()["error_code"] == "APIGW.0101"
