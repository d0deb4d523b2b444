"""Writing and reading the audit trail."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.audit.models import AuditEntry
from fieldforce.context import request_id_var
from fieldforce.pagination import Page, paginate


class Signed(Protocol):
    """Who made a change: a signed-in staff member of a tenant (an org ``Actor``; the audit
    trail sits below org and knows nothing else of it)."""

    @property
    def tenant_id(self) -> uuid.UUID: ...

    @property
    def staff_id(self) -> uuid.UUID: ...


def record(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    action: str,
    entity: str,
    entity_id: uuid.UUID | None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        tenant_id=tenant_id,
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        changes=_jsonable(changes or {}),
        request_id=request_id_var.get(),
    )
    session.add(entry)
    return entry


def record_by(
    session: Session,
    actor: Signed,
    action: str,
    entity: str,
    entity_id: uuid.UUID | None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record a change made by a signed-in staff member."""
    return record(
        session,
        tenant_id=actor.tenant_id,
        actor_id=actor.staff_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        changes=changes,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def list_entries(
    session: Session,
    tenant_id: uuid.UUID,
    *,
    entity_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    limit: int,
    cursor: str | None,
) -> Page[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    return paginate(
        session,
        stmt,
        [AuditEntry.at, AuditEntry.id],
        limit=limit,
        cursor=cursor,
        descending=True,
    )
