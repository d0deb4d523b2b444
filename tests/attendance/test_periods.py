"""Closing a month: everyone's days locked, punches into it refused, late changes kept
off, an approved correction the one way in (flagged and audited), reopening with a reason;
only administrators of the tenant close and reopen."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.attendance.models import AttendanceDay, AttendancePeriod
from fieldforce.audit.models import AuditEntry
from tests.attendance.scene import Office, now

PERIODS = "/api/v1/attendance/periods"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), SHANGHAI).astimezone(UTC)


def last_month() -> tuple[str, date]:
    """Last month as YYYY-MM, and its last Monday-to-Saturday day."""
    day = now().astimezone(SHANGHAI).date().replace(day=1) - timedelta(days=1)
    month = day.strftime("%Y-%m")
    while day.weekday() == 6:
        day -= timedelta(days=1)
    return month, day


def close(o: Office, month: str, who: str = "admin") -> Response:
    return o.client.post(PERIODS, headers=o.world.headers(who), json={"month": month})


def the_day(o: Office, day: date, who: str = "north.rep") -> dict[str, Any]:
    r = o.client.get(
        "/api/v1/attendance/days",
        headers=o.world.headers("admin"),
        params={"staff_id": o.world.staff_id(who), "from": str(day), "to": str(day)},
    )
    assert r.status_code == 200, r.text
    return dict(r.json()["items"][0])


def test_a_closed_month_is_locked_and_refuses_punches(office: Office, db: Session) -> None:
    o = office
    o.settings(attendance_offline_window_h=720)
    month, day = last_month()
    o.punched("north.rep", "in", at=at(day, 8, 50))  # late
    r = close(o, month)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["month"], body["closed"], body["reopened_at"]) == (month, True, None)
    people = 7  # every staff member of the tenant, each day of the month
    assert body["locked_days"] == people * calendar.monthrange(day.year, day.month)[1]
    row = the_day(o, day)
    assert (row["status"], row["locked"]) == ("late", True)
    refused = o.punched("north.rep", "out", at=at(day, 18, 0))
    assert (refused["status"], refused["reason"]) == ("refused", "period_closed")
    assert the_day(o, day)["last_out"] is None
    grid = o.client.get(
        "/api/v1/attendance/monthly", headers=o.world.headers("admin"), params={"month": month}
    ).json()
    assert grid["closed_at"] == body["closed_at"]
    again = close(o, month)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "period_closed")
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "attendance_period.close"))
    assert entry is not None
    assert entry.changes["month"] == month


def test_late_changes_leave_a_locked_day_as_it_was(office: Office) -> None:
    o = office
    o.settings(attendance_offline_window_h=720)
    month, day = last_month()
    o.punched("north.rep", "in", at=at(day, 8, 34))
    o.punched("north.rep", "out", at=at(day, 17, 56))
    assert close(o, month).status_code == 201
    before = the_day(o, day)
    assert before["status"] == "present"  # within the 5 minutes' grace
    r = o.client.patch(
        "/api/v1/tenant",
        headers=o.world.headers("admin"),
        json={"settings": {"attendance_late_grace_min": 0}},
    )
    assert r.status_code == 200, r.text
    after = the_day(o, day)
    assert (after["status"], after["computed_at"]) == ("present", before["computed_at"])
    # reopened, the day follows the tenant's rules again
    r = o.client.post(
        f"{PERIODS}/{month}/reopen",
        headers=o.world.headers("admin"),
        json={"reason": "Grace was wrong all month"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["closed"], r.json()["reopen_reason"]) == (False, "Grace was wrong all month")
    again = the_day(o, day)
    assert (again["status"], again["locked"], again["late_minutes"]) == ("late", False, 4)
    assert o.punched("north.rep", "out", at=at(day, 18, 5))["status"] == "accepted"
    assert close(o, month).status_code == 201  # closed again, locked anew
    assert the_day(o, day)["locked"] is True


def test_an_approved_correction_changes_a_closed_day(office: Office, db: Session) -> None:
    o = office
    o.settings(attendance_offline_window_h=720)
    month, day = last_month()
    assert close(o, month).status_code == 201
    assert the_day(o, day)["status"] == "absent"
    r = o.client.post(
        "/api/v1/attendance/corrections",
        headers=o.world.headers("north.rep"),
        json={"kind": "in", "time": at(day, 8, 29).isoformat(), "reason": "Reader broken"},
    )
    assert r.status_code == 201, r.text
    approval_id = r.json()["approval_id"]
    r = o.client.post(
        f"/api/v1/approvals/{approval_id}/decisions",
        headers=o.world.headers("north.sup"),
        json={"action": "approve"},
    )
    assert r.status_code == 200, r.text
    row = the_day(o, day)
    assert row["locked"] is True
    assert row["first_in"].startswith(f"{day}T00:29")
    assert {"corrected", "after_closing"} <= set(row["flags"])
    entry = db.scalar(
        select(AuditEntry).where(AuditEntry.action == "attendance_day.change_after_closing")
    )
    assert entry is not None
    assert entry.changes["before"]["status"] == "absent"
    assert entry.changes["after"]["status"] != "absent"
    period = db.scalar(select(AttendancePeriod).where(AttendancePeriod.month == day.replace(day=1)))
    assert period is not None
    assert period.closed


def test_who_closes_and_what_is_refused(office: Office, db: Session) -> None:
    o = office
    month, _ = last_month()
    this_month = now().astimezone(SHANGHAI).strftime("%Y-%m")
    for who in ("north.manager", "north.sup", "north.rep"):
        r = close(o, month, who)
        assert r.status_code == 403, (who, r.text)
    r = close(o, this_month)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "month_not_over")
    for bad in ("2026-13", "26-01", "", "2026-1"):
        r = close(o, bad)
        assert r.status_code == 422, bad
    r = o.client.post(
        f"{PERIODS}/{month}/reopen", headers=o.world.headers("admin"), json={"reason": "x"}
    )
    assert r.status_code == 404  # not closed
    assert db.scalar(select(AttendancePeriod)) is None
    assert db.scalar(select(AttendanceDay).where(AttendanceDay.locked.is_(True))) is None
    # another tenant's administrator closes only their own tenant's month
    assert close(o, month, "other.admin").status_code == 201
    assert o.client.get(PERIODS, headers=o.world.headers("admin")).json()["items"] == []
    assert close(o, month).status_code == 201
    listed = o.client.get(PERIODS, headers=o.world.headers("north.rep")).json()["items"]
    assert [p["month"] for p in listed] == [month]
    r = o.client.post(
        f"{PERIODS}/{month}/reopen", headers=o.world.headers("north.manager"), json={"reason": "x"}
    )
    assert r.status_code == 403
    r = o.client.post(f"{PERIODS}/{month}/reopen", headers=o.world.headers("admin"), json={})
    assert r.status_code == 422
