"""Admin routes that list and clear the lockouts of access keys and users."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from liteimages.admin import fields
from liteimages.admin.lockouts import LockoutAdmin, LockoutFilter
from liteimages.errors import InvalidArgument
from liteimages.identity.lockout import LockoutKind
from liteimages.web.admin.common import AdminCall, begin, json_response, read, write

BOOLEANS = {"true": True, "false": False}


def _kind(call: AdminCall) -> LockoutKind | None:
    value = call.query("kind")
    if value is None:
        return None
    kind: LockoutKind = fields.choice({"kind": value}, "kind", LockoutKind)
    return kind


def _boolean(call: AdminCall, name: str) -> bool | None:
    value = call.query(name)
    if value is None:
        return None
    if value.lower() not in BOOLEANS:
        raise InvalidArgument(name, f"must be true or false, got {value!r}")
    return BOOLEANS[value.lower()]


def parse_lockout_filter(call: AdminCall) -> LockoutFilter:
    """Read the lockout listing's query parameters; unknown parameters are ignored."""
    kind = _kind(call)
    account_id = call.query("account_id")
    locked = _boolean(call, "locked")
    limit, offset = call.page()
    return LockoutFilter(kind, account_id, locked, limit, offset)


async def list_lockouts(request: Request) -> Response:
    """GET /admin/v1/lockouts: the current lockouts the caller administers, by key."""
    call = await begin(request)
    where = parse_lockout_filter(call)
    lockouts = await read(call, lambda session: LockoutAdmin(session, call.actor).list(where))
    return json_response({"lockouts": lockouts})


async def clear_lockouts(request: Request) -> Response:
    """DELETE /admin/v1/lockouts[?kind=&account_id=]: clear every lockout the caller administers."""
    call = await begin(request)
    kind, account_id = _kind(call), call.query("account_id")
    cleared = await write(
        call, lambda session: LockoutAdmin(session, call.actor).clear_all(kind, account_id)
    )
    return json_response({"cleared": cleared})


async def clear_access_key_lockout(request: Request) -> Response:
    """DELETE /admin/v1/lockouts/access-keys/{access_key}."""
    call = await begin(request)
    access_key = call.path("access_key")
    cleared = await write(
        call, lambda session: LockoutAdmin(session, call.actor).clear_access_key(access_key)
    )
    return json_response({"cleared": cleared})


async def clear_user_lockout(request: Request) -> Response:
    """DELETE /admin/v1/lockouts/users/{user_id}: clear the user's password lockout."""
    call = await begin(request)
    user_id = call.path("user_id")
    cleared = await write(
        call, lambda session: LockoutAdmin(session, call.actor).clear_user(user_id)
    )
    return json_response({"cleared": cleared})
