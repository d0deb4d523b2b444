"""People whose tracker app has no punch button: with the tenant's leave, their first and
last good fix inside a zone during the shift are their clock-in and clock-out."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.attendance.scene import OFFICE, WORK_AREA, Office, now, spot

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), SHANGHAI).astimezone(UTC)


def a_weekday() -> date:
    day = now().astimezone(SHANGHAI).date() - timedelta(days=1)
    while day.weekday() == 6:
        day -= timedelta(days=1)
    return day


def tracker(o: Office, who: str) -> str:
    r = o.client.post(
        "/api/v1/devices",
        headers=o.world.headers(who),
        json={"staff_id": o.world.staff_id(who), "platform": "android", "protocol": "osmand"},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["identifier"])


def osmand(o: Office, ident: str, when: datetime, where: tuple[float, float], acc: int) -> None:
    r = o.client.get(
        "/ingest/osmand",
        params={
            "id": ident,
            "lon": str(where[0]),
            "lat": str(where[1]),
            "timestamp": str(int(when.timestamp())),
            "accuracy": str(acc),
        },
    )
    assert r.status_code == 200, r.text


def app_fix(o: Office, who: str, when: datetime, where: tuple[float, float]) -> None:
    fix = {"id": str(uuid.uuid4()), "fix_time": when.isoformat(), "accuracy_m": 10}
    fix |= {"lon": where[0], "lat": where[1]}
    r = o.client.post("/api/v1/pings", headers=o.world.headers(who), json={"pings": [fix]})
    assert r.status_code == 200, r.text


def the_day(o: Office, who: str, day: date) -> dict[str, Any]:
    r = o.client.get(
        "/api/v1/attendance/days",
        headers=o.world.headers("admin"),
        params={"staff_id": o.world.staff_id(who), "from": str(day), "to": str(day)},
    )
    assert r.status_code == 200, r.text
    return dict(r.json()["items"][0])


@pytest.fixture
def day_of_fixes(office: Office) -> tuple[Office, date]:
    o, day = office, a_weekday()
    ident = tracker(o, "north.rep")
    osmand(o, ident, at(day, 8, 33), OFFICE, 900)  # too poor to count
    osmand(o, ident, at(day, 8, 34), spot(50), 12)  # the clock-in
    osmand(o, ident, at(day, 12, 0), spot(5000), 10)  # out at lunch: not in a zone
    osmand(o, ident, at(day, 17, 57), spot(20), 15)  # the clock-out
    osmand(o, ident, at(day, 17, 59), spot(5000), 10)  # on the way home
    app_fix(o, "north.rep2", at(day, 8, 40), WORK_AREA)
    app_fix(o, "north.rep2", at(day, 17, 0), WORK_AREA)
    return o, day


def test_tracker_app_users_are_clocked_by_their_fixes(day_of_fixes: tuple[Office, date]) -> None:
    o, day = day_of_fixes
    assert the_day(o, "north.rep", day)["status"] == "absent"  # the tenant has not said so
    r = o.client.patch(
        "/api/v1/tenant",
        headers=o.world.headers("admin"),
        json={"settings": {"attendance_from_fixes": "tracker_apps"}},
    )
    assert r.status_code == 200, r.text
    row = the_day(o, "north.rep", day)
    assert row["first_in"] == at(day, 8, 34).isoformat().replace("+00:00", "Z")
    assert row["last_out"] == at(day, 17, 57).isoformat().replace("+00:00", "Z")
    assert (row["status"], row["worked_minutes"]) == ("present", 563)
    assert "from_fixes" in row["flags"]
    assert "no_clock_out" not in row["flags"]
    # an app user is not clocked by fixes unless the tenant says everyone is
    assert the_day(o, "north.rep2", day)["status"] == "absent"
    o.client.patch(
        "/api/v1/tenant",
        headers=o.world.headers("admin"),
        json={"settings": {"attendance_from_fixes": "everyone"}},
    )
    rep2 = the_day(o, "north.rep2", day)
    assert (rep2["status"], rep2["late_minutes"], rep2["early_minutes"]) == ("late", 10, 60)
    assert "early_leave" in rep2["flags"]


def test_punches_rule_over_fixes(day_of_fixes: tuple[Office, date]) -> None:
    o, day = day_of_fixes
    o.settings(attendance_from_fixes="everyone", attendance_offline_window_h=720)
    assert o.punched("north.rep", "in", at=at(day, 9, 0))["status"] == "accepted"
    assert o.punched("north.rep", "out", at=at(day, 18, 0))["status"] == "accepted"
    row = the_day(o, "north.rep", day)
    assert (row["status"], row["late_minutes"]) == ("late", 30)
    assert "from_fixes" not in row["flags"]


def test_a_day_in_progress_has_no_clock_out_from_fixes(office: Office) -> None:
    o = office
    local = now().astimezone(SHANGHAI)
    if local.time() < time(0, 5):
        pytest.skip("the fix would fall on yesterday's shift")
    every_day = [{"weekday": d, "start": "00:00", "end": "23:59"} for d in range(7)]
    o.settings(attendance_from_fixes="everyone", default_duty_week=every_day)
    app_fix(o, "north.rep", now() - timedelta(minutes=2), spot(10))
    row = the_day(o, "north.rep", local.date())
    assert row["first_in"] is not None
    assert row["last_out"] is None
    assert "in_progress" in row["flags"]
    assert "no_clock_out" not in row["flags"]
