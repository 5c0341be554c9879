"""Read the audit trail with permission checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from liteimages.admin import representations as rep
from liteimages.admin.representations import Representation
from liteimages.audit.trail import Actor, AuditFilter, list_events
from liteimages.errors import Forbidden
from liteimages.identity.policy import administers_system, is_administrator


def list_audit(session: Session, actor: Actor, where: AuditFilter) -> Sequence[Representation]:
    """Return audit events, oldest first.

    A system administrator or the operator sees every event; an account
    administrator sees the events whose actor belongs to the account.
    """
    principal = actor.principal
    if principal is not None and not administers_system(principal):
        if not is_administrator(principal):
            raise Forbidden("ListAuditEvents")
        where = replace(where, actor_account_id=principal.account_id)
    return [rep.audit_event(event) for event in list_events(session, where)]
