"""Leave in the console: a rep asks for leave in the browser and the API counts its days;
the team calendar shows approved leave on the right person and days; balances, mine and
the team's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playwright.sync_api import Page, expect

from tests.console.conftest import Console, screenshot, sign_in
from tests.console.workflows import allocate_annual, weekday_ahead

REP = "xihu2.rep4"


def _mine(console: Console, login: str) -> list[dict[str, Any]]:
    return list(
        console.api(login, "GET", "/api/v1/leave-requests", params={"mine": "true"}).json()["items"]
    )


def test_a_rep_asks_for_leave_in_the_browser(page: Page, console: Console) -> None:
    day = weekday_ahead(33)
    allocate_annual(console, REP, day.year)
    sign_in(page, console, REP, at="/leave")
    expect(page.locator(".leave-page")).to_have_attribute("data-view", "mine")
    expect(page.locator(".available[data-code=annual]")).to_be_visible()
    page.get_by_role("button", name="Ask for leave").click()
    form = page.get_by_role("form", name="Ask for leave")
    form.locator("select[name=type]").select_option(label="Annual leave 年假")
    form.locator("input[name=start]").fill(str(day))
    form.locator("input[name=end]").fill(str(day + timedelta(days=1)))
    form.locator("select[name=end_half]").select_option("am")
    form.locator("textarea[name=reason]").fill("Family wedding")
    form.get_by_role("button", name="Ask for approval").click()
    expect(form).to_have_count(0)
    asked = next(r for r in _mine(console, REP) if r["reason"] == "Family wedding")
    working = sum((day + timedelta(days=k)).weekday() < 6 for k in range(2))
    assert (asked["status"], float(asked["days"])) == ("in_approval", working - 0.5)
    row = page.locator("tr", has_text=str(day))
    expect(row).to_contain_text("In approval")
    screenshot(page, "leave-mine")


def test_the_team_calendar_marks_approved_leave(page: Page, console: Console) -> None:
    approved = [
        r
        for r in _mine(console, "xihu1.rep3")
        if r["status"] == "approved" and r["code"] == "annual"
    ]
    assert approved, "the demo has approved annual leave for xihu1.rep3"
    leave = approved[0]
    month = leave["start"][:7]
    rep3 = console.api("xihu1.rep3", "GET", "/api/v1/me").json()
    sign_in(page, console, "xihu1.lead", at=f"/leave?view=calendar&month={month}")
    row = page.locator(f".calendar tr[data-staff='{rep3['id']}']")
    cells = row.locator("td.leave-approved")
    expect(cells).to_have_count(len([p for p in leave["parts"] if p["day"].startswith(month)]))
    for p in leave["parts"]:
        if p["day"].startswith(month):
            expect(row.locator(f"td[data-day='{p['day']}']")).to_have_attribute(
                "data-code", "annual"
            )
    screenshot(page, "leave-calendar")


def test_team_balances_for_those_who_direct(page: Page, console: Console) -> None:
    sign_in(page, console, "xihu1.lead", at="/leave?view=team")
    table = page.locator(".leave-team table")
    expect(table).to_be_visible()
    rep = console.api("xihu1.rep1", "GET", "/api/v1/me").json()
    expect(table).to_contain_text(rep["name"])


def test_a_rep_sees_only_their_own_leave(page: Page, console: Console) -> None:
    sign_in(page, console, REP, at="/leave?view=calendar")
    expect(page.locator(".leave-page")).to_have_attribute("data-view", "mine")
    expect(page.get_by_role("tab", name="Team calendar")).to_have_count(0)
