"""The monthly grid (月度考勤表): status codes per day from hand-made days, the month's
totals, CSV, and XLSX read back (frozen header and names, the legend sheet), by scope."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tests.attendance.scene import Office, now

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTHLY = "/api/v1/attendance/monthly"


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), SHANGHAI).astimezone(UTC)


def days_of_one_month() -> list[date]:
    """Up to four Monday-to-Saturday days before today, all in one month."""
    day = now().astimezone(SHANGHAI).date() - timedelta(days=1)
    while day.weekday() == 6:
        day -= timedelta(days=1)
    out = []
    while len(out) < 4 and day.month == (out[0].month if out else day.month):
        if day.weekday() < 6:
            out.append(day)
        day -= timedelta(days=1)
    return out


def grid(o: Office, who: str, month: str, **params: str) -> Any:
    r = o.client.get(MONTHLY, headers=o.world.headers(who), params={"month": month, **params})
    assert r.status_code == 200, r.text
    return r


def test_codes_and_totals(office: Office) -> None:
    o = office
    o.settings(attendance_offline_window_h=720)
    worked = days_of_one_month()
    month = worked[0].strftime("%Y-%m")
    o.punched("north.rep", "in", at=at(worked[0], 8, 28))
    o.punched("north.rep", "out", at=at(worked[0], 18, 30))  # 30 minutes' overtime
    if len(worked) > 1:
        o.punched("north.rep", "in", at=at(worked[1], 8, 50))
        o.punched("north.rep", "out", at=at(worked[1], 18, 0))
    body = grid(o, "north.sup", month, org_unit_id=o.world.unit_id("north-a")).json()
    assert [r["login"] for r in body["items"]] == ["north.rep", "north.sup"]
    row = body["items"][0]
    index = {d: k for k, d in enumerate(body["days"])}
    assert row["codes"][index[str(worked[0])]] == "P"
    if len(worked) > 1:
        assert row["codes"][index[str(worked[1])]] == "L"
    for d in worked[2:]:
        assert row["codes"][index[str(d)]] == "A"
    sunday = next(
        (
            d
            for d in body["days"]
            if date.fromisoformat(d).weekday() == 6 and date.fromisoformat(d) < worked[0]
        ),
        None,
    )
    if sunday:
        assert row["codes"][index[sunday]] == "R"
    after = [d for d in body["days"] if date.fromisoformat(d) > now().astimezone(SHANGHAI).date()]
    assert all(row["codes"][index[d]] == "" for d in after)
    assert float(row["present_days"]) == min(2, len(worked))
    assert row["late_days"] == (1 if len(worked) > 1 else 0)
    assert float(row["overtime_hours"]) == 0.5
    assert [x["code"] for x in body["legend"]][:3] == ["P", "L", "E"]


def test_csv_and_xlsx_read_back(office: Office) -> None:
    o = office
    o.settings(attendance_offline_window_h=720)
    day = days_of_one_month()[0]
    month = day.strftime("%Y-%m")
    o.punched("north.rep", "in", at=at(day, 8, 30))
    o.punched("north.rep", "out", at=at(day, 18, 0))
    text = grid(o, "north.sup", month, format="csv").text
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[:5] == ["login", "name", "employee_code", "org_unit", "01"]
    assert "present_days" in header
    mine = next(r for r in rows if r[0] == "north.rep")
    assert mine[header.index(day.strftime("%d"))] == "P"
    r = grid(o, "north.sup", month, format="xlsx")
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == [f"Attendance {month}", "Legend 图例"]
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "E2"
    cells = {c.value: c.column for c in sheet[1]}
    rep_row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "north.rep")
    assert rep_row[cells[day.strftime("%d")] - 1].value == "P"
    assert rep_row[cells["present_days"] - 1].value == 1
    legend = book.worksheets[1]
    assert [c.value for c in legend[1]] == ["code", "status", "中文", "meaning"]
    assert legend.max_row == 11


def test_scope_and_bad_months(office: Office) -> None:
    o = office
    month = now().astimezone(SHANGHAI).strftime("%Y-%m")
    assert [r["login"] for r in grid(o, "north.rep", month).json()["items"]] == ["north.rep"]
    assert "north.rep" not in [r["login"] for r in grid(o, "south.manager", month).json()["items"]]
    assert all(
        r["login"].startswith("other.") for r in grid(o, "other.admin", month).json()["items"]
    )
    r = o.client.get(
        MONTHLY,
        headers=o.world.headers("south.manager"),
        params={"month": month, "org_unit_id": o.world.unit_id("north")},
    )
    assert r.status_code == 404
    for bad in ("2026-13", "26-01", "2026-1", "2999-01"):
        r = o.client.get(MONTHLY, headers=o.world.headers("admin"), params={"month": bad})
        assert r.status_code == 422, bad
