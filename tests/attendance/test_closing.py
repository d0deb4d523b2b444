"""Forgotten clock-outs closed by the tenant's rule, marked automatic, and replaced by a
real clock-out that arrives later."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from fieldforce.attendance.closing import close_due
from fieldforce.attendance.models import Attendance
from fieldforce.tracking.ingest import PingIn, Uploader, ingest_pings
from tests.attendance.scene import Office, now, spot

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), SHANGHAI).astimezone(UTC)


def _office_day(office: Office) -> date:
    """The latest weekday before today (the default week runs Monday to Saturday)."""
    day = now().astimezone(SHANGHAI).date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _attendance(db: Session, office: Office, attendance_id: str) -> Attendance:
    db.expire_all()
    row = db.get(Attendance, (office.world.tenant.id, uuid.UUID(attendance_id)))
    assert row is not None
    return row


def test_closed_at_the_shift_end_once_the_tolerance_is_past(office: Office, db: Session) -> None:
    day = _office_day(office)
    opened = office.punched("north.rep", at=_local(day, 8, 25))
    shift_end = _local(day, 18, 0)
    assert close_due(db, shift_end + timedelta(minutes=119)) == 0
    assert close_due(db, shift_end + timedelta(minutes=121)) == 1
    row = _attendance(db, office, opened["attendance_id"])
    assert (row.out_at, row.closed_automatically, row.close_rule) == (
        shift_end,
        True,
        "shift_end",
    )
    assert close_due(db, shift_end + timedelta(hours=5)) == 0  # closed once
    # the real clock-out, sent late from the phone, replaces the automatic one
    late = office.punched("north.rep", "out", at=_local(day, 19, 10))
    assert late["attendance_id"] == opened["attendance_id"]
    row = _attendance(db, office, opened["attendance_id"])
    assert (row.out_at, row.closed_automatically) == (_local(day, 19, 10), False)


def test_closed_at_a_fixed_time(office: Office, db: Session) -> None:
    office.settings(attendance_auto_close="fixed", attendance_auto_close_at="20:30")
    day = _office_day(office)
    opened = office.punched("north.rep", at=_local(day, 8, 0))
    assert close_due(db, _local(day, 20, 15)) == 0  # before the fixed time
    assert close_due(db, _local(day, 21, 0)) == 1
    row = _attendance(db, office, opened["attendance_id"])
    assert (row.out_at, row.close_rule) == (_local(day, 20, 30), "fixed")


def test_closed_at_the_last_good_fix_of_the_shift(office: Office, db: Session) -> None:
    office.settings(attendance_auto_close="last_fix")
    day = _office_day(office)
    opened = office.punched("north.rep", at=_local(day, 8, 30))
    tenant = office.world.tenant
    db.refresh(tenant)
    who = Uploader(tenant.id, office.world.staff["north.rep"].id, None, tenant.effective_settings)
    lon, lat = spot(50)
    fixes = [PingIn(uuid.uuid4(), _local(day, h, 0), lon, lat, accuracy_m=10) for h in (9, 12, 16)]
    fixes.append(PingIn(uuid.uuid4(), _local(day, 17, 0), lon, lat, accuracy_m=900))  # poor
    ingest_pings(db, who, fixes, now=_local(day, 17, 5))
    db.commit()
    assert close_due(db, _local(day, 20, 1)) == 1
    row = _attendance(db, office, opened["attendance_id"])
    assert (row.out_at, row.close_rule) == (_local(day, 16, 0), "last_fix")


def test_the_next_days_clock_in_closes_the_forgotten_one(office: Office, db: Session) -> None:
    day = _office_day(office)
    opened = office.punched("north.rep", at=_local(day, 8, 30) - timedelta(days=1))
    again = office.punched("north.rep", at=_local(day, 8, 30))
    assert again["status"] == "accepted"
    old = _attendance(db, office, opened["attendance_id"])
    assert old.closed_automatically
    assert old.out_at is not None
    assert old.out_at <= _local(day, 8, 30)
