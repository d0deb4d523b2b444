"""Telling monitoring that duty plans, zones or thresholds changed for some people."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, any_, literal, select, update
from sqlalchemy.orm import Session

from fieldforce.monitoring.models import MonitorState
from fieldforce.org.models import staff_below_unit
from fieldforce.zones.models import ZoneAssignment

AT_ONCE = datetime(2000, 1, 1, tzinfo=UTC)  # before any sweep's now: due at the next one


def mark_stale(
    session: Session,
    tenant_id: uuid.UUID,
    *,
    staff_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    zone_id: uuid.UUID | None = None,
) -> None:
    """Duty plans, zones or thresholds changed for some people (everyone in the tenant when
    no target is given): their running shift is judged again at the next sweep or fix."""
    where: ColumnElement[bool] = MonitorState.tenant_id == tenant_id
    if staff_id is not None:
        where &= MonitorState.staff_id == staff_id
    elif org_unit_id is not None:
        where &= MonitorState.staff_id.in_(staff_below_unit(tenant_id, org_unit_id))
    elif zone_id is not None:
        where &= literal(zone_id) == any_(MonitorState.zone_ids)
    session.execute(
        update(MonitorState)
        .where(where)
        .values(stale=True, next_check_at=AT_ONCE)
        .execution_options(synchronize_session=False)
    )


def mark_zone_stale(session: Session, tenant_id: uuid.UUID, zone_id: uuid.UUID) -> None:
    """A zone changed: everyone judged against it, and everyone assigned to it."""
    mark_stale(session, tenant_id, zone_id=zone_id)
    for staff_id, unit_id in session.execute(
        select(ZoneAssignment.staff_id, ZoneAssignment.org_unit_id).where(
            ZoneAssignment.tenant_id == tenant_id, ZoneAssignment.zone_id == zone_id
        )
    ):
        mark_stale(session, tenant_id, staff_id=staff_id, org_unit_id=unit_id)
