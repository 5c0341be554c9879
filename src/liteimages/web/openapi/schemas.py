"""Schema helpers, shared field schemas, and the bodies of the catalog calls and of errors."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from liteimages.catalog.enums import Arch, ChargingMode, ImageStatus, ServerType
from liteimages.catalog.ids import IMAGE_ID_PATTERN
from liteimages.catalog.query import MAX_FLAVOR_NAME, MAX_IMAGE_NAME
from liteimages.identity import passwords
from liteimages.identity.ids import PROJECT_ID_PATTERN
from liteimages.identity.service import NAME_PATTERN

Schema = dict[str, Any]

HEX_ID_PATTERN = "^[0-9a-f]{32}$"
REQUEST_ID_PATTERN = HEX_ID_PATTERN
TIMESTAMP_DESCRIPTION = "UTC time in ISO 8601, such as 2025-01-02T03:04:05Z"


def ref(name: str) -> Schema:
    """Return a reference to the component schema `name`."""
    return {"$ref": f"#/components/schemas/{name}"}


def enum_of(enum: type[StrEnum], description: str | None = None) -> Schema:
    """Return a string schema whose values are the members of `enum`."""
    schema: Schema = {"type": "string", "enum": [member.value for member in enum]}
    if description:
        schema["description"] = description
    return schema


def text(max_length: int, min_length: int = 0, description: str | None = None) -> Schema:
    """Return a string schema with length limits."""
    schema: Schema = {"type": "string", "maxLength": max_length}
    if min_length:
        schema["minLength"] = min_length
    if description:
        schema["description"] = description
    return schema


def nullable(schema: Schema) -> Schema:
    """Return `schema` that also allows null."""
    return {**schema, "nullable": True}


def closed_object(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    """Return an object schema that allows no other properties."""
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required is None:
        required = list(properties)
    if required:
        schema["required"] = required
    return schema


def array_of(items: Schema, max_items: int | None = None) -> Schema:
    """Return an array schema."""
    schema: Schema = {"type": "array", "items": items}
    if max_items is not None:
        schema["maxItems"] = max_items
    return schema


IMAGE_ID: Schema = {
    "type": "string",
    "pattern": IMAGE_ID_PATTERN.pattern,
    "description": "Lower-case RFC 4122 UUID of version 1 to 5",
    "example": "d7811cdb-b0c6-44fe-9931-1f3b2b6ef477",
}
PROJECT_ID: Schema = {
    "type": "string",
    "pattern": PROJECT_ID_PATTERN.pattern,
    "description": "1 to 64 letters, digits and hyphens",
}
HEX_ID: Schema = {"type": "string", "pattern": HEX_ID_PATTERN}
ENTITY_NAME: Schema = {
    "type": "string",
    "pattern": NAME_PATTERN.pattern,
    "description": "1 to 64 characters: letters, digits, '_', '.', '@' and '-'",
}
TIMESTAMP: Schema = {"type": "string", "format": "date-time", "description": TIMESTAMP_DESCRIPTION}
PASSWORD: Schema = text(passwords.MAX_LENGTH, passwords.MIN_LENGTH, "The password")


def catalog_schemas() -> dict[str, Schema]:
    """Return the schemas of the three cloud catalog calls."""
    return {
        "ServerImageResponse": closed_object(
            {
                "arch": enum_of(Arch),
                "image_id": IMAGE_ID,
                "name": text(MAX_IMAGE_NAME, 1),
                "server_type": enum_of(ServerType),
                "status": enum_of(ImageStatus),
            }
        ),
        "ServerFlavorResponse": closed_object(
            {
                "arch": enum_of(Arch),
                "availability_zone": {"type": "string"},
                "charging_mode": enum_of(ChargingMode),
                "count": {"type": "integer", "minimum": 0},
                "flavor": text(MAX_FLAVOR_NAME, 1, "The flavor name that flavor_name refers to"),
                "flavor_type": {"type": "string"},
                "is_sold_out": {"type": "boolean"},
                "roce_num": {"type": "integer", "minimum": 0},
                "server_type": enum_of(ServerType),
                "sku_code": {"type": "string"},
                "specification": {"type": "string"},
                "status": {"type": "string"},
            }
        ),
        "ListDevServerImagesResponse": _page_of("ServerImageResponse"),
        "ListDevServerFlavorsResponse": _page_of("ServerFlavorResponse"),
    }


def _page_of(item: str) -> Schema:
    return closed_object(
        {
            "current": {"type": "integer", "minimum": 1, "description": "Current page number"},
            "data": array_of(ref(item)),
            "pages": {"type": "integer", "minimum": 0, "description": "Number of pages"},
            "size": {
                "type": "integer",
                "minimum": 0,
                "description": "Page size: the limit, or the total when no limit is given",
            },
            "total": {
                "type": "integer",
                "format": "int64",
                "minimum": 0,
                "description": "Number of matching records",
            },
        }
    )


def error_schemas() -> dict[str, Schema]:
    """Return the two error body shapes: the service's and the API gateway's."""
    return {
        "ServiceError": closed_object(
            {
                "error_code": {"type": "string", "pattern": r"^(ModelArts|IAM)\.[0-9]{4}$"},
                "error_msg": {"type": "string"},
            }
        ),
        "GatewayError": closed_object(
            {
                "error_code": {"type": "string", "pattern": r"^APIGW\.[0-9]{4}$"},
                "error_msg": {"type": "string"},
                "request_id": {
                    "type": "string",
                    "pattern": REQUEST_ID_PATTERN,
                    "description": "The same value as the X-Request-Id header",
                },
                "canonical_request": {
                    "type": "string",
                    "description": "Only when a signature does not match: the server's "
                    "canonical request, to compare with the client's",
                },
                "string_to_sign": {
                    "type": "string",
                    "description": "Only when a signature does not match: the server's "
                    "string to sign",
                },
            },
            required=["error_code", "error_msg", "request_id"],
        ),
    }
