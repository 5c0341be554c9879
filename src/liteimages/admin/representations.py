"""Plain-data views of stored objects, used for API bodies, ETags, audit and CLI output.

No representation contains a secret: secret keys, password hashes and token
hashes never leave the database through here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from liteimages.audit.models import AuditEvent
from liteimages.catalog.models import Flavor, Image
from liteimages.identity.lockout import (
    USER_KEY_PREFIX,
    LockoutKind,
    LockoutState,
    kind_of,
)
from liteimages.identity.models import AccessKey, Account, Grant, Project, User

Representation = dict[str, Any]


def timestamp(moment: datetime | None) -> str | None:
    """Return an ISO 8601 UTC timestamp such as 2026-01-02T03:04:05Z."""
    if moment is None:
        return None
    # Explicit padding: strftime("%Y") drops leading zeros of years before 1000 on Linux.
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )
    return text + (f".{moment.microsecond:06d}Z" if moment.microsecond else "Z")


def image(record: Image, flavors: Sequence[str], shared_with: Sequence[str]) -> Representation:
    """Return an image with every stored field, its flavors and shares."""
    return {
        "id": record.id,
        "name": record.name,
        "arch": record.arch,
        "server_type": record.server_type,
        "status": record.status,
        "visibility": record.visibility,
        "owner_project_id": record.owner_project_id,
        "os": record.os,
        "os_version": record.os_version,
        "accelerator": record.accelerator,
        "driver_version": record.driver_version,
        "cann_version": record.cann_version,
        "cuda_version": record.cuda_version,
        "description": record.description,
        "tags": list(record.tags or []),
        "protected": record.protected,
        "flavors": sorted(flavors),
        "shared_with": sorted(shared_with),
        "created_at": timestamp(record.created_at),
        "updated_at": timestamp(record.updated_at),
    }


def flavor(record: Flavor) -> Representation:
    """Return a flavor with every stored field."""
    return {
        "name": record.name,
        "arch": record.arch,
        "server_type": record.server_type,
        "availability_zone": record.availability_zone,
        "charging_mode": record.charging_mode,
        "count": record.count,
        "flavor_type": record.flavor_type,
        "roce_num": record.roce_num,
        "sku_code": record.sku_code,
        "specification": record.specification,
        "status": record.status,
        "is_sold_out": record.is_sold_out,
        "created_at": timestamp(record.created_at),
        "updated_at": timestamp(record.updated_at),
    }


def account(record: Account) -> Representation:
    """Return an account."""
    return {
        "id": record.id,
        "name": record.name,
        "is_system": record.is_system,
        "created_at": timestamp(record.created_at),
    }


def project(record: Project) -> Representation:
    """Return a project."""
    return {
        "id": record.id,
        "name": record.name,
        "account_id": record.account_id,
        "created_at": timestamp(record.created_at),
    }


def user(record: User) -> Representation:
    """Return a user; `has_password` is whether one is set, never its value."""
    return {
        "id": record.id,
        "name": record.name,
        "account_id": record.account_id,
        "is_root": record.is_root,
        "enabled": record.enabled,
        "has_password": record.password_hash is not None,
        "created_at": timestamp(record.created_at),
    }


def access_key(record: AccessKey) -> Representation:
    """Return an access key without its secret key or security token."""
    return {
        "access_key": record.access_key,
        "user_id": record.user_id,
        "status": record.status,
        "description": record.description,
        "temporary": record.security_token_hash is not None,
        "expires_at": timestamp(record.expires_at),
        "created_at": timestamp(record.created_at),
    }


def grant(record: Grant) -> Representation:
    """Return a role grant."""
    return {"user_id": record.user_id, "project_id": record.project_id, "role": record.role}


def lockout(state: LockoutState, user: User | None, now: datetime) -> Representation:
    """Return a row of the lockouts table with the user it belongs to, if that still exists.

    `locked` is whether the lock lasts beyond `now`. `locked_until` is the end of the
    last lock, which may have passed. An access key's `user_id` is null once the key
    has been deleted, a user's `user_name` and `account_id` once the user has.
    """
    kind = kind_of(state.access_key)
    access_key: str | None = state.access_key
    user_id = user.id if user is not None else None
    if kind is LockoutKind.USER:
        access_key, user_id = None, state.access_key.removeprefix(USER_KEY_PREFIX)
    return {
        "kind": kind.value,
        "access_key": access_key,
        "user_id": user_id,
        "user_name": user.name if user is not None else None,
        "account_id": user.account_id if user is not None else None,
        "failures": state.failures,
        "locked_until": timestamp(state.locked_until),
        "locked": state.locked_until is not None and state.locked_until > now,
    }


def audit_event(record: AuditEvent) -> Representation:
    """Return an audit event."""
    return {
        "id": record.id,
        "at": timestamp(record.at),
        "actor": {
            "user_id": record.actor_user_id,
            "name": record.actor_name,
            "account_id": record.actor_account_id,
            "access_key": record.access_key,
            "via": record.via,
        },
        "request_id": record.request_id,
        "action": record.action,
        "resource_type": record.resource_type,
        "resource_id": record.resource_id,
        "before": record.before,
        "after": record.after,
    }


def etag(representation: Mapping[str, Any]) -> str:
    """Return a strong ETag computed from the representation's content."""
    encoded = orjson.dumps(representation, option=orjson.OPT_SORT_KEYS)
    return '"' + hashlib.blake2b(encoded, digest_size=12).hexdigest() + '"'
