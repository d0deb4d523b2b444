"""Duty schedules and exceptions, and the duty plan of one person: their own schedule,
else the nearest org unit's up the tree, else the tenant's default week."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.changes import UNSET, Changes, Unset
from fieldforce.db import refuse_clash
from fieldforce.duty.models import DutyException, DutySchedule, ExceptionKind
from fieldforce.duty.plan import DayRule, DutyPlan, Period
from fieldforce.errors import Conflict, Invalid, NotFound
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.models import DutyPeriod, Tenant
from fieldforce.tenancy.service import check_timezone
from fieldforce.zones.assignments import ancestor_units
from fieldforce.zones.service import require_target

_WEEK = TypeAdapter(list[DutyPeriod])
MAX_PERIODS = 50


def check_periods(raw: list[dict[str, Any]], *, weekly: bool) -> list[dict[str, Any]]:
    """Periods as stored: weekday (weekly only), start and end "HH:MM"; end "24:00" is
    midnight, an end before the start crosses midnight, an end equal to the start is refused."""
    items = [{"weekday": 0, **p} for p in raw] if not weekly else raw
    try:
        periods = _WEEK.validate_python(items)
    except ValidationError as exc:
        raise Invalid.from_validation("invalid duty periods", "invalid_periods", exc) from exc
    if len(periods) > MAX_PERIODS:
        raise Invalid(f"at most {MAX_PERIODS} periods", code="invalid_periods")
    for p in periods:
        if p.start == p.end:
            raise Invalid(
                f"a period may not start and end at the same time ({p.start})",
                code="invalid_periods",
            )
    dumped = [p.model_dump() for p in periods]
    return dumped if weekly else [{"start": p["start"], "end": p["end"]} for p in dumped]


def _schedule_clause(actor: Actor) -> ColumnElement[bool]:
    return (DutySchedule.tenant_id == actor.tenant_id) & or_(
        DutySchedule.staff_id.in_(select(Staff.id).where(actor.staff_clause())),
        DutySchedule.org_unit_id.in_(select(OrgUnit.id).where(actor.unit_clause())),
    )


# --- schedules ---


def create_schedule(
    session: Session,
    actor: Actor,
    *,
    staff_id: uuid.UUID | None,
    org_unit_id: uuid.UUID | None,
    timezone: str,
    weekly: list[dict[str, Any]],
    name: str = "",
) -> DutySchedule:
    require_target(session, actor, staff_id, org_unit_id)
    existing = session.scalar(
        select(DutySchedule.id).where(
            DutySchedule.tenant_id == actor.tenant_id,
            DutySchedule.staff_id == staff_id
            if staff_id
            else DutySchedule.org_unit_id == org_unit_id,
        )
    )
    if existing is not None:
        raise Conflict(
            "they already have a schedule: change it with PATCH",
            code="duplicate_schedule",
            details={"schedule_id": str(existing)},
        )
    schedule = DutySchedule(
        tenant_id=actor.tenant_id,
        id=uuid.uuid4(),
        staff_id=staff_id,
        org_unit_id=org_unit_id,
        name=name,
        timezone=check_timezone(timezone),
        weekly=check_periods(weekly, weekly=True),
    )
    session.add(schedule)
    session.flush()
    audit.record_by(
        session,
        actor,
        "schedule.create",
        "duty_schedule",
        schedule.id,
        {"timezone": timezone, "weekly": schedule.weekly, "name": name},
    )
    return schedule


def get_schedule(session: Session, actor: Actor, schedule_id: uuid.UUID) -> DutySchedule:
    schedule = session.scalar(
        select(DutySchedule).where(DutySchedule.id == schedule_id, _schedule_clause(actor))
    )
    if schedule is None:
        raise NotFound("no such schedule", details={"schedule_id": str(schedule_id)})
    return schedule


@dataclass(frozen=True)
class ScheduleChanges(Changes):
    """What a schedule update changes; fields left UNSET stay as they are."""

    name: str | Unset = UNSET
    timezone: str | Unset = UNSET
    weekly: list[dict[str, Any]] | Unset = UNSET


def update_schedule(
    session: Session, actor: Actor, schedule_id: uuid.UUID, changes: ScheduleChanges
) -> DutySchedule:
    schedule = get_schedule(session, actor, schedule_id)
    require_target(session, actor, schedule.staff_id, schedule.org_unit_id)
    values: dict[str, object] = {}
    if not isinstance(changes.timezone, Unset):
        values["timezone"] = check_timezone(changes.timezone)
    if not isinstance(changes.weekly, Unset):
        values["weekly"] = check_periods(changes.weekly, weekly=True)
    if not isinstance(changes.name, Unset):
        values["name"] = changes.name
    before = {k: getattr(schedule, k) for k in values}
    for key, value in values.items():
        setattr(schedule, key, value)
    session.flush()
    audit.record_by(
        session,
        actor,
        "schedule.update",
        "duty_schedule",
        schedule.id,
        {k: {"from": before[k], "to": v} for k, v in values.items() if before[k] != v},
    )
    return schedule


def delete_schedule(session: Session, actor: Actor, schedule_id: uuid.UUID) -> DutySchedule:
    """Returns the schedule deleted (whom it concerned)."""
    schedule = get_schedule(session, actor, schedule_id)
    require_target(session, actor, schedule.staff_id, schedule.org_unit_id)
    session.delete(schedule)
    session.flush()
    audit.record_by(session, actor, "schedule.delete", "duty_schedule", schedule_id, {})
    return schedule


def list_schedules(
    session: Session, actor: Actor, *, limit: int, cursor: str | None
) -> Page[DutySchedule]:
    stmt = select(DutySchedule).where(_schedule_clause(actor))
    return paginate(
        session, stmt, [DutySchedule.created_at, DutySchedule.id], limit=limit, cursor=cursor
    )


# --- exceptions ---


def create_exception(
    session: Session,
    actor: Actor,
    *,
    day: date,
    kind: str,
    staff_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    periods: list[dict[str, Any]] | None = None,
    reason: str = "",
) -> DutyException:
    if staff_id is not None and org_unit_id is not None:
        raise Invalid("give at most one of staff_id and org_unit_id", code="one_target")
    if staff_id is None and org_unit_id is None:
        actor.require_admin()  # the whole tenant
    else:
        require_target(session, actor, staff_id, org_unit_id)
    if kind not in {k.value for k in ExceptionKind}:
        raise Invalid("kind is 'off' or 'work'", code="invalid_exception")
    if kind == ExceptionKind.WORK and not periods:
        raise Invalid("a working-day exception needs its periods", code="invalid_exception")
    if kind == ExceptionKind.OFF and periods:
        raise Invalid("a day off has no periods", code="invalid_exception")
    refuse_clash(
        session,
        select(DutyException.id).where(
            DutyException.tenant_id == actor.tenant_id,
            DutyException.day == day,
            DutyException.staff_id.is_not_distinct_from(staff_id),
            DutyException.org_unit_id.is_not_distinct_from(org_unit_id),
        ),
        "there is already an exception for that day",
        code="duplicate_exception",
        name="exception_id",
    )
    exception = DutyException(
        tenant_id=actor.tenant_id,
        id=uuid.uuid4(),
        staff_id=staff_id,
        org_unit_id=org_unit_id,
        day=day,
        kind=kind,
        periods=check_periods(periods or [], weekly=False),
        reason=reason,
        source="manual",
        created_by=actor.staff_id,
    )
    session.add(exception)
    session.flush()
    audit.record_by(
        session,
        actor,
        "duty_exception.create",
        "duty_exception",
        exception.id,
        {"day": day.isoformat(), "kind": kind, "reason": reason},
    )
    return exception


def _exception_clause(actor: Actor) -> ColumnElement[bool]:
    return (DutyException.tenant_id == actor.tenant_id) & or_(
        DutyException.staff_id.in_(select(Staff.id).where(actor.staff_clause())),
        DutyException.org_unit_id.in_(select(OrgUnit.id).where(actor.unit_clause())),
        DutyException.staff_id.is_(None) & DutyException.org_unit_id.is_(None),
    )


def list_exceptions(
    session: Session,
    actor: Actor,
    *,
    start: date | None,
    end: date | None,
    limit: int,
    cursor: str | None,
) -> Page[DutyException]:
    stmt = select(DutyException).where(_exception_clause(actor))
    if start is not None:
        stmt = stmt.where(DutyException.day >= start)
    if end is not None:
        stmt = stmt.where(DutyException.day <= end)
    return paginate(
        session, stmt, [DutyException.day, DutyException.id], limit=limit, cursor=cursor
    )


def delete_exception(session: Session, actor: Actor, exception_id: uuid.UUID) -> DutyException:
    """Returns the exception deleted (whom it concerned)."""
    exception = session.scalar(
        select(DutyException).where(DutyException.id == exception_id, _exception_clause(actor))
    )
    if exception is None:
        raise NotFound("no such exception", details={"exception_id": str(exception_id)})
    if exception.staff_id is None and exception.org_unit_id is None:
        actor.require_admin()
    else:
        require_target(session, actor, exception.staff_id, exception.org_unit_id)
    session.delete(exception)
    session.flush()
    audit.record_by(session, actor, "duty_exception.delete", "duty_exception", exception_id, {})
    return exception


# --- one person's plan ---


def plan_for(session: Session, staff: Staff, start: datetime, end: datetime) -> DutyPlan:
    """The schedule that applies to a staff member, with the exceptions between two times
    (the nearest exception to them wins on each day)."""
    depth = func.nlevel(OrgUnit.path)
    schedule = session.execute(
        select(DutySchedule, depth)
        .outerjoin(
            OrgUnit,
            (OrgUnit.tenant_id == DutySchedule.tenant_id)
            & (OrgUnit.id == DutySchedule.org_unit_id),
        )
        .where(
            DutySchedule.tenant_id == staff.tenant_id,
            or_(
                DutySchedule.staff_id == staff.id,
                ancestor_units(staff, DutySchedule.org_unit_id),
            ),
        )
        .order_by(DutySchedule.staff_id.is_(None), depth.desc().nulls_first())
        .limit(1)
    ).first()
    if schedule is not None:
        s = schedule[0]
        timezone, weekly = s.timezone, s.weekly
        source = "staff" if s.staff_id else "org_unit"
    else:
        tenant = session.get(Tenant, staff.tenant_id)
        assert tenant is not None
        timezone = tenant.timezone
        weekly = [p.model_dump() for p in tenant.effective_settings.default_duty_week]
        source = "tenant"
    first, last = (start - timedelta(days=2)).date(), (end + timedelta(days=2)).date()
    rows = session.execute(
        select(DutyException, depth)
        .outerjoin(
            OrgUnit,
            (OrgUnit.tenant_id == DutyException.tenant_id)
            & (OrgUnit.id == DutyException.org_unit_id),
        )
        .where(
            DutyException.tenant_id == staff.tenant_id,
            DutyException.day.between(first, last),
            or_(
                DutyException.staff_id == staff.id,
                ancestor_units(staff, DutyException.org_unit_id),
                DutyException.staff_id.is_(None) & DutyException.org_unit_id.is_(None),
            ),
        )
    ).all()
    rank: dict[date, tuple[int, DayRule]] = {}
    for exc, level in rows:
        nearness = 10_000 if exc.staff_id else (level or 0)
        rule = DayRule(
            off=exc.kind == ExceptionKind.OFF,
            periods=tuple(Period.parse(p) for p in exc.periods),
        )
        if exc.day not in rank or nearness > rank[exc.day][0]:
            rank[exc.day] = (nearness, rule)
    return DutyPlan(
        timezone,
        tuple(Period.parse(p) for p in weekly),
        {day: rule for day, (_, rule) in rank.items()},
        source,
    )
