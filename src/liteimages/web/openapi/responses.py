"""Response objects: success bodies, error bodies narrowed to their codes, and headers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from liteimages.web.errors import is_gateway_code
from liteimages.web.openapi.schemas import REQUEST_ID_PATTERN, Schema, ref

JSON = "application/json"

# Error codes that every authenticated call can return, by HTTP status.
AUTHENTICATION = {401: ("APIGW.0301", "APIGW.0307")}
BODY_TOO_LARGE = {413: ("ModelArts.0101",)}
THROTTLED = {429: ("APIGW.0308",)}
INTERNAL = {500: ("ModelArts.0010",)}
UNAVAILABLE = {503: ("ModelArts.0014",)}
RETRY_AFTER_STATUSES = frozenset({401, 429, 503})

STATUS_DESCRIPTIONS = {
    400: "Invalid parameter or body. error_msg names the parameter and the rule it breaks",
    401: "Missing, invalid or expired credential (Retry-After when the access key is locked)",
    403: "The credential may not perform this call",
    404: "Not found",
    409: "Conflict with existing data or with a concurrent change",
    412: "If-Match names a version that is no longer current",
    413: "Request body larger than 1 MiB",
    429: "A request limit of the credential or project is used up. Retry after Retry-After seconds",
    500: "Internal error",
    503: "The database is unavailable or the catalog view is stale. Retry later",
}


def header_components() -> dict[str, Schema]:
    """Return the reusable response headers."""
    return {
        "X-Request-Id": {
            "description": "Id of this request, 32 hex characters, also in gateway error bodies",
            "required": True,
            "schema": {"type": "string", "pattern": REQUEST_ID_PATTERN},
        },
        "ETag": {
            "description": "Strong entity tag of the body, for If-None-Match or If-Match",
            "required": True,
            "schema": {"type": "string", "pattern": '^"[0-9a-f]{24}(-gzip)?"$'},
        },
        "Retry-After": {
            "description": "Seconds to wait before retrying",
            "required": False,
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        },
    }


def header_refs(*names: str) -> dict[str, Schema]:
    """Return response headers that refer to the named header components."""
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def json_response(
    description: str, schema: Schema, headers: Iterable[str] = (), **extra_headers: Schema
) -> Schema:
    """Return a JSON response with X-Request-Id and the named headers."""
    return {
        "description": description,
        "headers": {**header_refs("X-Request-Id", *headers), **extra_headers},
        "content": {JSON: {"schema": schema}},
    }


def empty_response(description: str, headers: Iterable[str] = ()) -> Schema:
    """Return a response without a body, such as 204 or 304."""
    return {"description": description, "headers": header_refs("X-Request-Id", *headers)}


def error_body(codes: Iterable[str]) -> Schema:
    """Return the body schema of an error whose code is one of `codes`.

    Gateway codes (APIGW.*) use GatewayError, which carries request_id, and the
    others use ServiceError. A status that can carry both kinds gets a oneOf of the two.
    """
    gateway = sorted(code for code in codes if is_gateway_code(code))
    service = sorted(code for code in codes if not is_gateway_code(code))
    variants = [
        {"allOf": [ref(name), {"properties": {"error_code": {"enum": narrowed}}}]}
        for name, narrowed in (("GatewayError", gateway), ("ServiceError", service))
        if narrowed
    ]
    if len(variants) == 1:
        return variants[0]
    return {"oneOf": variants}


RESPONSE_REF = "#/components/responses/"


def error_response_name(status: int, codes: Iterable[str]) -> str:
    """Return the component name of an error response, such as Error404_ModelArts.5058."""
    return "_".join((f"Error{status}", *sorted(codes)))


def error_responses(*tables: Mapping[int, Iterable[str]]) -> dict[str, Schema]:
    """Merge tables of {status: codes} into references to error responses, keyed by status."""
    merged: dict[int, set[str]] = {}
    for table in tables:
        for status, codes in table.items():
            merged.setdefault(status, set()).update(codes)
    return {
        str(status): {"$ref": RESPONSE_REF + error_response_name(status, merged[status])}
        for status in sorted(merged)
    }


def _error_response(name: str) -> Schema:
    head, *codes = name.split("_")
    status = int(head.removeprefix("Error"))
    headers = ("Retry-After",) if status in RETRY_AFTER_STATUSES else ()
    return json_response(STATUS_DESCRIPTIONS[status], error_body(codes), headers)


def error_response_components(paths: Mapping[str, Mapping[str, Any]]) -> dict[str, Schema]:
    """Return the error responses that the operations in `paths` refer to, by name."""
    names = {
        response["$ref"].removeprefix(RESPONSE_REF)
        for item in paths.values()
        for operation in item.values()
        for response in operation["responses"].values()
        if response.get("$ref", "").startswith(RESPONSE_REF)
    }
    return {name: _error_response(name) for name in sorted(names)}
