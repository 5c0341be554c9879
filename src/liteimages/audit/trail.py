"""Record and query audit events."""

from __future__ import annotations

import getpass
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liteimages.audit.models import AuditEvent
from liteimages.identity.principal import Principal


@dataclass(frozen=True)
class Actor:
    """The author of a change: an authenticated principal, or the operator's CLI."""

    user_id: str
    name: str
    account_id: str
    via: str
    principal: Principal | None = None
    access_key: str | None = None
    request_id: str | None = None

    @classmethod
    def of(cls, principal: Principal, access_key: str | None, request_id: str) -> Actor:
        """Return the actor of an API request."""
        return cls(
            user_id=principal.user_id,
            name=f"{principal.account_name}/{principal.user_name}",
            account_id=principal.account_id,
            via="api",
            principal=principal,
            access_key=access_key,
            request_id=request_id,
        )

    @classmethod
    def operator(cls) -> Actor:
        """Return the actor of a CLI command run on the database directly."""
        return cls(user_id="cli", name=f"cli:{getpass.getuser()}", account_id="", via="cli")


@dataclass(frozen=True)
class AuditFilter:
    """The criteria of an audit query; every field is optional."""

    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    action: str | None = None
    actor_account_id: str | None = None
    limit: int = 100
    offset: int = 0


def record(
    session: Session,
    actor: Actor,
    action: str,
    resource_type: str,
    resource_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> None:
    """Add one event to the caller's transaction; `before` and `after` hold no secrets."""
    session.add(
        AuditEvent(
            actor_user_id=actor.user_id,
            actor_name=actor.name,
            actor_account_id=actor.account_id,
            access_key=actor.access_key,
            via=actor.via,
            request_id=actor.request_id,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            before=dict(before) if before is not None else None,
            after=dict(after) if after is not None else None,
        )
    )


def list_events(session: Session, where: AuditFilter) -> Sequence[AuditEvent]:
    """Return matching events, oldest first."""
    query = select(AuditEvent)
    if where.since is not None:
        query = query.where(AuditEvent.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEvent.at < where.until)
    if where.actor is not None:
        query = query.where(
            (AuditEvent.actor_user_id == where.actor) | (AuditEvent.actor_name == where.actor)
        )
    if where.resource_type is not None:
        query = query.where(AuditEvent.resource_type == where.resource_type)
    if where.resource_id is not None:
        query = query.where(AuditEvent.resource_id == where.resource_id)
    if where.action is not None:
        query = query.where(AuditEvent.action == where.action)
    if where.actor_account_id is not None:
        query = query.where(AuditEvent.actor_account_id == where.actor_account_id)
    query = query.order_by(AuditEvent.id).limit(where.limit).offset(where.offset)
    return session.scalars(query).all()
