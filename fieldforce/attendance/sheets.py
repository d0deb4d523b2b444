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
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from psycopg2.extras import execute_values
from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.orm import Session

from fieldforce.attendance.inputs import days_between, inputs_for, read_shared
from fieldforce.attendance.judge import judge_day
from fieldforce.attendance.models import AttendanceDay
from fieldforce.errors import Invalid
from fieldforce.org.models import Staff, staff_below_unit, units_below
from fieldforce.org.scope import Actor
from fieldforce.pagination import paginate
from fieldforce.tenancy.models import Module, Tenant

MAX_DAYS = 62
BATCH = 200  # people computed together: their inputs read at once, their rows written at once
TODAY_FRESH_FOR = timedelta(minutes=5)

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
    shared = read_shared(session, tenant, list(wanted), first, last)
    rows = []
    for staff, days in wanted.values():
        inputs = inputs_for(session, staff, tenant, shared, min(days), max(days), now)
        rows += [
            {
                "tenant_id": staff.tenant_id,
                "staff_id": staff.id,
                "day": day,
                "locked": False,
                **judge_day(day, inputs, now),
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
    days = days_between(first, last)
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
