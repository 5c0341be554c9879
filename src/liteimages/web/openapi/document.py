"""Assemble the OpenAPI 3.0 document of every route liteimages serves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from liteimages import __version__
from liteimages.web.health import DatabaseState
from liteimages.web.openapi.admin_paths import admin_paths
from liteimages.web.openapi.admin_schemas import admin_schemas
from liteimages.web.openapi.catalog_paths import CATALOG_TAG, catalog_paths
from liteimages.web.openapi.iam_paths import NO_SECURITY, iam_paths
from liteimages.web.openapi.iam_schemas import iam_schemas
from liteimages.web.openapi.responses import (
    UNAVAILABLE,
    error_response_components,
    error_responses,
    header_components,
    header_refs,
    json_response,
)
from liteimages.web.openapi.schemas import (
    Schema,
    catalog_schemas,
    closed_object,
    error_schemas,
)

# Swagger UI 4, which the explorer uses, renders OpenAPI 3.0 documents but not 3.1 ones.
OPENAPI_VERSION = "3.0.3"
EXPLORER_ASSETS = ("explorer.js", "swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png")
# Unknown explorer files, and /metrics while LITEIMAGES_METRICS turns metrics off, match no route.
UNKNOWN_ROUTE = {404: ("APIGW.0101",)}

DESCRIPTION = """\
liteimages serves the Huawei Cloud ModelArts Lite Server image catalog calls as the cloud
does, so that the official SDKs work against it unchanged, plus IAM-style token calls and
its own admin API.

**Authentication.** Every call except the token request, the health check and this
document needs one credential: an IAM token in `X-Auth-Token` (get one with
`POST /v3/auth/tokens`, then paste it under *Authorize*), or an AK/SK signature
(`SDK-HMAC-SHA256`), which the SDKs compute for each request. When both are sent, the
signature is checked.

**Every response**, success or error, carries `X-Request-Id`. Every `GET` also answers
`HEAD`, with the same status and headers and no body. A path or method that no call
serves is 404 `APIGW.0101`.

**Errors** are `{"error_code", "error_msg"}`. Gateway errors (`APIGW.*`), which come before
the service (authentication, throttling, unknown routes), also carry `request_id`.
"""

AKSK_DESCRIPTION = """\
`Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<names>, Signature=<hex>`,
with `X-Sdk-Date` (UTC, `YYYYMMDDTHHMMSSZ`, within 15 minutes of the server clock) and
`X-Project-Id`. The signature is the hex HMAC-SHA256, keyed with the SK, of
`SDK-HMAC-SHA256\\n<X-Sdk-Date>\\n<hex SHA-256 of the canonical request>`. The canonical
request is the method, the canonical URI (ending in `/`), the sorted canonical query, the
signed headers as `name:value` lines, their names joined with `;`, and the hex SHA-256 of
the body, separated by newlines. After 5 wrong signatures in a row an access key is locked
for 5 minutes. Temporary keys also send a signed `X-Security-Token`. The explorer cannot
compute signatures, so use the token there.
"""


def _security_schemes() -> dict[str, Schema]:
    return {
        "token": {
            "type": "apiKey",
            "in": "header",
            "name": "X-Auth-Token",
            "description": "IAM token from POST /v3/auth/tokens (X-Subject-Token), valid 24 hours",
        },
        "aksk": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": AKSK_DESCRIPTION,
        },
    }


def _service_get(operation_id: str, summary: str, responses: dict[str, Schema]) -> Schema:
    return {
        "get": {
            "operationId": operation_id,
            "tags": ["Service"],
            "summary": summary,
            "security": NO_SECURITY,
            "responses": responses,
        }
    }


def _file_response(description: str, media_types: Iterable[str]) -> Schema:
    return {
        "description": description,
        "headers": header_refs("X-Request-Id"),
        "content": {kind: {"schema": {"type": "string"}} for kind in media_types},
    }


def _service_paths() -> dict[str, Schema]:
    ready = closed_object(
        {
            "status": {"type": "string", "enum": ["ready"]},
            "catalog_revision": {"type": "integer", "minimum": 0},
            "catalog_age_seconds": {
                "type": "number",
                "minimum": 0,
                "description": "Seconds since the last successful refresh of the catalog view",
            },
            "max_staleness_seconds": {
                "type": "number",
                "description": "Age at which the view stops being served and this check fails",
            },
            "database": {
                "type": "string",
                "enum": [state.value for state in DatabaseState],
                "description": "Result of this check's read from the database",
            },
        }
    )
    asset = {
        "name": "asset",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": list(EXPLORER_ASSETS)},
    }
    explorer_asset = _service_get(
        "ShowApiExplorerAsset",
        "A script, style sheet or icon of the explorer",
        {
            "200": _file_response("The file", ("text/javascript", "text/css", "image/png")),
            **error_responses(UNKNOWN_ROUTE),
        },
    )
    explorer_asset["get"]["parameters"] = [asset]
    return {
        "/health/live": _service_get(
            "CheckLiveness",
            "Answer 200 while the process is up",
            {
                "200": json_response(
                    "The process is up",
                    closed_object({"status": {"type": "string", "enum": ["ok"]}}),
                )
            },
        ),
        "/health/ready": _service_get(
            "CheckReadiness",
            "Answer 200 while the catalog view is loaded and no older than the max staleness",
            {"200": json_response("Ready", ready), **error_responses(UNAVAILABLE)},
        ),
        "/metrics": _service_get(
            "ShowMetrics",
            "Prometheus metrics of this process, or of every worker",
            {
                "200": _file_response(
                    "Prometheus text format, or OpenMetrics when Accept asks for it",
                    ("text/plain", "application/openmetrics-text"),
                ),
                **error_responses(UNKNOWN_ROUTE),
            },
        ),
        "/openapi.json": _service_get(
            "ShowOpenApiDocument",
            "This document",
            {"200": json_response("OpenAPI document", {"type": "object"})},
        ),
        "/docs": _service_get(
            "ShowApiExplorer",
            "The interactive API explorer (Swagger UI)",
            {"200": _file_response("HTML page", ("text/html",))},
        ),
        "/docs/{asset}": explorer_asset,
    }


def build_document() -> dict[str, Any]:
    """Return the OpenAPI document as a dictionary."""
    paths = {**catalog_paths(), **iam_paths(), **admin_paths(), **_service_paths()}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "liteimages",
            "version": __version__,
            "description": DESCRIPTION,
            "license": {"name": "Apache-2.0"},
        },
        "tags": [
            {"name": CATALOG_TAG, "description": "The ModelArts Lite Server catalog calls"},
            {"name": "IAM", "description": "Tokens, projects and temporary access keys"},
            {"name": "Admin: images"},
            {"name": "Admin: flavors"},
            {"name": "Admin: identities"},
            {"name": "Admin: audit"},
            {"name": "Service"},
        ],
        "security": [{"token": []}, {"aksk": []}],
        "paths": paths,
        "components": {
            "schemas": {
                **catalog_schemas(),
                **error_schemas(),
                **iam_schemas(),
                **admin_schemas(),
            },
            "responses": error_response_components(paths),
            "headers": header_components(),
            "securitySchemes": _security_schemes(),
        },
    }


def encode_document() -> bytes:
    """Return the OpenAPI document encoded as JSON."""
    return orjson.dumps(build_document())
