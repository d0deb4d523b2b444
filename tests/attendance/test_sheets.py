"""The daily sheet: each day status from hand-made days (time zone Asia/Shanghai, office
hours Monday to Saturday 08:30–18:00), night shifts, leave and trips on the sheet, the
monitor's minutes, recomputation after late data, and who sees whose days."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from fieldforce.monitoring.models import ZoneEvent
from tests.attendance.scene import Office, now, spot

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = "/api/v1/attendance/days"


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), SHANGHAI).astimezone(UTC)


def weekday_before(today: date, back: int) -> date:
    """The ``back``-th Monday-to-Saturday day before today."""
    day = today
    while back:
        day -= timedelta(days=1)
        if day.weekday() < 6:
            back -= 1
    return day


@pytest.fixture
def sheet_office(office: Office) -> Office:
    office.settings(attendance_offline_window_h=720)  # punches of past days are accepted
    return office


def today() -> date:
    return now().astimezone(SHANGHAI).date()


def days(
    office: Office, who: str, first: date, last: date, by: str | None = None
) -> list[dict[str, Any]]:
    r = office.client.get(
        DAYS,
        headers=office.world.headers(by or who),
        params={"staff_id": office.world.staff_id(who), "from": str(first), "to": str(last)},
    )
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def one(office: Office, who: str, day: date) -> dict[str, Any]:
    (got,) = days(office, who, day, day)
    return got


def work(
    office: Office,
    who: str,
    day: date,
    start: tuple[int, int],
    end: tuple[int, int] | None,
    **kw: Any,
) -> None:
    assert office.punched(who, "in", at=at(day, *start), **kw)["status"] == "accepted"
    if end is not None:
        assert office.punched(who, "out", at=at(day, *end), **kw)["status"] == "accepted"


def test_present_late_early_half_day_and_absent(sheet_office: Office) -> None:
    o = sheet_office
    d = [weekday_before(today(), k) for k in range(1, 7)]
    work(o, "north.rep", d[0], (8, 28), (18, 2))
    work(o, "north.rep", d[1], (8, 50), (18, 0))
    work(o, "north.rep", d[2], (8, 30), (17, 0))
    work(o, "north.rep", d[3], (8, 30), (11, 0))
    work(o, "north.rep", d[4], (8, 30), (9, 10))
    # d[5]: no punch at all
    got = {x["day"]: x for x in days(o, "north.rep", d[5], d[0])}
    present = got[str(d[0])]
    assert (present["status"], present["worked_minutes"]) == ("present", 574)
    assert (present["late_minutes"], present["early_minutes"]) == (0, 0)
    assert present["shift_start"].startswith(f"{d[0]}T00:30")  # 08:30 in Shanghai, in UTC
    late = got[str(d[1])]
    assert (late["status"], late["late_minutes"]) == ("late", 20)
    early = got[str(d[2])]
    assert (early["status"], early["early_minutes"]) == ("early_leave", 60)
    assert got[str(d[3])]["status"] == "half_day"  # 150 minutes < 240
    assert got[str(d[4])]["status"] == "absent"  # 40 minutes < 60
    assert (got[str(d[5])]["status"], got[str(d[5])]["first_in"]) == ("absent", None)
    assert all(x["computed_at"] for x in got.values())


def test_grace_and_thresholds_are_the_tenants(sheet_office: Office) -> None:
    o = sheet_office
    day = weekday_before(today(), 1)
    work(o, "north.rep", day, (8, 34), (17, 56))
    assert one(o, "north.rep", day)["status"] == "present"  # within 5 minutes each way
    r = o.client.patch(
        "/api/v1/tenant",
        headers=o.world.headers("admin"),
        json={"settings": {"attendance_late_grace_min": 0}},
    )
    assert r.status_code == 200, r.text
    got = one(o, "north.rep", day)
    assert (got["status"], got["late_minutes"], got["early_minutes"]) == ("late", 4, 0)


def test_rest_days_holidays_and_working_a_day_off(sheet_office: Office) -> None:
    o = sheet_office
    sunday = today() - timedelta(days=(today().weekday() + 1) % 7 or 7)
    assert sunday.weekday() == 6
    holiday = weekday_before(today(), 2)
    r = o.client.post(
        "/api/v1/duty-exceptions",
        headers=o.world.headers("admin"),
        json={"day": str(holiday), "kind": "off", "reason": "Public holiday"},
    )
    assert r.status_code == 201, r.text
    assert one(o, "north.rep", sunday)["status"] == "rest_day"
    assert one(o, "north.rep", holiday)["status"] == "holiday"
    work(o, "north.sup", sunday, (10, 0), (12, 0))
    got = one(o, "north.sup", sunday)
    assert (got["status"], got["flags"], got["worked_minutes"]) == (
        "rest_day",
        ["worked_day_off"],
        120,
    )


def test_leave_and_trips_on_the_sheet(sheet_office: Office) -> None:
    o = sheet_office
    full, half, trip = (weekday_before(today(), k) for k in (1, 2, 3))
    admin = o.world.headers("admin")
    types = o.client.get("/api/v1/leave-types", headers=admin).json()["items"]
    annual = next(t["id"] for t in types if t["code"] == "annual")
    r = o.client.post(
        "/api/v1/leave-allocations",
        headers=admin,
        json={
            "staff_id": o.world.staff_id("north.rep"),
            "leave_type_id": annual,
            "year": full.year,
            "days": 10,
        },
    )
    assert r.status_code == 201, r.text
    if half.year != full.year:
        o.client.post(
            "/api/v1/leave-allocations",
            headers=admin,
            json={
                "staff_id": o.world.staff_id("north.rep"),
                "leave_type_id": annual,
                "year": half.year,
                "days": 10,
            },
        )
    before = one(o, "north.rep", full)
    assert before["status"] == "absent"
    for start, extra in ((full, {}), (half, {"end_half": "am"})):
        asked = o.client.post(
            "/api/v1/leave-requests",
            headers=o.world.headers("north.rep"),
            json={
                "leave_type_id": annual,
                "start": str(start),
                "end": str(start),
                "reason": "family",
                **extra,
            },
        )
        assert asked.status_code == 201, asked.text
        decided = o.client.post(
            f"/api/v1/approvals/{asked.json()['approval']['id']}/decisions",
            headers=o.world.headers("north.sup"),
            json={"action": "approve"},
        )
        assert decided.status_code == 200, decided.text
    got = one(o, "north.rep", full)  # was computed absent, then the leave made it stale
    assert (got["status"], got["leave_type"], got["leave_part"]) == ("on_leave", "annual", "full")
    assert got["computed_at"] > before["computed_at"]
    work(o, "north.rep", half, (13, 10), (18, 0))  # morning off; the afternoon worked
    got = one(o, "north.rep", half)
    assert (got["status"], got["leave_part"], got["flags"]) == ("present", "am", ["half_day_leave"])
    claim = o.client.post(
        "/api/v1/travel-claims",
        headers=o.world.headers("north.rep"),
        json={
            "purpose": "Channel summit",
            "start": str(trip),
            "end": str(trip),
            "legs": [{"place": "Ningbo", "lon": 121.55, "lat": 29.87}],
            "lines": [
                {"category": "meals", "date": str(trip), "amount": "50.00", "currency": "CNY"}
            ],
        },
    )
    assert claim.status_code == 201, claim.text
    submitted = o.client.post(
        f"/api/v1/travel-claims/{claim.json()['id']}/submit", headers=o.world.headers("north.rep")
    )
    assert one(o, "north.rep", trip)["status"] == "absent"  # not approved yet
    o.client.post(
        f"/api/v1/approvals/{submitted.json()['approval_id']}/decisions",
        headers=o.world.headers("north.sup"),
        json={"action": "approve"},
    )
    got = one(o, "north.rep", trip)
    assert (got["status"], got["claim_id"]) == ("business_trip", claim.json()["id"])


def test_a_night_shift_belongs_to_the_day_it_starts(sheet_office: Office) -> None:
    o = sheet_office
    nights = [{"weekday": d, "start": "22:00", "end": "06:00"} for d in range(7)]
    r = o.client.post(
        "/api/v1/schedules",
        headers=o.world.headers("admin"),
        json={
            "staff_id": o.world.staff_id("north.rep"),
            "timezone": "Asia/Shanghai",
            "weekly": nights,
        },
    )
    assert r.status_code == 201, r.text
    day = today() - timedelta(days=2)
    o.punched("north.rep", "in", at=at(day, 21, 58))
    o.punched("north.rep", "out", at=at(day + timedelta(days=1), 6, 2))
    got = one(o, "north.rep", day)
    assert (got["status"], got["worked_minutes"]) == ("present", 484)
    assert got["shift_end"].startswith(f"{day}T22:00")  # 06:00 the next morning, in UTC
    assert one(o, "north.rep", day + timedelta(days=1))["first_in"] is None


def test_a_late_punch_makes_the_day_computed_again(sheet_office: Office) -> None:
    o = sheet_office
    day = weekday_before(today(), 1)
    first = one(o, "north.rep", day)
    assert first["status"] == "absent"
    assert one(o, "north.rep", day)["computed_at"] == first["computed_at"]  # kept while fresh
    work(o, "north.rep", day, (8, 29), (18, 1))  # sent from the phone a day late
    again = one(o, "north.rep", day)
    assert again["status"] == "present"
    assert again["computed_at"] > first["computed_at"]


def test_the_monitors_minutes(sheet_office: Office, db: Session) -> None:
    o = sheet_office
    day = weekday_before(today(), 1)
    work(o, "north.rep", day, (8, 30), (18, 0))
    db.add(
        ZoneEvent(
            tenant_id=o.world.tenant.id,
            staff_id=o.world.staff["north.rep"].id,
            type="off_zone",
            started_at=at(day, 10, 0),
            ended_at=at(day, 10, 45),
            duration_s=45 * 60,
            shift_start=at(day, 8, 30),
        )
    )
    db.add(
        ZoneEvent(
            tenant_id=o.world.tenant.id,
            staff_id=o.world.staff["north.rep"].id,
            type="no_signal",
            started_at=at(day, 17, 30),
            ended_at=at(day, 19, 0),  # past the shift: only its 30 minutes count
            duration_s=90 * 60,
            shift_start=at(day, 8, 30),
        )
    )
    db.commit()
    got = one(o, "north.rep", day)
    assert (got["off_zone_minutes"], got["no_signal_minutes"], got["in_zone_minutes"]) == (
        45,
        30,
        570 - 75,
    )


def test_who_sees_whose_days(sheet_office: Office) -> None:
    o = sheet_office
    day = weekday_before(today(), 1)
    w = o.world

    def people(who: str, **params: str) -> set[str]:
        r = o.client.get(
            DAYS, headers=w.headers(who), params={"from": str(day), "to": str(day), **params}
        )
        assert r.status_code == 200, r.text
        return {x["staff_id"] for x in r.json()["items"]}

    assert people("north.rep") == {w.staff_id("north.rep")}
    assert people("north.sup") == {w.staff_id("north.rep"), w.staff_id("north.sup")}
    assert w.staff_id("north.rep2") in people("north.manager", org_unit_id=w.unit_id("north-b"))
    assert people("south.manager") == {w.staff_id("south.manager"), w.staff_id("south.rep")}
    assert people("other.admin") == {w.staff_id("other.admin"), w.staff_id("other.rep")}
    for who in ("south.manager", "other.admin", "north.rep2"):
        r = o.client.get(
            DAYS,
            headers=w.headers(who),
            params={"from": str(day), "to": str(day), "staff_id": w.staff_id("north.rep")},
        )
        assert r.status_code == 404, who


def test_pages_hold_whole_people_and_bad_ranges_are_refused(sheet_office: Office) -> None:
    o = sheet_office
    admin = o.world.headers("admin")
    first, last = today() - timedelta(days=6), today() - timedelta(days=1)
    page = o.client.get(
        DAYS, headers=admin, params={"from": str(first), "to": str(last), "limit": 12}
    ).json()
    assert len(page["items"]) == 12  # two people of six days
    assert page["next_cursor"]
    seen = {x["staff_id"] for x in page["items"]}
    rest = o.client.get(
        DAYS,
        headers=admin,
        params={"from": str(first), "to": str(last), "limit": 12, "cursor": page["next_cursor"]},
    ).json()
    assert not seen & {x["staff_id"] for x in rest["items"]}
    for params in (
        {"from": str(last), "to": str(first)},
        {"from": str(today() - timedelta(days=70)), "to": str(last)},
        {"from": str(today()), "to": str(today() + timedelta(days=1))},
        {"from": "2026-13-01", "to": str(last)},
        {"to": str(last)},
    ):
        assert o.client.get(DAYS, headers=admin, params=params).status_code == 422, params


def test_late_fixes_of_a_past_day_make_it_computed_again(sheet_office: Office) -> None:
    o = sheet_office
    day = weekday_before(today(), 1)
    first = one(o, "north.rep", day)
    lon, lat = spot(20)
    r = o.client.post(
        "/api/v1/pings",
        headers=o.world.headers("north.rep"),
        json={
            "pings": [
                {
                    "id": str(uuid.uuid4()),
                    "fix_time": at(day, 11, 0).isoformat(),
                    "lon": lon,
                    "lat": lat,
                    "accuracy_m": 10,
                }
            ]
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["status"] == "accepted"
    assert one(o, "north.rep", day)["computed_at"] > first["computed_at"]
    # today's fixes leave past days alone
    again = one(o, "north.rep", day)
    o.client.post(
        "/api/v1/pings",
        headers=o.world.headers("north.rep"),
        json={
            "pings": [
                {
                    "id": str(uuid.uuid4()),
                    "fix_time": (now() - timedelta(minutes=1)).isoformat(),
                    "lon": lon,
                    "lat": lat,
                    "accuracy_m": 10,
                }
            ]
        },
    )
    assert one(o, "north.rep", day)["computed_at"] == again["computed_at"]


def test_days_are_the_tenants_whatever_its_time_zone(sheet_office: Office) -> None:
    """In New York a clock-out at 23:50 is the next day in UTC (and in Shanghai): it still
    ends the New York day."""
    o = sheet_office
    r = o.client.patch(
        "/api/v1/tenant", headers=o.world.headers("admin"), json={"timezone": "America/New_York"}
    )
    assert r.status_code == 200, r.text
    york = ZoneInfo("America/New_York")
    day = datetime.now(york).date() - timedelta(days=2)
    while day.weekday() == 6:
        day -= timedelta(days=1)

    def local(d: date, hh: int, mm: int) -> datetime:
        return datetime.combine(d, time(hh, mm), york).astimezone(UTC)

    assert o.punched("north.rep", "in", at=local(day, 8, 20))["status"] == "accepted"
    assert o.punched("north.rep", "out", at=local(day, 23, 50))["status"] == "accepted"
    got = one(o, "north.rep", day)
    assert (got["status"], got["worked_minutes"]) == ("present", 930)
    assert got["shift_start"] == local(day, 8, 30).isoformat().replace("+00:00", "Z")
    assert one(o, "north.rep", day + timedelta(days=1))["first_in"] is None
