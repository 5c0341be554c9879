"""The three cloud catalog calls, with their parameters from liteimages.catalog.query."""

from __future__ import annotations

from liteimages.catalog import query
from liteimages.catalog.enums import Arch, ChargingMode, ImageStatus, ServerType, SortDir, SortKey
from liteimages.web.openapi.responses import (
    AUTHENTICATION,
    BODY_TOO_LARGE,
    INTERNAL,
    THROTTLED,
    UNAVAILABLE,
    empty_response,
    error_responses,
    json_response,
)
from liteimages.web.openapi.schemas import IMAGE_ID, PROJECT_ID, Schema, enum_of, ref, text

CATALOG_TAG = "Catalog (cloud API)"
CASE_NOTE = "Matched case-insensitively and returned upper-case."

CATALOG_ERRORS = (
    {400: ("ModelArts.0101",), 403: ("ModelArts.0210", "ModelArts.0108")},
    AUTHENTICATION,
    BODY_TOO_LARGE,
    THROTTLED,
    INTERNAL,
    UNAVAILABLE,
)


def query_parameter(name: str, schema: Schema, description: str) -> Schema:
    """Return an optional query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def path_parameter(name: str, schema: Schema, description: str = "") -> Schema:
    """Return a required path parameter."""
    parameter: Schema = {"name": name, "in": "path", "required": True, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


PROJECT_PARAMETER = path_parameter(
    "project_id", PROJECT_ID, "Project id, which must be the project of the credential"
)
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "ETag values of a cached body, or *. A match returns 304 with no body",
}


def _page_parameters() -> dict[str, Schema]:
    return {
        "limit": query_parameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": query.MAX_LIMIT},
            "Page size. Without it every match comes in one page",
        ),
        "offset": query_parameter(
            "offset",
            {"type": "integer", "minimum": 0, "maximum": query.MAX_OFFSET, "default": 0},
            "Number of matches to skip",
        ),
    }


def image_query_parameters() -> dict[str, Schema]:
    """Return the query parameters of ListDevServerImages, by name."""
    flavor = text(query.MAX_FLAVOR_NAME, 1)
    return {
        "server_type": query_parameter(
            "server_type", enum_of(ServerType), f"BMS, ECS or HPS. {CASE_NOTE}"
        ),
        "flavor_name": query_parameter(
            "flavor_name",
            flavor,
            "Only images that can boot this flavor. An unknown flavor is 400 ModelArts.0101",
        ),
        "resource_flavor_name": query_parameter(
            "resource_flavor_name",
            flavor,
            "Synonym of flavor_name, as Huawei's Terraform provider sends it. "
            "Giving both is 400 ModelArts.0101",
        ),
        "arch": query_parameter("arch", enum_of(Arch), f"liteimages addition. {CASE_NOTE}"),
        "status": query_parameter(
            "status", enum_of(ImageStatus), f"liteimages addition. {CASE_NOTE}"
        ),
        "name": query_parameter(
            "name", text(query.MAX_IMAGE_NAME, 1), "liteimages addition: exact image name"
        ),
        **_page_parameters(),
        "sort_key": query_parameter(
            "sort_key",
            {**enum_of(SortKey), "default": SortKey.NAME.value},
            "Sort field. Ties are broken by image id",
        ),
        "sort_dir": query_parameter(
            "sort_dir", {**enum_of(SortDir), "default": SortDir.ASC.value}, CASE_NOTE
        ),
    }


def flavor_query_parameters() -> dict[str, Schema]:
    """Return the query parameters of ListDevServerFlavors, by name."""
    return {
        "server_type": query_parameter("server_type", enum_of(ServerType), CASE_NOTE),
        "arch": query_parameter("arch", enum_of(Arch), CASE_NOTE),
        "charging_mode": query_parameter("charging_mode", enum_of(ChargingMode), CASE_NOTE),
        **_page_parameters(),
    }


def _success(schema_name: str, description: str) -> dict[str, Schema]:
    return {
        "200": json_response(description, ref(schema_name), ("ETag",)),
        "304": empty_response("The body is unchanged since the ETag in If-None-Match", ("ETag",)),
    }


def catalog_paths() -> dict[str, Schema]:
    """Return the path items of ListDevServerImages, GetDevServerImage and ListDevServerFlavors."""
    base = "/v1/{project_id}/dev-servers"
    not_found = {404: ("ModelArts.5058",)}
    return {
        f"{base}/images": {
            "get": {
                "operationId": "ListDevServerImages",
                "tags": [CATALOG_TAG],
                "summary": "List the Lite Server images",
                "description": (
                    "Returns the images the project may see, of both statuses, sorted by name "
                    "then image id unless sort_key and sort_dir say otherwise. Unknown query "
                    "parameters are ignored. A known parameter given twice or with an empty "
                    "value is 400 ModelArts.0101. When the project sees no image at all, the "
                    "answer is 404 ModelArts.5058. A filter that matches nothing gives 200 "
                    "with empty data."
                ),
                "parameters": [
                    PROJECT_PARAMETER,
                    *image_query_parameters().values(),
                    IF_NONE_MATCH,
                ],
                "responses": {
                    **_success("ListDevServerImagesResponse", "One page of images"),
                    **error_responses(*CATALOG_ERRORS, not_found),
                },
            }
        },
        f"{base}/images/{{id}}": {
            "get": {
                "operationId": "GetDevServerImage",
                "tags": [CATALOG_TAG],
                "summary": "Show one Lite Server image",
                "description": (
                    "A malformed id is 400 ModelArts.0101. An image that does not exist or "
                    "that the project may not see is 404 ModelArts.5058."
                ),
                "parameters": [PROJECT_PARAMETER, path_parameter("id", IMAGE_ID), IF_NONE_MATCH],
                "responses": {
                    **_success("ServerImageResponse", "The image"),
                    **error_responses(*CATALOG_ERRORS, not_found),
                },
            }
        },
        f"{base}/flavors": {
            "get": {
                "operationId": "ListDevServerFlavors",
                "tags": [CATALOG_TAG],
                "summary": "List the Lite Server flavors",
                "description": "Flavors sorted by name. limit and offset are liteimages additions.",
                "parameters": [
                    PROJECT_PARAMETER,
                    *flavor_query_parameters().values(),
                    IF_NONE_MATCH,
                ],
                "responses": {
                    **_success("ListDevServerFlavorsResponse", "One page of flavors"),
                    **error_responses(*CATALOG_ERRORS),
                },
            }
        },
    }
