"""The monthly attendance grid (月度考勤表): one row per person, one status code per day of
the month, and the month's totals, from the daily sheet (days computed as needed)."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.attendance import periods, sheets
from fieldforce.attendance.models import AttendanceDay, DayStatus
from fieldforce.errors import Invalid
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Module, Tenant

# one letter per status, explained on the grid's legend
CODES: dict[str, str] = {
    DayStatus.PRESENT.value: "P",
    DayStatus.LATE.value: "L",
    DayStatus.EARLY_LEAVE.value: "E",
    DayStatus.HALF_DAY.value: "H",
    DayStatus.ABSENT.value: "A",
    DayStatus.ON_LEAVE.value: "V",
    DayStatus.HOLIDAY.value: "O",
    DayStatus.REST_DAY.value: "R",
    DayStatus.BUSINESS_TRIP.value: "T",
}
LEGEND: list[tuple[str, str, str, str]] = [
    ("P", "present", "出勤", "worked the shift"),
    ("L", "late", "迟到", "first clock-in after the shift's start and the grace"),
    ("E", "early_leave", "早退", "last clock-out before the shift's end less the grace"),
    ("H", "half_day", "半天", "fewer worked minutes than the half-day threshold"),
    ("A", "absent", "旷工", "no clock-in, or fewer worked minutes than the absence threshold"),
    ("V", "on_leave", "请假", "approved leave for the whole day"),
    ("O", "holiday", "节假日", "a day off by a duty exception"),
    ("R", "rest_day", "休息日", "no shift that day"),
    ("T", "business_trip", "出差", "an approved travel claim covers the day"),
    ("*", "corrected", "补卡", "(after a code) a correction was approved for the day"),
]
PRESENT = {DayStatus.PRESENT.value, DayStatus.LATE.value, DayStatus.EARLY_LEAVE.value}


class DayFacts(Protocol):
    """What the grid reads of a day on the sheet."""

    staff_id: uuid.UUID
    status: str
    flags: list[str]
    worked_minutes: int
    leave_type: str | None
    leave_part: str | None
    shift_end: datetime | None
    last_out: datetime | None


_FACTS = (
    AttendanceDay.staff_id,
    AttendanceDay.status,
    AttendanceDay.flags,
    AttendanceDay.worked_minutes,
    AttendanceDay.leave_type,
    AttendanceDay.leave_part,
    AttendanceDay.shift_end,
    AttendanceDay.last_out,
)


@dataclass
class GridRow:
    staff_id: uuid.UUID
    login: str
    name: str
    employee_code: str | None
    org_unit: str
    codes: list[str] = field(default_factory=list)  # one per day; "" after today
    present_days: Decimal = Decimal(0)
    late_days: int = 0
    early_leave_days: int = 0
    absent_days: Decimal = Decimal(0)
    business_trip_days: int = 0
    leave_days: dict[str, Decimal] = field(default_factory=dict)  # by leave type code
    worked_hours: Decimal = Decimal(0)
    overtime_hours: Decimal = Decimal(0)
    corrected_days: int = 0


@dataclass
class Grid:
    month: str
    days: list[date]
    rows: list[GridRow]
    leave_types: list[str]
    computed_at: datetime
    closed_at: datetime | None  # when the month was closed, if it is


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def _add(row: GridRow, d: DayFacts) -> None:
    code = CODES.get(d.status, "?")
    corrected = "corrected" in d.flags
    row.codes.append(code + ("*" if corrected else ""))
    row.corrected_days += corrected
    worked = d.worked_minutes
    row.worked_hours += _hours(worked)
    if d.status in PRESENT:
        row.present_days += 1
    row.late_days += d.status == DayStatus.LATE.value
    row.early_leave_days += d.status == DayStatus.EARLY_LEAVE.value or "early_leave" in d.flags
    if d.status == DayStatus.HALF_DAY.value:
        row.present_days += Decimal("0.5")
        row.absent_days += Decimal("0.5")
    if d.status == DayStatus.ABSENT.value and "in_progress" not in d.flags:
        row.absent_days += 1
    row.business_trip_days += d.status == DayStatus.BUSINESS_TRIP.value
    if d.leave_type:
        share = Decimal(1) if d.leave_part == "full" else Decimal("0.5")
        row.leave_days[d.leave_type] = row.leave_days.get(d.leave_type, Decimal(0)) + share
    row.overtime_hours += _hours(_overtime_minutes(d))


def _overtime_minutes(d: DayFacts) -> int:
    """Work after the shift's end; on a day without a shift, all of it (early arrival is
    not overtime)."""
    if d.shift_end is None:
        return d.worked_minutes
    if d.last_out is None or d.last_out <= d.shift_end:
        return 0
    return int((d.last_out - d.shift_end).total_seconds() // 60)


def monthly_grid(
    session: Session,
    actor: Actor,
    month: str,
    *,
    org_unit_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Grid:
    """The grid of the people in scope (below ``org_unit_id`` when given), by unit and
    name; days after today are left blank."""
    actor.require_module(Module.ATTENDANCE.value)
    first, last = periods.month_bounds(month)
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    now = now or datetime.now(UTC)
    today = now.astimezone(ZoneInfo(tenant.timezone)).date()
    if first > today:
        raise Invalid("the month has not begun", code="invalid_month")
    until = min(last, today)
    people = list(
        session.execute(
            sheets.people_in_scope(session, actor, None, org_unit_id)
            .join(
                OrgUnit, (OrgUnit.tenant_id == Staff.tenant_id) & (OrgUnit.id == Staff.org_unit_id)
            )
            .add_columns(OrgUnit.name)
            .order_by(OrgUnit.name, Staff.name, Staff.id)
        ).all()
    )
    days = [first + timedelta(days=k) for k in range((until - first).days + 1)]
    sheets.ensure(session, tenant, [p for p, _ in people], days, now)
    stored: dict[uuid.UUID, list[DayFacts]] = {}
    for d in session.execute(
        select(*_FACTS)
        .where(
            AttendanceDay.tenant_id == actor.tenant_id,
            AttendanceDay.staff_id.in_([p.id for p, _ in people]),
            AttendanceDay.day >= first,
            AttendanceDay.day <= until,
        )
        .order_by(AttendanceDay.staff_id, AttendanceDay.day)
    ):
        stored.setdefault(d.staff_id, []).append(d)
    rows = []
    leave_types: Counter[str] = Counter()
    all_days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    for person, unit_name in people:
        row = GridRow(person.id, person.login, person.name, person.employee_code, unit_name)
        for facts in stored.get(person.id, []):
            _add(row, facts)
        row.codes += [""] * (len(all_days) - len(row.codes))
        leave_types.update(row.leave_days)
        rows.append(row)
    closed = periods.closed_period(session, actor.tenant_id, first)
    return Grid(
        month, all_days, rows, sorted(leave_types), now, closed.closed_at if closed else None
    )
