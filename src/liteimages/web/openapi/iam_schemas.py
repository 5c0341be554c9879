"""JSON schemas of the IAM-style calls: token requests, tokens, projects, temporary keys."""

from __future__ import annotations

from liteimages.identity.service import ACCESS_KEY_PATTERN
from liteimages.web.openapi.schemas import (
    HEX_ID,
    PROJECT_ID,
    TIMESTAMP,
    Schema,
    array_of,
    closed_object,
    nullable,
    ref,
)


def iam_schemas() -> dict[str, Schema]:
    """Return the schemas of the IAM-style calls."""
    named = closed_object({"id": {"type": "string"}, "name": {"type": "string"}})
    return {
        "PasswordTokenRequest": _password_token_request(),
        "TokenResponse": closed_object(
            {
                "token": closed_object(
                    {
                        "expires_at": TIMESTAMP,
                        "issued_at": TIMESTAMP,
                        "methods": array_of({"type": "string", "enum": ["password"]}),
                        "project": closed_object({**named["properties"], "domain": named}),
                        "user": closed_object(
                            {
                                **named["properties"],
                                "domain": named,
                                "password_expires_at": {"type": "string"},
                            }
                        ),
                        "roles": array_of(named),
                        "catalog": array_of({"type": "object"}, max_items=0),
                    }
                )
            }
        ),
        "KeystoneProject": closed_object(
            {
                "id": PROJECT_ID,
                "name": {"type": "string"},
                "domain_id": HEX_ID,
                "enabled": {"type": "boolean"},
                "is_domain": {"type": "boolean"},
                "parent_id": HEX_ID,
                "description": {"type": "string"},
                "links": closed_object({"self": {"type": "string"}}),
            }
        ),
        "KeystoneListProjectsResponse": closed_object(
            {
                "projects": array_of(ref("KeystoneProject")),
                "links": closed_object(
                    {
                        "self": {"type": "string"},
                        "next": nullable({"type": "string"}),
                        "previous": nullable({"type": "string"}),
                    }
                ),
            }
        ),
        "SecurityTokenRequest": {
            "type": "object",
            "required": ["auth"],
            "properties": {
                "auth": {
                    "type": "object",
                    "required": ["identity"],
                    "properties": {
                        "identity": {
                            "type": "object",
                            "required": ["methods"],
                            "properties": {
                                "methods": {
                                    "type": "array",
                                    "items": {"type": "string", "enum": ["token"]},
                                    "minItems": 1,
                                    "maxItems": 1,
                                },
                                "token": {
                                    "type": "object",
                                    "properties": {
                                        "id": {
                                            "type": "string",
                                            "description": "If given, the X-Auth-Token value",
                                        },
                                        "duration_seconds": {
                                            "type": "integer",
                                            "minimum": 900,
                                            "maximum": 86400,
                                            "default": 900,
                                        },
                                    },
                                },
                            },
                        }
                    },
                }
            },
        },
        "SecurityTokenResponse": closed_object(
            {
                "credential": closed_object(
                    {
                        "access": {"type": "string", "pattern": ACCESS_KEY_PATTERN.pattern},
                        "secret": {"type": "string"},
                        "securitytoken": {"type": "string"},
                        "expires_at": TIMESTAMP,
                    }
                )
            }
        ),
    }


def _password_token_request() -> Schema:
    id_or_name = {
        "type": "object",
        "description": "Give the id or the name",
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
    }
    user = {
        "type": "object",
        "required": ["name", "password", "domain"],
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "password": {"type": "string", "minLength": 1},
            "domain": id_or_name,
        },
    }
    identity = {
        "type": "object",
        "required": ["methods", "password"],
        "properties": {
            "methods": {
                "type": "array",
                "items": {"type": "string", "enum": ["password"]},
                "minItems": 1,
                "maxItems": 1,
            },
            "password": {"type": "object", "required": ["user"], "properties": {"user": user}},
        },
    }
    scope = {
        "type": "object",
        "required": ["project"],
        "properties": {"project": id_or_name},
    }
    return {
        "type": "object",
        "required": ["auth"],
        "properties": {
            "auth": {
                "type": "object",
                "required": ["identity", "scope"],
                "properties": {"identity": identity, "scope": scope},
            }
        },
        "example": {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": "demo-user",
                            "password": "PASSWORD",
                            "domain": {"name": "liteimages-demo"},
                        }
                    },
                },
                "scope": {"project": {"name": "cn-north-4"}},
            }
        },
    }
