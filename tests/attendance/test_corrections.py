"""Corrections (补卡) through the approval engine: a missed clock-in or clock-out asked for
with a reason; approved, it opens, moves or closes that day's attendance and the sheet
says so; rejected or withdrawn, nothing changes; who may see and decide them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.attendance.closing import close_due
from fieldforce.attendance.models import Attendance, Correction
from tests.attendance.scene import Office, now

CORRECTIONS = "/api/v1/attendance/corrections"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), SHANGHAI).astimezone(UTC)


def a_weekday() -> date:
    day = now().astimezone(SHANGHAI).date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


@pytest.fixture
def o(office: Office) -> Office:
    office.settings(attendance_offline_window_h=720)
    return office


def ask(o: Office, who: str, kind: str, when: datetime, reason: str = "Phone was flat") -> Response:
    return o.client.post(
        CORRECTIONS,
        headers=o.world.headers(who),
        json={"kind": kind, "time": when.isoformat(), "reason": reason},
    )


def asked(o: Office, who: str, kind: str, when: datetime) -> dict[str, Any]:
    r = ask(o, who, kind, when)
    assert r.status_code == 201, r.text
    return dict(r.json())


def decide(
    o: Office,
    who: str,
    correction: dict[str, Any],
    action: str = "approve",
    comment: str | None = None,
) -> Response:
    body: dict[str, Any] = {"action": action}
    if comment:
        body["comment"] = comment
    return o.client.post(
        f"/api/v1/approvals/{correction['approval_id']}/decisions",
        headers=o.world.headers(who),
        json=body,
    )


def sheet_day(o: Office, who: str, day: date) -> dict[str, Any]:
    r = o.client.get(
        "/api/v1/attendance/days",
        headers=o.world.headers(who),
        params={"staff_id": o.world.staff_id(who), "from": str(day), "to": str(day)},
    )
    assert r.status_code == 200, r.text
    return dict(r.json()["items"][0])


def test_a_missed_clock_in_approved_opens_the_day(o: Office, db: Session) -> None:
    day = a_weekday()
    out = o.punched("north.rep", "out", at=at(day, 18, 2))
    assert out["reason"] == "not_clocked_in"
    assert sheet_day(o, "north.rep", day)["status"] == "absent"
    correction = asked(o, "north.rep", "in", at(day, 8, 27))
    assert (correction["status"], correction["day"]) == ("in_approval", str(day))
    assert decide(o, "north.rep", correction).status_code == 403  # nobody approves their own
    r = decide(o, "north.sup", correction)
    assert r.status_code == 200, r.text
    got = o.client.get(
        f"{CORRECTIONS}/{correction['id']}", headers=o.world.headers("north.rep")
    ).json()
    assert got["status"] == "approved"
    assert got["punch_id"]
    day_row = sheet_day(o, "north.rep", day)
    assert (day_row["status"], day_row["flags"]) == ("present", ["corrected"])
    assert day_row["first_in"].startswith(f"{day}T00:27")
    assert day_row["last_out"].startswith(f"{day}T10:02")  # the clock-out refused then


def test_a_missed_clock_out_replaces_the_automatic_one(o: Office, db: Session) -> None:
    day = a_weekday()
    o.punched("north.rep", "in", at=at(day, 8, 30))
    assert close_due(db, at(day, 20, 5)) == 1
    db.commit()
    assert "auto_clock_out" in sheet_day(o, "north.rep", day)["flags"]
    correction = asked(o, "north.rep", "out", at(day, 19, 30))
    assert decide(o, "north.sup", correction).status_code == 200
    row = sheet_day(o, "north.rep", day)
    assert row["last_out"].startswith(f"{day}T11:30")
    assert "corrected" in row["flags"]
    assert "auto_clock_out" not in row["flags"]


def test_rejected_returned_and_sent_again(o: Office, db: Session) -> None:
    day = a_weekday()
    rejected = asked(o, "north.rep", "in", at(day, 8, 0))
    assert decide(o, "north.sup", rejected, "reject").status_code == 422  # a reason is needed
    assert decide(o, "north.sup", rejected, "reject", "You were at the dentist").status_code == 200
    assert (
        o.client.get(
            f"{CORRECTIONS}/{rejected['id']}", headers=o.world.headers("north.rep")
        ).json()["status"]
        == "rejected"
    )
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Attendance)) == 0
    again = asked(o, "north.rep", "in", at(day, 8, 5))  # the rejected one no longer blocks
    assert decide(o, "north.sup", again, "return", "Which gate?").status_code == 200
    r = o.client.post(
        f"{CORRECTIONS}/{again['id']}/resubmit",
        headers=o.world.headers("north.rep"),
        json={"time": at(day, 8, 10).isoformat(), "reason": "The north gate reader was broken"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_approval"
    assert decide(o, "north.sup", again).status_code == 200
    assert sheet_day(o, "north.rep", day)["first_in"].startswith(f"{day}T00:10")


def test_bad_corrections_are_refused_and_nothing_is_written(o: Office, db: Session) -> None:
    day = a_weekday()
    db.expire_all()
    before = db.scalar(select(func.count()).select_from(Correction))
    assert ask(o, "north.rep", "in", now() + timedelta(hours=1)).status_code == 422
    assert ask(o, "north.rep", "in", now() - timedelta(days=70)).status_code == 422
    assert ask(o, "north.rep", "in", at(day, 8), reason="").status_code == 422
    assert ask(o, "north.rep", "lunch", at(day, 8)).status_code == 422
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Correction)) == before
    asked(o, "north.rep", "in", at(day, 8))
    r = ask(o, "north.rep", "in", at(day, 8, 15))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "duplicate_correction")


def test_who_sees_and_decides_corrections(o: Office) -> None:
    day = a_weekday()
    correction = asked(o, "north.rep", "in", at(day, 8))
    url = f"{CORRECTIONS}/{correction['id']}"
    for who, status in (
        ("north.rep", 200),
        ("north.sup", 200),
        ("north.manager", 200),
        ("north.rep2", 404),
        ("south.manager", 404),
        ("other.admin", 404),
    ):
        assert o.client.get(url, headers=o.world.headers(who)).status_code == status, who
    assert decide(o, "south.manager", correction).status_code == 404
    assert decide(o, "north.rep2", correction).status_code == 404
    listed = o.client.get(
        CORRECTIONS, headers=o.world.headers("north.sup"), params={"status": "in_approval"}
    )
    assert [c["id"] for c in listed.json()["items"]] == [correction["id"]]
    theirs = o.client.get(CORRECTIONS, headers=o.world.headers("other.admin")).json()["items"]
    assert theirs == []
