"""The daily sheet: each person's day in the tenant's time zone, computed from their
shifts, attendances, approved leave, approved trips and the monitor's events.

A day is computed when first asked for and again when it is stale (something it rests on
changed: a punch, late fixes of that day, leave or a trip decided, a schedule, exception
or zone changed) or, for today, when it is more than a few minutes old. Each row says when
it was computed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from psycopg2.extras import execute_values
from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.orm import Session

from fieldforce.attendance import fromfixes
from fieldforce.attendance.fromfixes import Stay
from fieldforce.attendance.models import Attendance, AttendanceDay, DayStatus, Punch, Source
from fieldforce.duty.models import DutyException, ExceptionKind
from fieldforce.duty.plan import DutyPlan, Shift
from fieldforce.duty.service import plan_for
from fieldforce.errors import Invalid
from fieldforce.leave.models import LeaveRequest, LeaveStatus, LeaveType
from fieldforce.monitoring.models import ZoneEvent
from fieldforce.org.models import Staff, staff_below_unit, units_below
from fieldforce.org.scope import Actor
from fieldforce.pagination import paginate
from fieldforce.tenancy.models import Module, Tenant, TenantSettings
from fieldforce.travel.models import ClaimStatus, TravelClaim

MAX_DAYS = 62
BATCH = 200  # people computed together: their inputs read at once, their rows written at once
TODAY_FRESH_FOR = timedelta(minutes=5)
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


def _utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


@dataclass
class _Shared:
    """What a group of people's days rest on, read with one query per kind for all."""

    attendances: dict[uuid.UUID, list[Attendance]]
    field_ids: set[uuid.UUID]
    corrected_ids: set[uuid.UUID]
    leave: dict[uuid.UUID, dict[date, tuple[str, str]]]
    trips: dict[uuid.UUID, dict[date, uuid.UUID]]
    events: dict[uuid.UUID, list[ZoneEvent]]


def _shared(
    session: Session, tenant: Tenant, ids: list[uuid.UUID], first: date, last: date
) -> _Shared:
    tz = ZoneInfo(tenant.timezone)
    start, end = _utc(first, tz), _utc(last + timedelta(days=1), tz)
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
    return _Shared(
        attendances,
        {p.id for p in marked if p.field},
        {p.id for p in marked if p.source == Source.CORRECTION.value},
        _leave(session, tenant.id, ids, first, last),
        _trips(session, tenant.id, ids, first, last),
        events,
    )


def _inputs(
    session: Session,
    staff: Staff,
    tenant: Tenant,
    shared: _Shared,
    first: date,
    last: date,
    now: datetime,
) -> Inputs:
    tz = ZoneInfo(tenant.timezone)
    start, end = _utc(first, tz), _utc(last + timedelta(days=1), tz)
    plan = plan_for(session, staff, start - timedelta(days=1), end + timedelta(days=1))
    attendances = shared.attendances.get(staff.id, [])
    stays = [
        Stay(a.day, a.in_at, a.out_at, a.in_punch_id, a.out_punch_id, a.closed_automatically)
        for a in attendances
    ]
    settings = tenant.effective_settings
    if fromfixes.applies_to(session, staff, settings.attendance_from_fixes):
        punched = {a.day for a in attendances}
        days = [d for d in _days(first, last) if d not in punched]
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


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> timedelta:
    return max(timedelta(0), min(a1, b1) - max(a0, b0))


def _judge_day(day: date, inputs: Inputs, now: datetime) -> dict[str, object]:
    """The sheet's row for one day, as column values."""
    s = inputs.settings
    shifts: list[Shift] = [
        x
        for x in inputs.plan.shifts(
            _utc(day, inputs.tz) - timedelta(hours=12), _utc(day, inputs.tz) + timedelta(days=1)
        )
        if x.day == day
    ]
    stays = sorted((a for a in inputs.attendances if a.day == day), key=lambda a: a.in_at)
    flags: list[str] = []
    first_in = stays[0].in_at if stays else None
    outs = [a.out_at for a in stays if a.out_at is not None]
    last_out = max(outs) if outs else None
    worked = timedelta(0)
    for a in stays:
        end = a.out_at or min(now, shifts[-1].end if shifts else now)
        worked += max(timedelta(0), end - a.in_at)
        if a.from_fixes:
            flags.append("from_fixes")
        elif a.out_at is None:
            flags.append("no_clock_out")
        elif a.closed_automatically:
            flags.append("auto_clock_out")
    if any(a.in_punch_id in inputs.field_punch_ids for a in stays):
        flags.append("field")
    if any({a.in_punch_id, a.out_punch_id} & inputs.corrected_punch_ids for a in stays):
        flags.append("corrected")
    row: dict[str, object] = {
        "shift_start": shifts[0].start if shifts else None,
        "shift_end": shifts[-1].end if shifts else None,
        "first_in": first_in,
        "last_out": last_out,
        "worked_minutes": _minutes(worked),
        "late_minutes": 0,
        "early_minutes": 0,
        "leave_type": None,
        "leave_part": None,
        "claim_id": inputs.trips.get(day),
    }
    row.update(_monitored(shifts, inputs.events, now))
    leave = inputs.leave.get(day)
    if leave is not None:
        row["leave_type"], row["leave_part"] = leave
    if leave is not None and leave[1] == "full":
        return {**row, "status": DayStatus.ON_LEAVE.value, "flags": flags}
    if day in inputs.trips:
        return {**row, "status": DayStatus.BUSINESS_TRIP.value, "flags": flags}
    if not shifts:
        if stays:
            flags.append("worked_day_off")
        status = DayStatus.HOLIDAY if day in inputs.holidays else DayStatus.REST_DAY
        return {**row, "status": status.value, "flags": flags}
    expected_start, expected_end = shifts[0].start, shifts[-1].end
    if leave is not None:  # half a day of leave: the other half is expected
        middle = expected_start + (expected_end - expected_start) / 2
        if leave[1] == "am":
            expected_start = middle
        else:
            expected_end = middle
        flags.append("half_day_leave")
    late_grace = timedelta(minutes=s.attendance_late_grace_min)
    early_grace = timedelta(minutes=s.attendance_early_grace_min)
    if first_in is not None and first_in > expected_start + late_grace:
        row["late_minutes"] = _minutes(first_in - expected_start)
    if last_out is not None and last_out < expected_end - early_grace:
        row["early_minutes"] = _minutes(expected_end - last_out)
    if now < expected_end:
        flags.append("in_progress")
    return {**row, "status": _status(row, flags, s), "flags": flags}


def _status(row: dict[str, object], flags: list[str], s: TenantSettings) -> str:
    worked = int(str(row["worked_minutes"]))
    if row["first_in"] is None:
        return DayStatus.ABSENT.value  # so far, for a day still in progress
    if "field" in flags:
        return DayStatus.PRESENT.value  # field work is never counted absent
    ended = row["last_out"] is not None
    if ended and worked < s.attendance_absent_below_min:
        return DayStatus.ABSENT.value
    if ended and worked < s.attendance_half_day_below_min and "half_day_leave" not in flags:
        return DayStatus.HALF_DAY.value
    if row["late_minutes"]:
        if row["early_minutes"]:
            flags.append("early_leave")
        return DayStatus.LATE.value
    if row["early_minutes"]:
        return DayStatus.EARLY_LEAVE.value
    return DayStatus.PRESENT.value


def _monitored(
    shifts: Sequence[Shift], events: Sequence[ZoneEvent], now: datetime
) -> dict[str, int]:
    """Minutes of the shifts off zone and without signal (the monitor's events), and in
    zone for the rest of what has passed of them."""
    off = no_signal = passed = timedelta(0)
    for shift in shifts:
        until = min(shift.end, now)
        if until <= shift.start:
            continue
        passed += until - shift.start
        for e in events:
            overlap = _overlap(e.started_at, e.ended_at or now, shift.start, until)
            if e.type == "off_zone":
                off += overlap
            else:
                no_signal += overlap
    return {
        "off_zone_minutes": _minutes(off),
        "no_signal_minutes": _minutes(no_signal),
        "in_zone_minutes": _minutes(passed - off - no_signal),
    }


# computing and reading --------------------------------------------------------------------

_COMPUTED = (
    "status",
    "flags",
    "shift_start",
    "shift_end",
    "first_in",
    "last_out",
    "worked_minutes",
    "late_minutes",
    "early_minutes",
    "in_zone_minutes",
    "off_zone_minutes",
    "no_signal_minutes",
    "leave_type",
    "leave_part",
    "claim_id",
    "stale",
    "computed_at",
)


_COLUMNS = ("tenant_id", "staff_id", "day", "locked", *_COMPUTED)
_CASTS = {"tenant_id": "::uuid", "staff_id": "::uuid", "claim_id": "::uuid", "flags": "::varchar[]"}
# the locked flag is not in the update: a closed month's day stays locked when recomputed
_UPSERT = " ".join(
    (
        f"INSERT INTO attendance_day ({', '.join(_COLUMNS)}) VALUES %s",  # noqa: S608 - constants
        "ON CONFLICT (tenant_id, staff_id, day) DO UPDATE SET",
        ", ".join(f"{c} = EXCLUDED.{c}" for c in _COMPUTED),
    )
)
_TEMPLATE = "(" + ", ".join(f"%({c})s{_CASTS.get(c, '')}" for c in _COLUMNS) + ")"


def _store(session: Session, rows: list[dict[str, object]]) -> None:
    """Rows written over what was there, a thousand per statement (the ORM's bulk upsert
    sends them one by one)."""
    for row in rows:
        for key in ("tenant_id", "staff_id", "claim_id"):
            row[key] = None if row[key] is None else str(row[key])
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        execute_values(cursor, _UPSERT, rows, template=_TEMPLATE, page_size=1000)
    finally:
        cursor.close()


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def compute(
    session: Session, staff: Staff, tenant: Tenant, days: Sequence[date], now: datetime
) -> None:
    """These days of one person computed and stored (written over what was there)."""
    compute_many(session, tenant, {staff.id: (staff, list(days))}, now)


def compute_many(
    session: Session,
    tenant: Tenant,
    wanted: dict[uuid.UUID, tuple[Staff, list[date]]],
    now: datetime,
) -> None:
    """The days of these people computed and stored (written over what was there): one
    query per kind of input for all of them, one statement for the rows."""
    wanted = {k: v for k, v in wanted.items() if v[1]}
    if not wanted:
        return
    first = min(min(days) for _, days in wanted.values())
    last = max(max(days) for _, days in wanted.values())
    shared = _shared(session, tenant, list(wanted), first, last)
    rows = []
    for staff, days in wanted.values():
        inputs = _inputs(session, staff, tenant, shared, min(days), max(days), now)
        rows += [
            {
                "tenant_id": staff.tenant_id,
                "staff_id": staff.id,
                "day": day,
                "locked": False,
                **_judge_day(day, inputs, now),
                "stale": False,
                "computed_at": now,
            }
            for day in days
        ]
    _store(session, rows)


def _to_compute(
    session: Session,
    staff_ids: Sequence[uuid.UUID],
    tenant_id: uuid.UUID,
    days: list[date],
    today: date,
    now: datetime,
) -> dict[uuid.UUID, list[date]]:
    """The days of each person missing from the sheet, stale, or today's and not fresh
    (a locked day is as it was when its month was closed)."""
    fresh = {
        (staff_id, day)
        for staff_id, day, stale, locked, computed_at in session.execute(
            select(
                AttendanceDay.staff_id,
                AttendanceDay.day,
                AttendanceDay.stale,
                AttendanceDay.locked,
                AttendanceDay.computed_at,
            ).where(
                AttendanceDay.tenant_id == tenant_id,
                AttendanceDay.staff_id.in_(staff_ids),
                AttendanceDay.day >= days[0],
                AttendanceDay.day <= days[-1],
            )
        )
        if locked or (not stale and (day < today or computed_at > now - TODAY_FRESH_FOR))
    }
    return {s: [d for d in days if (s, d) not in fresh] for s in staff_ids}


def ensure(
    session: Session, tenant: Tenant, people: Sequence[Staff], days: list[date], now: datetime
) -> None:
    """The days of these people on the sheet, computed where missing, stale or not fresh."""
    if not people or not days:
        return
    today = now.astimezone(ZoneInfo(tenant.timezone)).date()
    by_id = {p.id: p for p in people}
    wanted = _to_compute(session, list(by_id), tenant.id, days, today, now)
    todo = [(person_id, days) for person_id, days in wanted.items() if days]
    for k in range(0, len(todo), BATCH):
        batch = {person_id: (by_id[person_id], days) for person_id, days in todo[k : k + BATCH]}
        compute_many(session, tenant, batch, now)
    session.flush()


def people_in_scope(
    session: Session, actor: Actor, staff_id: uuid.UUID | None, org_unit_id: uuid.UUID | None
) -> Select[Staff]:
    stmt = select(Staff).where(actor.staff_clause())
    if staff_id is not None:
        actor.visible_staff(session, staff_id)
        stmt = stmt.where(Staff.id == staff_id)
    if org_unit_id is not None:
        unit = actor.visible_unit(session, org_unit_id)
        stmt = stmt.where(Staff.org_unit_id.in_(units_below(unit.tenant_id, unit.path)))
    return stmt


def check_period(first: date, last: date, today: date) -> None:
    """A range of days of the sheet: in order, at most MAX_DAYS, today at the latest."""
    if last < first:
        raise Invalid("'to' is before 'from'", code="invalid_period")
    if (last - first).days + 1 > MAX_DAYS:
        raise Invalid(f"at most {MAX_DAYS} days at once", code="invalid_period")
    if last > today:
        raise Invalid("the period ends today at the latest", code="invalid_period")


@dataclass(frozen=True)
class SheetPage:
    items: list[AttendanceDay]
    next_cursor: str | None


def sheet(
    session: Session,
    actor: Actor,
    first: date,
    last: date,
    *,
    staff_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    limit: int,
    cursor: str | None,
    now: datetime | None = None,
) -> SheetPage:
    """Days ``first``..``last`` (at most 62, none after today) of the people in scope, by
    person then day; a page holds whole people (``limit`` days, at least one person).
    Days missing, stale or not fresh are computed first."""
    actor.require_module(Module.ATTENDANCE.value)
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    now = now or datetime.now(UTC)
    today = now.astimezone(ZoneInfo(tenant.timezone)).date()
    check_period(first, last, today)
    days = _days(first, last)
    people = paginate(
        session,
        people_in_scope(session, actor, staff_id, org_unit_id),
        [Staff.id],
        limit=max(1, limit // len(days)),
        cursor=cursor,
    )
    by_id = {p.id: p for p in people.items}
    ensure(session, tenant, people.items, days, now)
    rows = session.scalars(
        select(AttendanceDay)
        .where(
            AttendanceDay.tenant_id == actor.tenant_id,
            AttendanceDay.staff_id.in_(list(by_id)),
            AttendanceDay.day >= first,
            AttendanceDay.day <= last,
        )
        .order_by(AttendanceDay.staff_id, AttendanceDay.day)
        .execution_options(populate_existing=True)
    )
    return SheetPage(list(rows), people.next_cursor)


def mark_stale(
    session: Session,
    tenant_id: uuid.UUID,
    *,
    staff_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    first: date | None = None,
    last: date | None = None,
) -> None:
    """Days something changed under: computed again when next read. One UPDATE; nothing
    happens for days never computed, nor for days of a closed month."""
    where: ColumnElement[bool] = AttendanceDay.tenant_id == tenant_id
    if staff_id is not None:
        where &= AttendanceDay.staff_id == staff_id
    elif org_unit_id is not None:
        where &= AttendanceDay.staff_id.in_(staff_below_unit(tenant_id, org_unit_id))
    if first is not None:
        where &= AttendanceDay.day >= first
    if last is not None:
        where &= AttendanceDay.day <= last
    session.execute(
        update(AttendanceDay)
        .where(where, AttendanceDay.stale.is_(False), AttendanceDay.locked.is_(False))
        .values(stale=True)
        .execution_options(synchronize_session=False)
    )
