"""Forgotten clock-outs: an attendance still open once its shift is well over is closed by
the tenant's rule (at the shift's end, at a fixed local time, or at the person's last good
fix of the shift), and marked automatic; a real clock-out arriving later replaces it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.attendance.models import Attendance
from fieldforce.duty.plan import Period
from fieldforce.duty.service import plan_for
from fieldforce.org.models import Staff
from fieldforce.tenancy.models import Tenant, TenantSettings
from fieldforce.tracking.queries import good_fixes

BATCH = 500
NO_SHIFT_SPAN = timedelta(hours=12)  # a clock-in on a day without a shift: its "shift"


def _shift_end(session: Session, staff: Staff, attendance: Attendance) -> datetime:
    """The end of the shift the clock-in belongs to (the one it falls in, or the next one
    starting that day); with none, twelve hours after the clock-in."""
    start = attendance.in_at - timedelta(hours=12)
    plan = plan_for(session, staff, start, attendance.in_at + timedelta(days=2))
    for shift in plan.shifts(start, attendance.in_at + timedelta(days=1)):
        if shift.end > attendance.in_at and shift.start <= attendance.in_at + timedelta(hours=4):
            return shift.end
    return attendance.in_at + NO_SHIFT_SPAN


def _fixed(attendance: Attendance, settings: TenantSettings, tz: ZoneInfo) -> datetime:
    minutes = Period.minutes(settings.attendance_auto_close_at)
    at = datetime.combine(attendance.day, time(minutes // 60, minutes % 60), tz)
    if at <= attendance.in_at:  # a night shift past the fixed time: the next day's
        at += timedelta(days=1)
    return at


def _last_fix(session: Session, staff: Staff, attendance: Attendance, until: datetime) -> datetime:
    fixes = good_fixes(session, staff.tenant_id, staff.id, attendance.in_at, until)
    return max((f.time for f in fixes), default=attendance.in_at)


def closing_time(
    session: Session, staff: Staff, attendance: Attendance, tenant: Tenant
) -> tuple[datetime, datetime]:
    """When the rule closes this attendance, and from when it may (the shift's end plus
    the tolerance: before that the person may still clock out)."""
    settings = tenant.effective_settings
    end = _shift_end(session, staff, attendance)
    due = end + timedelta(minutes=settings.attendance_auto_close_after_min)
    rule = settings.attendance_auto_close
    if rule == "fixed":
        at = _fixed(attendance, settings, ZoneInfo(tenant.timezone))
        return at, max(due, at)
    if rule == "last_fix":
        return _last_fix(session, staff, attendance, end), due
    return end, due


def close_forgotten(
    session: Session, staff: Staff, attendance: Attendance, *, before: datetime | None = None
) -> None:
    """Closed by the tenant's rule (never later than ``before``, a newer clock-in)."""
    tenant = session.get(Tenant, staff.tenant_id)
    assert tenant is not None
    at, _ = closing_time(session, staff, attendance, tenant)
    if before is not None:
        at = min(at, before)
    attendance.out_at = max(at, attendance.in_at)
    attendance.out_punch_id = None
    attendance.closed_automatically = True
    attendance.close_rule = tenant.effective_settings.attendance_auto_close
    session.flush()


def close_due(session: Session, now: datetime) -> int:
    """Every open attendance whose shift is over by more than the tolerance, closed; rows
    another process is closing are skipped. Returns how many were closed."""
    rows = session.execute(
        select(Attendance, Staff, Tenant)
        .join(Staff, (Staff.tenant_id == Attendance.tenant_id) & (Staff.id == Attendance.staff_id))
        .join(Tenant, Tenant.id == Attendance.tenant_id)
        .where(Attendance.out_at.is_(None), Attendance.in_at < now - timedelta(hours=1))
        .order_by(Attendance.in_at)
        .limit(BATCH)
        .with_for_update(of=Attendance, skip_locked=True)
    ).all()
    closed = 0
    for attendance, staff, tenant in rows:
        _, due = closing_time(session, staff, attendance, tenant)
        if due <= now:
            close_forgotten(session, staff, attendance)
            closed += 1
    return closed
