"""JSON schemas of the admin API's resources and documents, from liteimages.admin's limits."""

from __future__ import annotations

from liteimages.admin import flavors as flavor_admin
from liteimages.admin import images as image_admin
from liteimages.catalog.enums import Arch, ChargingMode, ImageStatus, ServerType, Visibility
from liteimages.catalog.query import MAX_FLAVOR_NAME, MAX_IMAGE_NAME
from liteimages.identity.lockout import LockoutKind
from liteimages.identity.models import KEY_ACTIVE, KEY_INACTIVE
from liteimages.identity.service import ACCESS_KEY_PATTERN, ROLES
from liteimages.web.openapi.schemas import (
    ENTITY_NAME,
    HEX_ID,
    IMAGE_ID,
    PASSWORD,
    PROJECT_ID,
    TIMESTAMP,
    Schema,
    array_of,
    closed_object,
    enum_of,
    nullable,
    ref,
    text,
)


def admin_schemas() -> dict[str, Schema]:
    """Return the schemas of the admin API's resources and documents."""
    return {
        **_image_schemas(),
        **_flavor_schemas(),
        **_identity_schemas(),
        **_lockout_schemas(),
        "AuditEvent": _audit_event(),
        "AuditEventList": closed_object({"audit_events": array_of(ref("AuditEvent"))}),
    }


def _image_fields() -> dict[str, Schema]:
    descriptive = {name: text(width) for name, width in image_admin.DESCRIPTIVE.items()}
    return {
        "id": IMAGE_ID,
        "name": text(MAX_IMAGE_NAME, 1),
        "arch": enum_of(Arch),
        "server_type": enum_of(ServerType),
        "status": enum_of(ImageStatus),
        "visibility": enum_of(Visibility),
        "owner_project_id": nullable(PROJECT_ID),
        **descriptive,
        "description": text(image_admin.MAX_DESCRIPTION),
        "tags": array_of(text(64, 1), image_admin.MAX_TAGS),
        "protected": {"type": "boolean"},
        "flavors": array_of(text(MAX_FLAVOR_NAME, 1), 4096),
        "shared_with": array_of(PROJECT_ID, image_admin.MAX_SHARES),
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    }


def _image_schemas() -> dict[str, Schema]:
    fields = _image_fields()
    optional = {name: nullable(schema) for name, schema in fields.items()}
    creatable = {name: optional[name] for name in sorted(image_admin.CREATE_FIELDS)}
    creatable.update({name: fields[name] for name in ("name", "arch", "server_type")})
    changeable = {name: optional[name] for name in sorted(image_admin.MUTABLE_FIELDS)}
    return {
        "Image": closed_object(fields),
        "ImageList": closed_object({"images": array_of(ref("Image"))}),
        "ImageCreate": closed_object(creatable, required=["name", "arch", "server_type"]),
        "ImageUpdate": closed_object(changeable, required=[]),
    }


def _flavor_fields() -> dict[str, Schema]:
    texts = {name: text(limit) for name, limit in flavor_admin.TEXT_FIELDS.items()}
    return {
        "name": text(MAX_FLAVOR_NAME, 1),
        "arch": enum_of(Arch),
        "server_type": enum_of(ServerType),
        "charging_mode": enum_of(ChargingMode),
        "count": {"type": "integer", "minimum": 0, "maximum": flavor_admin.MAX_COUNT},
        "roce_num": {"type": "integer", "minimum": 0, "maximum": 1024},
        "is_sold_out": {"type": "boolean"},
        **texts,
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    }


def _flavor_schemas() -> dict[str, Schema]:
    fields = _flavor_fields()
    optional = {name: nullable(schema) for name, schema in fields.items()}
    creatable = {name: optional[name] for name in sorted(flavor_admin.CREATE_FIELDS)}
    creatable.update({name: fields[name] for name in ("name", "arch", "server_type")})
    changeable = {name: optional[name] for name in sorted(flavor_admin.MUTABLE_FIELDS)}
    return {
        "Flavor": closed_object(fields),
        "FlavorList": closed_object({"flavors": array_of(ref("Flavor"))}),
        "FlavorCreate": closed_object(creatable, required=["name", "arch", "server_type"]),
        "FlavorUpdate": closed_object(changeable, required=[]),
    }


def _identity_schemas() -> dict[str, Schema]:
    key_status = {"type": "string", "enum": [KEY_ACTIVE, KEY_INACTIVE]}
    access_key = {
        "access_key": {"type": "string", "pattern": ACCESS_KEY_PATTERN.pattern},
        "user_id": HEX_ID,
        "status": key_status,
        "description": text(255),
        "temporary": {"type": "boolean"},
        "expires_at": nullable(TIMESTAMP),
        "created_at": TIMESTAMP,
    }
    return {
        "Account": closed_object(
            {
                "id": HEX_ID,
                "name": ENTITY_NAME,
                "is_system": {"type": "boolean"},
                "created_at": TIMESTAMP,
            }
        ),
        "AccountList": closed_object({"accounts": array_of(ref("Account"))}),
        "AccountCreate": closed_object(
            {
                "name": ENTITY_NAME,
                "is_system": nullable({"type": "boolean", "default": False}),
                "password": nullable(PASSWORD),
            },
            required=["name"],
        ),
        "Project": closed_object(
            {"id": PROJECT_ID, "name": ENTITY_NAME, "account_id": HEX_ID, "created_at": TIMESTAMP}
        ),
        "ProjectList": closed_object({"projects": array_of(ref("Project"))}),
        "ProjectCreate": closed_object(
            {"name": ENTITY_NAME, "id": nullable(PROJECT_ID)}, required=["name"]
        ),
        "User": closed_object(
            {
                "id": HEX_ID,
                "name": ENTITY_NAME,
                "account_id": HEX_ID,
                "is_root": {"type": "boolean"},
                "enabled": {"type": "boolean"},
                "has_password": {"type": "boolean"},
                "created_at": TIMESTAMP,
            }
        ),
        "UserList": closed_object({"users": array_of(ref("User"))}),
        "UserCreate": closed_object(
            {"name": ENTITY_NAME, "password": nullable(PASSWORD)}, required=["name"]
        ),
        "UserUpdate": closed_object({"enabled": {"type": "boolean"}}),
        "PasswordChange": closed_object({"password": PASSWORD}),
        "Role": closed_object(
            {
                "user_id": HEX_ID,
                "project_id": PROJECT_ID,
                "role": {"type": "string", "enum": list(ROLES)},
            }
        ),
        "RoleList": closed_object({"roles": array_of(ref("Role"))}),
        "AccessKey": closed_object(access_key),
        "AccessKeyList": closed_object({"access_keys": array_of(ref("AccessKey"))}),
        "AccessKeyCreated": closed_object(
            {**access_key, "secret_key": {"type": "string", "description": "Shown only once"}}
        ),
        "AccessKeyCreate": closed_object({"description": nullable(text(255))}, required=[]),
        "AccessKeyUpdate": closed_object({"status": key_status}),
        "RevokedTokens": closed_object({"revoked": {"type": "integer", "minimum": 0}}),
    }


def _lockout_schemas() -> dict[str, Schema]:
    lockout = closed_object(
        {
            "kind": enum_of(LockoutKind),
            "access_key": nullable(
                {"type": "string", "description": "The locked access key; null for a user"}
            ),
            "user_id": nullable(
                {"type": "string", "description": "Null for an access key deleted since"}
            ),
            "user_name": nullable({"type": "string", "description": "Null once deleted"}),
            "account_id": nullable({"type": "string", "description": "Null once deleted"}),
            "failures": {
                "type": "integer",
                "minimum": 0,
                "description": "Failures in a row since the last success, lock or clear",
            },
            "locked_until": nullable(
                {**TIMESTAMP, "description": "End of the last lock, which may have passed"}
            ),
            "locked": {"type": "boolean", "description": "Whether the lock lasts now"},
        }
    )
    return {
        "Lockout": lockout,
        "LockoutList": closed_object({"lockouts": array_of(ref("Lockout"))}),
        "ClearedLockouts": closed_object(
            {
                "cleared": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Lockouts that counted failures or locked, now cleared",
                }
            }
        ),
    }


def _audit_event() -> Schema:
    snapshot = nullable({"type": "object", "description": "The resource before or after"})
    return closed_object(
        {
            "id": {"type": "integer", "format": "int64"},
            "at": TIMESTAMP,
            "actor": closed_object(
                {
                    "user_id": {"type": "string"},
                    "name": {"type": "string"},
                    "account_id": {"type": "string"},
                    "access_key": nullable({"type": "string"}),
                    "via": {"type": "string", "description": "api or cli"},
                }
            ),
            "request_id": nullable({"type": "string"}),
            "action": {"type": "string", "example": "image.update"},
            "resource_type": {"type": "string"},
            "resource_id": {"type": "string"},
            "before": snapshot,
            "after": snapshot,
        }
    )
