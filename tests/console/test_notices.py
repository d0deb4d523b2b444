"""业务通知 and 工作任务 in the console: a notice composed in the browser reaches exactly its
audience's inboxes and its read receipts follow; a task given in the browser reaches the
assignee, who follows it in their own inbox; everything also on a phone."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.console.conftest import (
    PHONE,
    BrowserErrors,
    Console,
    open_page,
    screenshot,
    sign_in,
)

MANAGER = "hangzhou.manager"
TEAM = "Binjiang Sales Team 1"
REP = "binjiang1.rep2"
OTHER_BRANCH_REP = "haishu1.rep1"  # Ningbo


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:6]}"


def inbox(console: Console, login: str) -> list[dict[str, Any]]:
    r = console.api(login, "GET", "/api/v1/inbox", params={"limit": 200})
    r.raise_for_status()
    return list(r.json()["items"])


def unread(console: Console, login: str) -> int:
    return int(console.api(login, "GET", "/api/v1/inbox/unread-count").json()["unread"])


def team_people(console: Console) -> dict[str, str]:
    """login → name of everyone active in the team (which has no units below it)."""
    units = console.api(MANAGER, "GET", "/api/v1/org-units", params={"limit": 200}).json()
    team = next(u for u in units["items"] if u["name"] == TEAM)
    staff = console.api(
        MANAGER, "GET", "/api/v1/staff", params={"org_unit": team["id"], "active": True}
    ).json()["items"]
    return {s["login"]: s["name"] for s in staff}


def me(console: Console, login: str) -> dict[str, Any]:
    return dict(console.api(login, "GET", "/api/v1/me").json())


def compose_notice(page: Page, title: str, body: str, unit: str) -> None:
    page.get_by_role("tab", name="Notices sent").click()
    page.get_by_role("button", name="New notice").click()
    form = page.get_by_role("form", name="New notice")
    form.locator("input[name=title]").fill(title)
    form.locator("textarea[name=body]").fill(body)
    form.get_by_role("button", name="Add an org unit").click()
    form.locator(".picker-pop input").fill(unit.split()[0])
    form.locator(".picker-pop .tree-item", has_text=unit).click()
    expect(form.locator(".chosen", has_text=unit)).to_be_visible()
    expect(form.get_by_label("Include the units below")).to_be_checked()
    form.get_by_role("button", name="Send now").click()


def test_a_notice_to_a_team_reaches_its_people_and_its_receipts_follow(
    page: Page, console: Console, browser: Browser
) -> None:
    people = team_people(console)
    assert REP in people
    assert len(people) >= 2
    title = unique("Q4 tariffs briefing")
    sign_in(page, console, MANAGER, at="/notices")
    expect(page.locator(".nav-link.nav-active")).to_contain_text("Notices & tasks")
    compose_notice(page, title, "New packages from Monday.\nBring the leaflets.", TEAM)

    detail = page.locator(".notice-detail")
    expect(detail.locator(".panel-head h2")).to_have_text(title)
    expect(detail.get_by_role("tab", name=f"Not read ({len(people)})")).to_be_visible()
    expect(detail.get_by_role("tab", name="Read (0)")).to_be_visible()

    # the API: the team (with what lies below it) got it, another branch did not
    sent = console.api(MANAGER, "GET", "/api/v1/notices").json()["items"][0]
    assert sent["title"] == title
    assert sent["audience"]["include_subtree"] is True
    assert sent["recipients"] == len(people)
    for login in people:
        assert any(i["title"] == title and i["kind"] == "notice" for i in inbox(console, login))
    assert not any(i["title"] == title for i in inbox(console, OTHER_BRANCH_REP))
    item = next(i for i in inbox(console, REP) if i["title"] == title)
    assert item["read_at"] is None

    # the receipts: the whole team, nobody has read it
    rows = detail.locator("tbody tr")
    expect(rows).to_have_count(len(people))
    for name in people.values():
        row = rows.filter(has_text=name)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Not read")
    # the list of sent notices counts them too
    listed = page.locator(".split-list tbody tr", has_text=title)
    expect(listed).to_contain_text(f"0 of {len(people)}")

    # the rep signs in on their own browser: the notice is in the inbox, unread, and counted
    rep_errors = BrowserErrors()
    context, rep_page = open_page(browser, rep_errors)
    try:
        sign_in(rep_page, console, REP)
        expect(rep_page).to_have_url(f"{console.base}/console#/notices")
        nav = rep_page.locator(".nav")
        # a rep sees their own areas only: no map, zones, alerts or org
        expect(nav.locator(".nav-link")).to_have_count(6)
        hrefs = [link.get_attribute("href") for link in nav.locator(".nav-link").all()]
        assert hrefs == [
            "#/notices",
            "#/approvals",
            "#/attendance",
            "#/customers",
            "#/leave",
            "#/travel",
        ]
        entry = rep_page.locator(".inbox-item", has_text=title)
        expect(entry).to_have_class(_has("inbox-unread"))
        badge = nav.locator(".unread-badge")
        expect(badge).to_have_text(str(unread(console, REP)))
        assert int(badge.inner_text()) >= 1
        screenshot(rep_page, "notices-inbox-rep")

        # the rep reads it (through the API, as the phone app would)
        before = unread(console, REP)
        r = console.api(REP, "POST", f"/api/v1/inbox/{item['id']}/read")
        assert r.status_code == 200
        assert r.json()["read_at"]
        assert unread(console, REP) == before - 1

        # the manager's receipts: the rep has read it, the others not yet
        detail.get_by_role("button", name="Refresh").click()
        expect(detail.get_by_role("tab", name="Read (1)")).to_be_visible()
        expect(detail.get_by_role("tab", name=f"Not read ({len(people) - 1})")).to_be_visible()
        expect(rows.filter(has_text=people[REP])).not_to_contain_text("Not read")
        expect(rows.filter(has_text=people[REP]).locator(".receipt-read")).to_be_visible()
        expect(listed).to_contain_text(f"1 of {len(people)}")
        detail.get_by_role("tab", name="Read (1)").click()
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text(people[REP])
        screenshot(page, "notices-receipts")
        detail.get_by_role("tab", name=f"Not read ({len(people) - 1})").click()
        expect(rows).to_have_count(len(people) - 1)
        expect(rows.filter(has_text=people[REP])).to_have_count(0)

        # on the rep's side it no longer counts as unread; opening it shows it whole
        rep_page.reload()
        entry = rep_page.locator(".inbox-item", has_text=title)
        expect(entry).not_to_have_class(_has("inbox-unread"))
        left = unread(console, REP)
        if left:
            expect(rep_page.locator(".nav .unread-badge")).to_have_text(str(left))
        else:
            expect(rep_page.locator(".nav .unread-badge")).to_have_count(0)
        entry.click()
        reader = rep_page.locator(".reader")
        expect(reader).to_contain_text("Bring the leaflets.")
        screenshot(rep_page, "notices-inbox-read")
    finally:
        context.close()
    assert rep_errors.unexpected() == []


def _has(cls: str) -> re.Pattern[str]:
    return re.compile(rf"(^|\s){cls}(\s|$)")


def test_a_task_given_in_the_browser_reaches_the_assignee_who_follows_it(
    page: Page, console: Console, browser: Browser
) -> None:
    rep = me(console, REP)
    title = unique("Check the Binjiang hall queue")
    sign_in(page, console, MANAGER, at="/notices")
    page.get_by_role("tab", name="Tasks").click()
    page.get_by_role("button", name="New task").click()
    form = page.get_by_role("form", name="New task")
    form.get_by_role("combobox", name="Assignee").fill(REP)
    page.get_by_role("option", name=rep["name"]).click()
    form.locator("input[name=title]").fill(title)
    form.locator("textarea[name=description]").fill("Count the waiting customers at noon.")
    due = datetime.now(UTC) + timedelta(days=1)
    form.locator("input[name=due]").fill(due.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=place]").fill("Binjiang service hall")
    form.locator("input[name=lon]").fill("120.2108")
    form.locator("input[name=lat]").fill("30.2084")
    form.get_by_role("button", name="Give the task").click()

    detail = page.locator(".task-detail")
    expect(detail.locator(".panel-head h2")).to_have_text(title)
    expect(detail).to_contain_text(rep["name"])
    expect(detail).to_contain_text("Open")
    expect(page.locator(".split-list tbody tr", has_text=title)).to_contain_text(rep["name"])

    task = console.api(MANAGER, "GET", "/api/v1/tasks").json()["items"][0]
    assert task["title"] == title
    assert task["assignee_id"] == rep["id"]
    assert task["place"] == "Binjiang service hall"
    assert abs(task["lon"] - 120.2108) < 1e-9
    assert abs(task["lat"] - 30.2084) < 1e-9
    assert datetime.fromisoformat(task["due_at"]) > datetime.now(UTC)
    item = next(i for i in inbox(console, REP) if i["kind"] == "task" and title in i["title"])
    assert item["data"]["task_id"] == task["id"]
    assert item["read_at"] is None
    screenshot(page, "notices-tasks")

    # the rep opens it from their inbox, acknowledges it and reports it done
    errors = BrowserErrors()
    context, rep_page = open_page(browser, errors)
    try:
        sign_in(rep_page, console, REP)
        badge = rep_page.locator(".nav .unread-badge")
        count = unread(console, REP)
        expect(badge).to_have_text(str(count))
        rep_page.locator(".inbox-item", has_text=title).click()
        expect(rep_page.locator(".reader")).to_contain_text(title)
        if count > 1:
            expect(badge).to_have_text(str(count - 1))
        else:
            expect(badge).to_have_count(0)
        assert unread(console, REP) == count - 1
        rep_page.get_by_role("link", name="Open the task").click()
        rep_detail = rep_page.locator(".task-detail")
        expect(rep_detail.locator(".panel-head h2")).to_have_text(title)
        expect(rep_detail).to_contain_text("Binjiang service hall")
        expect(rep_detail.get_by_role("button", name="Cancel the task")).to_have_count(0)
        rep_detail.get_by_role("button", name="Acknowledge").click()
        expect(rep_detail.locator(".task-status")).to_contain_text("Acknowledged")
        rep_detail.locator("textarea").fill("37 waiting at noon.")
        rep_detail.get_by_role("button", name="Report done").click()
        expect(rep_detail.locator(".task-status")).to_contain_text("Done")
        expect(rep_detail.locator(".timeline li")).to_have_count(3)
        expect(rep_detail.locator(".timeline")).to_contain_text("37 waiting at noon.")
    finally:
        context.close()
    assert errors.unexpected() == []

    # the giver follows it: done, with its history
    assert console.api(MANAGER, "GET", f"/api/v1/tasks/{task['id']}").json()["status"] == "done"
    detail.get_by_role("button", name="Refresh").click()
    expect(detail.locator(".task-status")).to_contain_text("Done")
    expect(detail.locator(".timeline li")).to_have_count(3)
    page.get_by_label("Status").select_option("done")
    expect(page.locator(".split-list tbody tr", has_text=title)).to_be_visible()


def test_on_a_phone_the_inbox_notices_and_tasks_fit_the_screen(
    browser: Browser, console: Console
) -> None:
    title = unique("Weekend opening hours")
    units = console.api(MANAGER, "GET", "/api/v1/org-units", params={"limit": 200}).json()
    team = next(u for u in units["items"] if u["name"] == TEAM)
    r = console.api(
        MANAGER,
        "POST",
        "/api/v1/notices",
        json={"title": title, "body": "Halls open 10:00-16:00.", "org_unit_ids": [team["id"]]},
    )
    assert r.status_code == 201, r.text
    notice = r.json()
    rep = me(console, REP)
    r = console.api(
        MANAGER,
        "POST",
        "/api/v1/tasks",
        json={"assignee_id": rep["id"], "title": unique("Put up the weekend posters")},
    )
    assert r.status_code == 201, r.text
    errors = BrowserErrors()
    context, page = open_page(browser, errors, viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        # the rep: the menu button carries the unread count, the inbox fills the screen
        sign_in(page, console, REP)
        expect(page.locator(".menu-button .unread-badge")).to_have_text(str(unread(console, REP)))
        expect(page.locator(".inbox-item", has_text=title)).to_be_visible()
        screenshot(page, "notices-inbox-phone")
        page.locator(".inbox-item", has_text=title).click()
        expect(page.locator(".reader")).to_contain_text("Halls open 10:00-16:00.")
        expect(page.locator(".inbox-list")).to_be_hidden()  # the message takes the screen
        _fits(page)
        page.get_by_role("button", name="Close").click()
        expect(page.locator(".inbox-list")).to_be_visible()
        page.click(".topbar .btn-ghost:has-text('Sign out')")

        # the manager: the notice's receipts and the tasks as cards
        sign_in(page, console, MANAGER, at=f"/notices?tab=notices&notice={notice['id']}")
        expect(page.locator(".menu-button")).to_be_visible()
        detail = page.locator(".notice-detail")
        expect(detail.get_by_role("tab", name="Read (1)")).to_be_visible()
        expect(detail.locator("tbody tr")).to_have_count(notice["recipients"])
        _fits(page)
        screenshot(page, "notices-receipts-phone")
        page.get_by_role("button", name="Close").click()
        expect(page.locator(".split-list tbody tr", has_text=title)).to_be_visible()
        screenshot(page, "notices-sent-phone")
        page.get_by_role("tab", name="Tasks").click()
        expect(page.locator(".split-list tbody tr", has_text=r.json()["title"])).to_be_visible()
        _fits(page)
        screenshot(page, "notices-tasks-phone")

        # and in Chinese
        page.click(".topbar .lang[data-lang='zh']")
        expect(page.get_by_role("tab", name="工作任务")).to_be_visible()
        expect(page.get_by_role("tab", name="收件箱")).to_be_visible()
        page.get_by_role("tab", name="已发通知").click()
        expect(page.get_by_role("button", name="发布通知")).to_be_visible()
        screenshot(page, "notices-sent-phone-zh")
    finally:
        context.close()
    assert errors.unexpected() == []


def _fits(page: Page) -> None:
    """Nothing wider than the phone's screen."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the screen"


def test_a_scheduled_notice_to_roles_and_people_waits_and_can_be_cancelled(
    page: Page, console: Console
) -> None:
    named = me(console, "xihu1.rep1")
    title = unique("Monthly targets")
    sign_in(page, console, MANAGER, at="/notices?tab=notices")
    page.get_by_role("button", name="New notice").click()
    form = page.get_by_role("form", name="New notice")
    form.locator("input[name=title]").fill(title)
    form.locator("textarea[name=body]").fill("Targets for next month are in the app.")
    for unit in (TEAM, "Binjiang Sales Team 2"):
        form.get_by_role("button", name="Add an org unit").click()
        form.locator(".picker-pop .tree-item", has_text=unit).click()
    form.get_by_label("Sales rep").check()
    form.get_by_role("combobox", name="Add a person").fill("xihu1.rep1")
    page.get_by_role("option", name=named["name"]).click()
    expect(form.locator(".chosen")).to_have_count(3)
    form.get_by_label("Send later").check()
    later = page.evaluate(  # the browser's local time, as datetime-local takes it
        "() => new Date(Date.now() + 3 * 3600e3 - new Date().getTimezoneOffset() * 60e3)"
        ".toISOString().slice(0, 16)"
    )
    form.get_by_label("Send at").fill(later)
    screenshot(page, "notices-compose")
    form.get_by_role("button", name="Schedule").click()

    detail = page.locator(".notice-detail")
    expect(detail.locator(".panel-head h2")).to_have_text(title)
    expect(detail).to_contain_text("Scheduled")
    expect(detail).to_contain_text("only: Sales rep")
    expect(detail).to_contain_text(named["name"])
    sent = console.api(MANAGER, "GET", "/api/v1/notices").json()["items"][0]
    assert sent["title"] == title
    assert sent["sent_at"] is None
    assert sent["audience"]["roles"] == ["rep"]
    assert sent["audience"]["staff_ids"] == [named["id"]]
    assert len(sent["audience"]["org_unit_ids"]) == 2
    assert datetime.fromisoformat(sent["send_at"]) > datetime.now(UTC) + timedelta(hours=2)
    assert not any(i["title"] == title for i in inbox(console, REP))

    detail.get_by_role("button", name="Cancel this notice").click()
    expect(detail).to_contain_text("Cancelled")
    expect(detail).to_contain_text("was cancelled before it went out")
    expect(page.locator(".split-list tbody tr", has_text=title)).to_contain_text("Cancelled")
    notice = console.api(MANAGER, "GET", f"/api/v1/notices/{sent['id']}").json()
    assert notice["cancelled_at"] is not None


def test_a_supervisors_inbox_holds_the_alerts_about_their_people(
    page: Page, console: Console
) -> None:
    lead = "binjiang1.lead"
    alerts = [i for i in inbox(console, lead) if i["kind"] == "alert"]
    assert alerts, "the demo's day gives the team's supervisor alerts"
    sign_in(page, console, lead, at="/notices")
    expect(page.locator(".inbox-item").first).to_be_visible()
    page.get_by_label("Kind").select_option("alert")
    items = page.locator(".inbox-item")
    expect(items).to_have_count(min(len(alerts), 30))
    expect(items.first).to_contain_text(alerts[0]["title"])
    screenshot(page, "notices-inbox-alerts")
    items.first.click()
    reader = page.locator(".reader")
    expect(reader).to_contain_text(alerts[0]["body"])
    link = reader.get_by_role("link", name="Show on the itinerary")
    expect(link).to_have_attribute("href", re.compile(f"person={alerts[0]['data']['staff_id']}"))
    page.click(".topbar .lang[data-lang='zh']")
    expect(page.get_by_role("tab", name="收件箱")).to_be_visible()
    expect(reader.get_by_role("link", name="在行程中查看")).to_be_visible()
    screenshot(page, "notices-inbox-alerts-zh")
