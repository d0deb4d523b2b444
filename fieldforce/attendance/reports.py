"""Attendance reports of a team and a period besides the monthly grid: the punch list and
the exceptions (days that need a look: late, early, half, absent, a forgotten clock-out,
punches outside, by a mock location or refused)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from fieldforce.attendance import punches, sheets
from fieldforce.attendance.models import AttendanceDay, DayStatus, Punch, PunchStatus
from fieldforce.errors import Invalid
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Module, Tenant

EXPORT_MAX_ROWS = 100_000
MAX_DAYS = sheets.MAX_DAYS
BAD_STATUSES = (
    DayStatus.LATE.value,
    DayStatus.EARLY_LEAVE.value,
    DayStatus.HALF_DAY.value,
    DayStatus.ABSENT.value,
)
# flags on a day that make it an exception whatever its status
EXCEPTION_FLAGS = ("no_clock_out", "auto_clock_out", "early_leave", "corrected", "after_closing")
PUNCH_FLAGS = ("outside", "mock")


@dataclass(frozen=True)
class ExceptionRow:
    day: date
    staff_id: uuid.UUID
    login: str
    name: str
    org_unit: str
    status: str
    flags: list[str]
    first_in: datetime | None
    last_out: datetime | None
    late_minutes: int
    early_minutes: int
    worked_minutes: int
    refused_punches: int
    flagged_punches: int  # accepted, but outside or from a mock location


@dataclass(frozen=True)
class PunchRow:
    time: datetime
    received_at: datetime | None
    login: str
    name: str
    org_unit: str
    kind: str
    status: str
    reason: str | None
    verdict: str
    basis: str
    distance_m: float | None
    accuracy_m: float | None
    field: bool
    flags: list[str]
    note: str | None
    source: str


def exceptions(
    session: Session,
    actor: Actor,
    first: date,
    last: date,
    *,
    org_unit_id: uuid.UUID | None = None,
    staff_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> list[ExceptionRow]:
    """The days of the people in scope that need a look, by day then unit and name, with
    how many of that day's punches were refused or flagged."""
    actor.require_module(Module.ATTENDANCE.value)
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    now = now or datetime.now(UTC)
    sheets.check_period(first, last, now.astimezone(ZoneInfo(tenant.timezone)).date())
    people = list(session.scalars(sheets.people_in_scope(session, actor, staff_id, org_unit_id)))
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    sheets.ensure(session, tenant, people, days, now)
    tz = ZoneInfo(tenant.timezone)
    counts = _punch_counts(session, actor.tenant_id, [p.id for p in people], first, last, tz)
    rows = session.execute(
        select(AttendanceDay, Staff.login, Staff.name, OrgUnit.name)
        .join(
            Staff,
            (Staff.tenant_id == AttendanceDay.tenant_id) & (Staff.id == AttendanceDay.staff_id),
        )
        .join(OrgUnit, (OrgUnit.tenant_id == Staff.tenant_id) & (OrgUnit.id == Staff.org_unit_id))
        .where(
            AttendanceDay.tenant_id == actor.tenant_id,
            AttendanceDay.staff_id.in_([p.id for p in people]),
            AttendanceDay.day >= first,
            AttendanceDay.day <= last,
        )
        .order_by(AttendanceDay.day, OrgUnit.name, Staff.name, Staff.id)
    ).all()
    out = []
    for d, login, name, unit in rows:
        refused, flagged = counts.get((d.staff_id, d.day), (0, 0))
        if not (refused or flagged) and not _is_exception(d):
            continue
        out.append(
            ExceptionRow(
                d.day,
                d.staff_id,
                login,
                name,
                unit,
                d.status,
                list(d.flags),
                d.first_in,
                d.last_out,
                d.late_minutes,
                d.early_minutes,
                d.worked_minutes,
                refused,
                flagged,
            )
        )
    return out


def _is_exception(d: AttendanceDay) -> bool:
    if d.status in BAD_STATUSES and "in_progress" not in d.flags:
        return True
    return bool(set(d.flags) & set(EXCEPTION_FLAGS))


def _punch_counts(
    session: Session,
    tenant_id: uuid.UUID,
    staff_ids: list[uuid.UUID],
    first: date,
    last: date,
    tz: ZoneInfo,
) -> dict[tuple[uuid.UUID, date], tuple[int, int]]:
    """(refused, flagged) punches per person and local day."""
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    local_day = func.date(func.timezone(tz.key, Punch.punched_at))
    refused = func.count().filter(Punch.status == PunchStatus.REFUSED.value)
    flagged = func.count().filter(
        and_(Punch.status == PunchStatus.ACCEPTED.value, Punch.flags.overlap(list(PUNCH_FLAGS)))
    )
    rows = session.execute(
        select(Punch.staff_id, local_day, refused, flagged)
        .where(
            Punch.tenant_id == tenant_id,
            Punch.staff_id.in_(staff_ids),
            Punch.punched_at >= start,
            Punch.punched_at < end,
        )
        .group_by(Punch.staff_id, local_day)
    ).all()
    return {(s, d): (r, f) for s, d, r, f in rows if r or f}


def punch_list(
    session: Session,
    actor: Actor,
    start: datetime,
    end: datetime,
    *,
    org_unit_id: uuid.UUID | None = None,
    staff_id: uuid.UUID | None = None,
    field_only: bool = False,
    status: str | None = None,
) -> list[PunchRow]:
    """Every punch of the people in scope in ``start``..``end`` (at most 62 days), oldest
    first, with who made it: the punch list to download."""
    if end <= start:
        raise Invalid("'to' is not after 'from'", code="invalid_period")
    if end - start > timedelta(days=MAX_DAYS):
        raise Invalid(f"at most {MAX_DAYS} days at once", code="invalid_period")
    stmt = punches.punches_in_scope(
        session,
        actor,
        staff_id=staff_id,
        org_unit_id=org_unit_id,
        start=start,
        end=end,
        field_only=field_only,
        status=status,
    )
    found = stmt.subquery()
    rows = session.execute(
        select(found, Staff.login, Staff.name.label("staff_name"), OrgUnit.name.label("unit"))
        .join(Staff, (Staff.tenant_id == found.c.tenant_id) & (Staff.id == found.c.staff_id))
        .join(OrgUnit, (OrgUnit.tenant_id == Staff.tenant_id) & (OrgUnit.id == Staff.org_unit_id))
        .order_by(found.c.punched_at, found.c.id)
        .limit(EXPORT_MAX_ROWS + 1)
    ).all()
    if len(rows) > EXPORT_MAX_ROWS:
        raise Invalid(
            f"more than {EXPORT_MAX_ROWS} punches: ask for a shorter period or a smaller team",
            code="too_many_rows",
        )
    return [
        PunchRow(
            r.punched_at,
            r.received_at,
            r.login,
            r.staff_name,
            r.unit,
            r.kind,
            r.status,
            r.reason,
            r.verdict,
            r.basis,
            r.distance_m,
            r.accuracy_m,
            r.field,
            list(r.flags),
            r.note,
            r.source,
        )
        for r in rows
    ]
