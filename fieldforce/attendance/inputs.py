"""What a person's days on the sheet rest on: their duty plan, attendances (from punches,
or from fixes where the tenant says so), field and corrected punches, approved leave and
trips, holidays and the monitor's events. A group of people is read with one query per
kind for all of them; only the duty plan is read person by person."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.attendance import fromfixes
from fieldforce.attendance.fromfixes import Stay
from fieldforce.attendance.models import Attendance, Punch, Source
from fieldforce.duty.models import DutyException, ExceptionKind
from fieldforce.duty.plan import DutyPlan
from fieldforce.duty.service import plan_for
from fieldforce.leave.models import LeaveRequest, LeaveStatus, LeaveType
from fieldforce.monitoring.models import ZoneEvent
from fieldforce.org.models import Staff
from fieldforce.tenancy.models import Tenant, TenantSettings
from fieldforce.travel.models import ClaimStatus, TravelClaim


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


TRIP_STATUSES = (ClaimStatus.APPROVED.value, ClaimStatus.PAID.value)


@dataclass(frozen=True)
class Inputs:
    """What one person's day rests on, read once for a range of days."""

    tz: ZoneInfo
    settings: TenantSettings
    plan: DutyPlan
    attendances: Sequence[Stay]  # from punches, or from fixes where the tenant says so
    field_punch_ids: set[uuid.UUID]
    corrected_punch_ids: set[uuid.UUID]  # punches made by approved corrections
    leave: dict[date, tuple[str, str]]  # day → (type code, part)
    trips: dict[date, uuid.UUID]  # day → claim id
    holidays: set[date]  # days off that are not leave
    events: Sequence[ZoneEvent]


def utc_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


@dataclass
class Shared:
    """What a group of people's days rest on, read with one query per kind for all."""

    attendances: dict[uuid.UUID, list[Attendance]]
    field_ids: set[uuid.UUID]
    corrected_ids: set[uuid.UUID]
    leave: dict[uuid.UUID, dict[date, tuple[str, str]]]
    trips: dict[uuid.UUID, dict[date, uuid.UUID]]
    events: dict[uuid.UUID, list[ZoneEvent]]


def read_shared(
    session: Session, tenant: Tenant, ids: list[uuid.UUID], first: date, last: date
) -> Shared:
    tz = ZoneInfo(tenant.timezone)
    start, end = utc_midnight(first, tz), utc_midnight(last + timedelta(days=1), tz)
    attendances: dict[uuid.UUID, list[Attendance]] = {}
    for a in session.scalars(
        select(Attendance).where(
            Attendance.tenant_id == tenant.id,
            Attendance.staff_id.in_(ids),
            Attendance.day >= first,
            Attendance.day <= last,
        )
    ):
        attendances.setdefault(a.staff_id, []).append(a)
    marked = session.execute(
        select(Punch.id, Punch.field, Punch.source).where(
            Punch.tenant_id == tenant.id,
            Punch.staff_id.in_(ids),
            Punch.punched_at >= start - timedelta(days=1),
            Punch.punched_at < end + timedelta(days=1),
            Punch.field.is_(True) | (Punch.source == Source.CORRECTION.value),
        )
    ).all()
    events: dict[uuid.UUID, list[ZoneEvent]] = {}
    for e in session.scalars(
        select(ZoneEvent).where(
            ZoneEvent.tenant_id == tenant.id,
            ZoneEvent.staff_id.in_(ids),
            ZoneEvent.retracted_at.is_(None),
            ZoneEvent.type.in_(("off_zone", "no_signal")),
            ZoneEvent.started_at < end + timedelta(days=1),
            (ZoneEvent.ended_at.is_(None)) | (ZoneEvent.ended_at > start),
        )
    ):
        events.setdefault(e.staff_id, []).append(e)
    return Shared(
        attendances,
        {p.id for p in marked if p.field},
        {p.id for p in marked if p.source == Source.CORRECTION.value},
        _leave(session, tenant.id, ids, first, last),
        _trips(session, tenant.id, ids, first, last),
        events,
    )


def inputs_for(
    session: Session,
    staff: Staff,
    tenant: Tenant,
    shared: Shared,
    first: date,
    last: date,
    now: datetime,
) -> Inputs:
    tz = ZoneInfo(tenant.timezone)
    start, end = utc_midnight(first, tz), utc_midnight(last + timedelta(days=1), tz)
    plan = plan_for(session, staff, start - timedelta(days=1), end + timedelta(days=1))
    attendances = shared.attendances.get(staff.id, [])
    stays = [
        Stay(a.day, a.in_at, a.out_at, a.in_punch_id, a.out_punch_id, a.closed_automatically)
        for a in attendances
    ]
    settings = tenant.effective_settings
    if fromfixes.applies_to(session, staff, settings.attendance_from_fixes):
        punched = {a.day for a in attendances}
        days = [d for d in days_between(first, last) if d not in punched]
        shifts = fromfixes.by_day(days, plan.shifts(start - timedelta(hours=12), end))
        stays += fromfixes.stays(session, staff, shifts, settings.accuracy_limit_m, now)
    return Inputs(
        tz,
        settings,
        plan,
        stays,
        shared.field_ids,
        shared.corrected_ids,
        shared.leave.get(staff.id, {}),
        shared.trips.get(staff.id, {}),
        _holidays(session, staff, plan, first, last),
        shared.events.get(staff.id, []),
    )


def _leave(
    session: Session, tenant_id: uuid.UUID, ids: list[uuid.UUID], first: date, last: date
) -> dict[uuid.UUID, dict[date, tuple[str, str]]]:
    rows = session.execute(
        select(LeaveRequest.staff_id, LeaveRequest.parts, LeaveType.code)
        .join(
            LeaveType,
            (LeaveType.tenant_id == LeaveRequest.tenant_id)
            & (LeaveType.id == LeaveRequest.leave_type_id),
        )
        .where(
            LeaveRequest.tenant_id == tenant_id,
            LeaveRequest.staff_id.in_(ids),
            LeaveRequest.status == LeaveStatus.APPROVED.value,
            LeaveRequest.start <= last,
            LeaveRequest.end >= first,
        )
    ).all()
    out: dict[uuid.UUID, dict[date, tuple[str, str]]] = {}
    for staff_id, parts, code in rows:
        mine = out.setdefault(staff_id, {})
        for part in parts:
            day = date.fromisoformat(part["day"])
            if first <= day <= last:
                before = mine.get(day)
                mine[day] = (code, "full" if before and before[1] != part["part"] else part["part"])
    return out


def _trips(
    session: Session, tenant_id: uuid.UUID, ids: list[uuid.UUID], first: date, last: date
) -> dict[uuid.UUID, dict[date, uuid.UUID]]:
    out: dict[uuid.UUID, dict[date, uuid.UUID]] = {}
    for claim in session.scalars(
        select(TravelClaim).where(
            TravelClaim.tenant_id == tenant_id,
            TravelClaim.requester_id.in_(ids),
            TravelClaim.status.in_(TRIP_STATUSES),
            TravelClaim.start_date <= last,
            TravelClaim.end_date >= first,
        )
    ):
        mine = out.setdefault(claim.requester_id, {})
        day = max(claim.start_date, first)
        while day <= min(claim.end_date, last):
            mine.setdefault(day, claim.id)
            day += timedelta(days=1)
    return out


def _holidays(session: Session, staff: Staff, plan: DutyPlan, first: date, last: date) -> set[date]:
    """Days the plan has off by an exception not made by leave (public holidays, a unit's
    day off)."""
    off = {d for d, rule in plan.exceptions.items() if rule.off and first <= d <= last}
    if not off:
        return set()
    by_leave = set(
        session.scalars(
            select(DutyException.day).where(
                DutyException.tenant_id == staff.tenant_id,
                DutyException.staff_id == staff.id,
                DutyException.kind == ExceptionKind.OFF.value,
                DutyException.source == "leave",
                DutyException.day.in_(off),
            )
        )
    )
    return off - by_leave
