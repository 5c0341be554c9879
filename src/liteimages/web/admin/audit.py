"""Admin route for the audit trail."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from liteimages.admin.audit_log import list_audit
from liteimages.admin.images import parse_time
from liteimages.audit.trail import AuditFilter
from liteimages.web.admin.common import AdminCall, begin, json_response, read

TEXT_FILTERS = ("actor", "resource_type", "resource_id", "action")


def _time(call: AdminCall, name: str) -> datetime | None:
    value = call.query(name)
    if value is None:
        return None
    return parse_time({name: value}, name)


def parse_audit_filter(call: AdminCall) -> AuditFilter:
    """Read the audit query parameters; unknown parameters are ignored."""
    texts = {name: call.query(name) for name in TEXT_FILTERS}
    since, until = _time(call, "since"), _time(call, "until")
    limit, offset = call.page()
    return AuditFilter(
        since=since,
        until=until,
        actor=texts["actor"],
        resource_type=texts["resource_type"],
        resource_id=texts["resource_id"],
        action=texts["action"],
        limit=limit,
        offset=offset,
    )


async def list_audit_events(request: Request) -> Response:
    """GET /admin/v1/audit-events: matching events, oldest first."""
    call = await begin(request)
    where = parse_audit_filter(call)
    events = await read(call, lambda session: list_audit(session, call.actor, where))
    return json_response({"audit_events": events})
