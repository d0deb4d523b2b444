"""Closing a month (结账): an administrator locks a month's days on the sheet once the
month is over, so the figures HR and finance were given stay what they were.

In a closed month new punches are refused (`period_closed`), and nothing that arrives late
(fixes, leave, schedules) changes a locked day. The way to change one is an approved
correction: it recomputes that day only, which stays locked and is flagged
`after_closing`, and the change is in the audit trail. Reopening takes an administrator
and a reason; the days are then computed afresh when next read.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fieldforce.attendance import sheets
from fieldforce.attendance.models import AttendanceDay, AttendancePeriod
from fieldforce.audit import service as audit
from fieldforce.db import lock_for_transaction
from fieldforce.errors import Conflict, Invalid, NotFound
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Module, Tenant

REASON_MAX = 1000
AFTER_CLOSING = "after_closing"


def month_bounds(text: str) -> tuple[date, date]:
    """The first and last day of a ``YYYY-MM`` month."""
    try:
        first = date.fromisoformat(f"{text}-01") if len(text) == 7 else None
    except ValueError:
        first = None
    if first is None:
        raise Invalid("the month is YYYY-MM", code="invalid_month")
    if not 1970 <= first.year <= 2100:
        raise Invalid("the month is within the years 1970..2100", code="invalid_month")
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def closed_period(session: Session, tenant_id: uuid.UUID, day: date) -> AttendancePeriod | None:
    """The closed month holding ``day``, if it is closed."""
    return session.scalar(
        select(AttendancePeriod).where(
            AttendancePeriod.tenant_id == tenant_id,
            AttendancePeriod.month == day.replace(day=1),
            AttendancePeriod.reopened_at.is_(None),
        )
    )


def list_periods(session: Session, actor: Actor) -> list[AttendancePeriod]:
    """The months ever closed, newest first (reopened ones say so)."""
    actor.require_module(Module.ATTENDANCE.value)
    return list(
        session.scalars(
            select(AttendancePeriod)
            .where(AttendancePeriod.tenant_id == actor.tenant_id)
            .order_by(AttendancePeriod.month.desc())
        )
    )


def _locked_period(session: Session, actor: Actor, first: date) -> AttendancePeriod | None:
    lock_for_transaction(session, f"attendance-period:{actor.tenant_id}:{first}")
    return session.scalar(
        select(AttendancePeriod)
        .where(AttendancePeriod.tenant_id == actor.tenant_id, AttendancePeriod.month == first)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def close(
    session: Session, actor: Actor, month: str, *, now: datetime | None = None
) -> tuple[AttendancePeriod, int]:
    """Everyone's days of a month that is over computed and locked; the period and how
    many days were locked."""
    actor.require_module(Module.ATTENDANCE.value)
    actor.require_admin()
    first, last = month_bounds(month)
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    now = now or datetime.now(UTC)
    if last >= now.astimezone(ZoneInfo(tenant.timezone)).date():
        raise Invalid("a month is closed once it is over", code="month_not_over")
    period = _locked_period(session, actor, first)
    if period is not None and period.closed:
        raise Conflict(
            "this month is closed already",
            code="period_closed",
            details={"month": month, "closed_at": period.closed_at.isoformat()},
        )
    people = list(session.scalars(select(Staff).where(Staff.tenant_id == actor.tenant_id)))
    days = [first.replace(day=k) for k in range(1, last.day + 1)]
    sheets.ensure(session, tenant, people, days, now)
    result = session.execute(
        update(AttendanceDay)
        .where(
            AttendanceDay.tenant_id == actor.tenant_id,
            AttendanceDay.day >= first,
            AttendanceDay.day <= last,
        )
        .values(locked=True)
        .execution_options(synchronize_session=False)
    )
    locked = int(result.rowcount)  # type: ignore[attr-defined]
    if period is None:
        period = AttendancePeriod(
            tenant_id=actor.tenant_id, id=uuid.uuid4(), month=first, closed_at=now
        )
        session.add(period)
    period.closed_at, period.closed_by = now, actor.staff_id
    period.reopened_at = period.reopened_by = period.reopen_reason = None
    session.flush()
    audit.record_by(
        session,
        actor,
        "attendance_period.close",
        "attendance_period",
        period.id,
        {"month": month, "days": locked},
    )
    return period, locked


def reopen(
    session: Session, actor: Actor, month: str, reason: str, *, now: datetime | None = None
) -> AttendancePeriod:
    """A closed month opened again, with why: its days are computed afresh when read."""
    actor.require_module(Module.ATTENDANCE.value)
    actor.require_admin()
    first, last = month_bounds(month)
    text = reason.strip()
    if not text or len(text) > REASON_MAX:
        raise Invalid(f"a reason of 1..{REASON_MAX} characters", code="invalid_reason")
    period = _locked_period(session, actor, first)
    if period is None or not period.closed:
        raise NotFound("this month is not closed", details={"month": month})
    now = now or datetime.now(UTC)
    period.reopened_at, period.reopened_by, period.reopen_reason = now, actor.staff_id, text
    session.execute(
        update(AttendanceDay)
        .where(
            AttendanceDay.tenant_id == actor.tenant_id,
            AttendanceDay.day >= first,
            AttendanceDay.day <= last,
        )
        .values(locked=False, stale=True)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    audit.record_by(
        session,
        actor,
        "attendance_period.reopen",
        "attendance_period",
        period.id,
        {"month": month, "reason": text},
    )
    return period


def recompute_locked_day(
    session: Session, staff: Staff, day: date, *, why: dict[str, object], now: datetime
) -> bool:
    """A locked day changed on purpose (an approved correction): computed again, kept
    locked and flagged, the change audited. False when the day is not locked."""
    before = session.scalar(
        select(AttendanceDay).where(
            AttendanceDay.tenant_id == staff.tenant_id,
            AttendanceDay.staff_id == staff.id,
            AttendanceDay.day == day,
            AttendanceDay.locked.is_(True),
        )
    )
    if before is None:
        return False
    was = {"status": before.status, "worked_minutes": before.worked_minutes}
    tenant = session.get(Tenant, staff.tenant_id)
    assert tenant is not None
    sheets.compute(session, staff, tenant, [day], now)
    session.refresh(before)
    if AFTER_CLOSING not in before.flags:
        before.flags = [*before.flags, AFTER_CLOSING]
        session.flush()
    audit.record(
        session,
        tenant_id=staff.tenant_id,
        actor_id=None,
        action="attendance_day.change_after_closing",
        entity="attendance_day",
        entity_id=before.id,
        changes={
            "day": day,
            "staff_id": staff.id,
            "before": was,
            "after": {"status": before.status, "worked_minutes": before.worked_minutes},
            **why,
        },
    )
    return True
