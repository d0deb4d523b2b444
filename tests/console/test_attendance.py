"""Attendance in the console: a clock-in made through the API shows on today's board, the
monthly grid shows the demo's month and downloads as XLSX, a rep asks for a correction
from their month, and the corrections waiting on a lead are there to decide."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from fieldforce.demo import CITY_CENTRES, last_working_day
from fieldforce.demo.attendance import ABSENT, MISSED_IN, working_days
from tests.console.conftest import Console, screenshot, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")


def demo_days() -> list:  # type: ignore[type-arg]
    return working_days(last_working_day(datetime.now(UTC))[0].astimezone(SHANGHAI).date())


def me(console: Console, login: str) -> dict:  # type: ignore[type-arg]
    return dict(console.api(login, "GET", "/api/v1/me").json())


def test_a_clock_in_through_the_api_shows_on_the_board(
    shanghai_page: Page, console: Console
) -> None:
    page = shanghai_page
    who = "binjiang1.rep1"  # nobody in Binjiang punches in the demo
    lon, lat = CITY_CENTRES["Hangzhou"]
    r = console.api(
        who,
        "POST",
        "/api/v1/attendance/punches",
        json={
            "id": str(uuid.uuid4()),
            "kind": "in",
            "time": (datetime.now(UTC) - timedelta(seconds=30)).isoformat(),
            "lon": lon,
            "lat": lat,
            "accuracy_m": 15,
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted", r.text
    field = console.api(
        "binjiang1.rep3",
        "POST",
        "/api/v1/attendance/punches",
        json={
            "id": str(uuid.uuid4()),
            "kind": "in",
            "time": (datetime.now(UTC) - timedelta(seconds=20)).isoformat(),
            "lon": lon + 0.2,
            "lat": lat,
            "accuracy_m": 15,
            "field": True,
            "note": "Visiting a partner outlet in Xiaoshan",
        },
    )
    assert field.json()["status"] == "accepted", field.text
    rep = me(console, who)
    sign_in(page, console, "binjiang1.lead", at="/attendance")
    expect(page.locator(".attendance-page")).to_have_attribute("data-view", "board")
    card = page.locator(f".board-person[data-staff='{rep['id']}']")
    expect(card).to_have_attribute("data-state", "in")
    expect(card).to_contain_text(rep["name"])
    expect(card).to_contain_text("in ")
    # a teammate who has not punched is not in (or off, on a day without a shift)
    rep2 = me(console, "binjiang1.rep2")
    today = datetime.now(SHANGHAI).date().isoformat()
    (day,) = console.api(
        "binjiang1.lead",
        "GET",
        "/api/v1/attendance/days",
        params={"staff_id": rep2["id"], "from": today, "to": today},
    ).json()["items"]
    other = page.locator(f".board-person[data-staff='{rep2['id']}']")
    off = day["status"] in ("rest_day", "holiday")
    expect(other).to_have_attribute("data-state", "off" if off else "not_in")
    expect(page.locator(".field-punches")).to_contain_text("Visiting a partner outlet")
    page.locator(".chip[data-value='in']").click()
    expect(page.locator(".board-person")).to_have_count(2)  # the office and the field
    screenshot(page, "attendance-board")


def test_the_month_grid_shows_the_demo_and_downloads_as_xlsx(
    shanghai_page: Page, console: Console, tmp_path: Path
) -> None:
    page = shanghai_page
    days = demo_days()
    absent_on = days[-3]
    month = absent_on.strftime("%Y-%m")
    lead_unit = me(console, "xihu2.lead")["org_unit_id"]
    sign_in(page, console, "xihu2.lead", at=f"/attendance?view=grid&month={month}&unit={lead_unit}")
    absent = me(console, ABSENT)
    row = page.locator(f".month-grid tr[data-staff='{absent['id']}']")
    expect(row.locator(f"td[data-day='{absent_on}']")).to_have_attribute("data-code", "A")
    expect(page.locator(".month-grid tbody tr")).to_have_count(5)  # the lead and four reps
    screenshot(page, "attendance-grid")
    with page.expect_download() as downloading:
        page.get_by_role("button", name="XLSX").click()
    assert downloading.value.suggested_filename == f"attendance-{month}.xlsx"
    saved = tmp_path / "grid.xlsx"
    downloading.value.save_as(saved)
    book = load_workbook(io.BytesIO(saved.read_bytes()))
    assert book.sheetnames == [f"Attendance {month}", "Legend 图例"]
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "E2"
    header = [c.value for c in sheet[1]]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert set(rows) == {"xihu2.lead", "xihu2.rep1", "xihu2.rep2", "xihu2.rep3", "xihu2.rep4"}
    assert rows[ABSENT][header.index(absent_on.strftime("%d"))].value == "A"
    assert rows[ABSENT][header.index("absent_days")].value >= 1


def test_a_rep_asks_for_a_correction_from_their_month(
    shanghai_page: Page, console: Console
) -> None:
    page = shanghai_page
    absent_on = demo_days()[-3]
    sign_in(page, console, ABSENT, at=f"/attendance?month={absent_on.strftime('%Y-%m')}")
    expect(page.locator(".attendance-page")).to_have_attribute("data-view", "month")
    expect(page.get_by_role("tab", name="Monthly grid")).to_have_count(0)  # a rep's own only
    row = page.locator("tr", has=page.locator(f"[data-day='{absent_on}']"))
    expect(row).to_contain_text("Absent")
    row.locator("[data-action=correct]").click()
    form = page.get_by_role("form", name="Ask for a correction")
    form.locator("input[name=time]").fill(f"{absent_on}T08:25")
    form.locator("textarea[name=reason]").fill("Badge reader down all morning")
    form.get_by_role("button", name="Send for approval").click()
    expect(page.locator(".attendance-page")).to_have_attribute("data-view", "corrections")
    expect(page.locator(".attendance-corrections")).to_contain_text("Badge reader down")
    mine = console.api(
        ABSENT, "GET", "/api/v1/attendance/corrections", params={"mine": "true"}
    ).json()["items"]
    asked = next(c for c in mine if c["reason"] == "Badge reader down all morning")
    assert (asked["day"], asked["kind"], asked["status"]) == (str(absent_on), "in", "in_approval")
    assert asked["time"].startswith(f"{absent_on}T00:25")  # 08:25 in Shanghai


def test_corrections_waiting_on_a_lead(shanghai_page: Page, console: Console) -> None:
    page = shanghai_page
    sign_in(page, console, "xihu1.lead", at="/attendance?view=corrections")
    panel = page.locator(".attendance-corrections")
    waiting = console.api(
        "xihu1.lead",
        "GET",
        "/api/v1/approvals",
        params={"waiting_on": "me", "status": "in_approval", "kind": "attendance_correction"},
    ).json()["items"]
    expect(panel.locator(".approval-card[data-kind='attendance_correction']")).to_have_count(
        len(waiting)
    )
    # the approved one of the demo is on the rep's month, marked corrected
    rep = me(console, MISSED_IN)
    month = demo_days()[-6].strftime("%Y-%m")
    page.goto(f"{console.base}/console#/attendance?view=month&staff={rep['id']}&month={month}")
    expect(page.locator(".attendance-month table")).to_contain_text("corrected")
