"""The exceptions of a period and the punch list, on screen and as downloads read back,
by scope; bad periods refused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tests.attendance.scene import OFFICE, Office, now, spot

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXCEPTIONS = "/api/v1/attendance/exceptions"
PUNCH_LIST = "/api/v1/attendance/punch-list"


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), SHANGHAI).astimezone(UTC)


def two_weekdays() -> tuple[date, date]:
    """The two Monday-to-Saturday days before today, the earlier first."""
    found: list[date] = []
    day = now().astimezone(SHANGHAI).date()
    while len(found) < 2:
        day -= timedelta(days=1)
        if day.weekday() < 6:
            found.append(day)
    return found[1], found[0]


def scene(o: Office) -> tuple[date, date]:
    o.settings(attendance_offline_window_h=720)
    first, second = two_weekdays()
    o.punched("north.rep", "in", at=at(first, 8, 25))
    o.punched("north.rep", "out", at=at(first, 18, 5))  # a clean day
    o.punched("north.rep", "in", at=at(second, 9, 10))  # late
    o.punched("north.rep", "out", at=at(second, 18, 0), where=spot(900))  # outside, flagged
    o.punched("north.rep2", "in", at=at(first, 8, 20), where=spot(5000, OFFICE), mock=True)
    return first, second


def test_exceptions_list_the_days_that_need_a_look(office: Office) -> None:
    o = office
    first, second = scene(o)
    r = o.client.get(
        EXCEPTIONS,
        headers=o.world.headers("north.sup"),
        params={"from": str(first), "to": str(second)},
    )
    assert r.status_code == 200, r.text
    rows = r.json()["items"]
    mine = [(x["day"], x["status"]) for x in rows if x["login"] == "north.rep"]
    assert mine == [(str(second), "late")]  # the clean day is not listed
    late = next(x for x in rows if x["login"] == "north.rep")
    assert (late["late_minutes"], late["flagged_punches"], late["refused_punches"]) == (40, 1, 0)
    assert {x["login"] for x in rows} == {"north.rep", "north.sup"}  # north.sup never came
    # the manager sees team B's refused mock punch; the south does not see the north
    r = o.client.get(
        EXCEPTIONS,
        headers=o.world.headers("north.manager"),
        params={"from": str(first), "to": str(first), "staff_id": o.world.staff_id("north.rep2")},
    )
    (rep2,) = r.json()["items"]
    assert (rep2["status"], rep2["refused_punches"]) == ("absent", 1)
    r = o.client.get(
        EXCEPTIONS,
        headers=o.world.headers("south.manager"),
        params={"from": str(first), "to": str(second)},
    )
    assert "north.rep" not in {x["login"] for x in r.json()["items"]}
    r = o.client.get(
        EXCEPTIONS,
        headers=o.world.headers("south.manager"),
        params={"from": str(first), "to": str(second), "staff_id": o.world.staff_id("north.rep")},
    )
    assert r.status_code == 404
    r = o.client.get(
        EXCEPTIONS,
        headers=o.world.headers("other.admin"),
        params={"from": str(first), "to": str(second)},
    )
    assert all(x["login"].startswith("other.") for x in r.json()["items"])


def test_exceptions_download_and_bad_periods(office: Office) -> None:
    o = office
    first, second = scene(o)
    params = {"from": str(first), "to": str(second), "format": "xlsx"}
    r = o.client.get(EXCEPTIONS, headers=o.world.headers("north.sup"), params=params)
    assert r.status_code == 200, r.text
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["day", "staff_id", "login"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    rep = next(row for row in rows if row[2] == "north.rep")
    assert rep[header.index("status")] == "late"
    assert rep[header.index("late_minutes")] == 40
    today = now().astimezone(SHANGHAI).date()
    for bad in (
        {"from": str(second), "to": str(first)},
        {"from": str(today - timedelta(days=70)), "to": str(today)},
        {"from": str(today), "to": str(today + timedelta(days=1))},
        {"from": "yesterday", "to": str(today)},
    ):
        r = o.client.get(EXCEPTIONS, headers=o.world.headers("north.sup"), params=bad)
        assert r.status_code == 422, bad


def test_the_punch_list_downloads_every_punch_in_scope(office: Office) -> None:
    o = office
    first, second = scene(o)
    params = {"from": at(first, 0).isoformat(), "to": at(second + timedelta(days=1), 0).isoformat()}
    r = o.client.get(PUNCH_LIST, headers=o.world.headers("north.manager"), params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["login"], x["kind"], x["status"]) for x in rows] == [
        ("north.rep2", "in", "refused"),
        ("north.rep", "in", "accepted"),
        ("north.rep", "out", "accepted"),
        ("north.rep", "in", "accepted"),
        ("north.rep", "out", "accepted"),
    ]
    assert rows[0]["reason"] == "mock_location"
    assert rows[4]["flags"] == "outside offline"  # sent days later
    assert rows[4]["verdict"] == "outside"
    r = o.client.get(
        PUNCH_LIST, headers=o.world.headers("north.rep"), params={**params, "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert sheet.max_row == 5  # the header and one's own four
    r = o.client.get(PUNCH_LIST, headers=o.world.headers("south.manager"), params=params)
    assert list(csv.DictReader(io.StringIO(r.text))) == []
    r = o.client.get(
        PUNCH_LIST,
        headers=o.world.headers("north.manager"),
        params={"from": params["to"], "to": params["from"]},
    )
    assert r.status_code == 422
    r = o.client.get(
        PUNCH_LIST,
        headers=o.world.headers("north.manager"),
        params={**params, "org_unit_id": o.world.unit_id("south")},
    )
    assert r.status_code == 404
