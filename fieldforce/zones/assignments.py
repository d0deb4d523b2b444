"""Who should be in which zone: assignments to staff, or to org units and their subtrees."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Uuid, any_, cast, or_, select
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.db import refuse_clash
from fieldforce.errors import Invalid, NotFound
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.zones.models import Zone, ZoneAssignment
from fieldforce.zones.service import managed_zone, require_target, visible_zone


def _check_range(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise Invalid("valid_to is before valid_from", code="invalid_dates")


def _overlaps(valid_from: date | None, valid_to: date | None) -> ColumnElement[bool]:
    return (
        ZoneAssignment.valid_from.is_(None) | (ZoneAssignment.valid_from <= (valid_to or date.max))
    ) & (ZoneAssignment.valid_to.is_(None) | (ZoneAssignment.valid_to >= (valid_from or date.min)))


def assign(
    session: Session,
    actor: Actor,
    zone_id: uuid.UUID,
    *,
    staff_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> ZoneAssignment:
    zone = managed_zone(session, actor, zone_id)
    require_target(session, actor, staff_id, org_unit_id)
    _check_range(valid_from, valid_to)
    target = (
        ZoneAssignment.staff_id == staff_id
        if staff_id is not None
        else ZoneAssignment.org_unit_id == org_unit_id
    )
    refuse_clash(
        session,
        select(ZoneAssignment.id).where(
            ZoneAssignment.tenant_id == actor.tenant_id,
            ZoneAssignment.zone_id == zone.id,
            target,
            _overlaps(valid_from, valid_to),
        ),
        "this zone is already assigned to them for some of these dates",
        code="duplicate_assignment",
        name="assignment_id",
    )
    assignment = ZoneAssignment(
        tenant_id=actor.tenant_id,
        zone_id=zone.id,
        staff_id=staff_id,
        org_unit_id=org_unit_id,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=actor.staff_id,
    )
    session.add(assignment)
    session.flush()
    audit.record_by(
        session,
        actor,
        "zone.assign",
        "zone",
        zone.id,
        {
            "assignment_id": str(assignment.id),
            "staff_id": str(staff_id) if staff_id else None,
            "org_unit_id": str(org_unit_id) if org_unit_id else None,
            "valid_from": valid_from.isoformat() if valid_from else None,
            "valid_to": valid_to.isoformat() if valid_to else None,
        },
    )
    return assignment


def list_assignments(session: Session, actor: Actor, zone_id: uuid.UUID) -> list[ZoneAssignment]:
    zone = visible_zone(session, actor, zone_id)
    return list(
        session.scalars(
            select(ZoneAssignment)
            .where(ZoneAssignment.tenant_id == actor.tenant_id, ZoneAssignment.zone_id == zone.id)
            .order_by(ZoneAssignment.valid_from.nulls_first(), ZoneAssignment.id)
        )
    )


def unassign(
    session: Session, actor: Actor, zone_id: uuid.UUID, assignment_id: uuid.UUID
) -> ZoneAssignment:
    """Returns the assignment deleted (whom it concerned)."""
    zone = managed_zone(session, actor, zone_id)
    assignment = session.scalar(
        select(ZoneAssignment).where(
            ZoneAssignment.tenant_id == actor.tenant_id,
            ZoneAssignment.zone_id == zone.id,
            ZoneAssignment.id == assignment_id,
        )
    )
    if assignment is None:
        raise NotFound("no such assignment", details={"assignment_id": str(assignment_id)})
    if assignment.staff_id is not None:  # as assigning them would be
        actor.require_directs_staff(session, assignment.staff_id)
    session.delete(assignment)
    session.flush()
    audit.record_by(
        session, actor, "zone.unassign", "zone", zone.id, {"assignment_id": str(assignment_id)}
    )
    return assignment


# built once: making aliases per call costs more than the query
_OWN = OrgUnit.__table__.alias("own_unit")
_UP = OrgUnit.__table__.alias("up_unit")


def ancestor_units(staff: Staff, column: Any) -> ColumnElement[bool]:
    """``column`` is one of the org units from the staff member's own up to the root."""
    own, up = _OWN.c, _UP.c
    own_path = (
        select(own.path)
        .where(own.tenant_id == staff.tenant_id, own.id == staff.org_unit_id)
        .scalar_subquery()
    )
    return column.in_(  # type: ignore[no-any-return]
        select(up.id).where(up.tenant_id == staff.tenant_id, up.path.op("@>")(own_path))
    )


def assigned_zones(session: Session, staff: Staff, day: date) -> list[tuple[Zone, ZoneAssignment]]:
    """Active zones assigned to a staff member on a (local) date, directly or through an org
    unit above them, with the assignment that put each there (their own first)."""
    rows = session.execute(
        select(Zone, ZoneAssignment)
        .join(
            ZoneAssignment,
            (ZoneAssignment.tenant_id == Zone.tenant_id) & (ZoneAssignment.zone_id == Zone.id),
        )
        .where(
            Zone.tenant_id == staff.tenant_id,
            Zone.active.is_(True),
            or_(
                ZoneAssignment.staff_id == staff.id,
                ancestor_units(staff, ZoneAssignment.org_unit_id),
            ),
            _overlaps(day, day),
        )
        .order_by(ZoneAssignment.staff_id.is_(None), Zone.name)
    ).all()
    seen: set[uuid.UUID] = set()
    out = []
    for zone, assignment in rows:
        if zone.id not in seen:
            seen.add(zone.id)
            out.append((zone, assignment))
    return out


def unit_zones(
    session: Session, tenant_id: uuid.UUID, unit_ids: Collection[uuid.UUID], day: date
) -> dict[uuid.UUID, list[Zone]]:
    """The active zones that reach each of these units on a (local) date through an
    assignment to the unit or one above it: what ``assigned_zones`` answers for anyone of
    the unit who has no zone of their own, for many units in one query."""
    own, up = _OWN.c, _UP.c
    rows = session.execute(
        select(own.id, Zone)
        .join(_UP, (up.tenant_id == own.tenant_id) & up.path.op("@>")(own.path))
        .join(
            ZoneAssignment,
            (ZoneAssignment.tenant_id == up.tenant_id) & (ZoneAssignment.org_unit_id == up.id),
        )
        .join(
            Zone, (Zone.tenant_id == ZoneAssignment.tenant_id) & (Zone.id == ZoneAssignment.zone_id)
        )
        .where(
            own.tenant_id == tenant_id,
            own.id == any_(cast(list(unit_ids), ARRAY(Uuid))),
            Zone.active.is_(True),
            _overlaps(day, day),
        )
        .order_by(own.id, Zone.name)
    ).all()
    found: dict[uuid.UUID, list[Zone]] = {unit: [] for unit in unit_ids}
    for unit, zone in rows:
        if all(z.id != zone.id for z in found[unit]):
            found[unit].append(zone)
    return found
