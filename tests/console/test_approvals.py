"""Approvals in the console: an approval made on a phone-sized screen shows in the API and
reaches the requester's inbox; a rejection needs its reason; a request's history; the
flow editor saves a new version and its preview names the approver; a rep sees no editor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.console.conftest import PHONE, BrowserErrors, Console, open_page, screenshot, sign_in
from tests.console.workflows import allocate_annual, weekday_ahead

LEAD = "xihu1.lead"
REP = "xihu1.rep4"


def _free_day(console: Console, login: str, offset: int) -> date:
    """A weekday some weeks ahead, clear of the demo's requests, with days allocated."""
    day = weekday_ahead(offset)
    allocate_annual(console, login, day.year)
    return day


def _ask_leave(console: Console, login: str, day: date, reason: str) -> dict[str, Any]:
    types = console.api(login, "GET", "/api/v1/leave-types").json()["items"]
    annual = next(t["id"] for t in types if t["code"] == "annual")
    r = console.api(
        login,
        "POST",
        "/api/v1/leave-requests",
        json={"leave_type_id": annual, "start": str(day), "end": str(day), "reason": reason},
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_an_approval_on_a_phone_shows_in_the_api_and_reaches_the_requester(
    browser: Browser, console: Console
) -> None:
    asked = _ask_leave(console, REP, _free_day(console, REP, 40), "Dentist")
    approval = asked["approval"]["id"]
    errors = BrowserErrors()
    context, page = open_page(browser, errors, viewport=PHONE, locale="en-GB")
    try:
        sign_in(page, console, LEAD, at="/approvals")
        card = page.locator(f".approval-card[data-approval='{approval}']")
        expect(card).to_be_visible()
        expect(card).to_contain_text("annual")
        rep = console.api(REP, "GET", "/api/v1/me").json()
        expect(card.locator(".requester")).to_have_text(rep["name"])
        expect(
            page.locator(".menu-button .unread-badge, .nav .waiting-badge").first
        ).to_be_attached()
        screenshot(page, "approvals-waiting-phone")
        card.locator("button[data-action=approve]").click()  # one tap
        expect(card).to_have_count(0)
        got = console.api(REP, "GET", f"/api/v1/leave-requests/{asked['id']}").json()
        assert (got["status"], got["approval"]["status"]) == ("approved", "approved")
        inbox = console.api(REP, "GET", "/api/v1/inbox", params={"limit": 50}).json()["items"]
        assert any(
            i["kind"] == "approval" and i["data"].get("approval_id") == approval for i in inbox
        ), inbox[:3]
    finally:
        context.close()
    assert errors.unexpected() == []


def test_a_rejection_needs_its_reason(page: Page, console: Console) -> None:
    asked = _ask_leave(console, REP, _free_day(console, REP, 47), "Moving house")
    approval = asked["approval"]["id"]
    sign_in(page, console, LEAD, at="/approvals")
    card = page.locator(f".approval-card[data-approval='{approval}']")
    card.locator("button[data-action=reject]").click()
    confirm = page.locator("button[data-action=confirm-reject]")
    expect(confirm).to_be_disabled()
    page.locator(".dialog textarea").fill("The outlet audit is that day")
    expect(confirm).to_be_enabled()
    confirm.click()
    expect(card).to_have_count(0)
    got = console.api(REP, "GET", f"/api/v1/approvals/{approval}").json()
    assert got["status"] == "rejected"
    assert got["history"][-1]["comment"] == "The outlet audit is that day"


def test_a_requests_history_and_withdrawing_it(page: Page, console: Console) -> None:
    asked = _ask_leave(console, REP, _free_day(console, REP, 54), "Family")
    approval = asked["approval"]["id"]
    sign_in(page, console, REP, at=f"/approvals?id={approval}")
    detail = page.locator(".approval-detail")
    expect(detail).to_have_attribute("data-status", "in_approval")
    expect(detail.locator(".history li[data-action=submit]")).to_have_count(1)
    expect(detail.locator(".history li[data-action=wait]")).to_have_count(1)
    expect(detail.locator("button[data-action=approve]")).to_have_count(0)  # one's own
    detail.locator("button[data-action=withdraw]").click()
    expect(detail).to_have_attribute("data-status", "withdrawn")
    expect(detail.locator(".history li[data-action=withdraw]")).to_have_count(1)
    assert console.api(REP, "GET", f"/api/v1/approvals/{approval}").json()["status"] == "withdrawn"


def test_the_flow_editor_saves_a_version_and_previews_the_approvers(
    page: Page, console: Console
) -> None:
    before = console.api("admin", "GET", "/api/v1/approval-flows/leave").json()
    try:
        sign_in(page, console, "admin", at="/approvals?view=flows&kind=leave")
        editor = page.locator(".flow-editor[data-kind=leave]")
        expect(editor.locator(f"[data-version='{before['version']}']")).to_be_visible()
        expect(editor.locator(".step-editor")).to_have_count(len(before["steps"]))
        preview = editor.locator(".flow-preview")
        preview.get_by_role("combobox", name="Sample requester").fill(REP)
        rep = console.api(REP, "GET", "/api/v1/me").json()
        page.get_by_role("option", name=rep["name"]).click()
        preview.locator("input[type=number]").fill("5")
        preview.get_by_role("button", name="Show the approvers").click()
        lead = console.api(LEAD, "GET", "/api/v1/me").json()
        expect(preview.locator(".preview-steps li[data-step='1']")).to_contain_text(lead["name"])
        editor.get_by_role("button", name="Add a step").click()
        expect(editor.locator(".step-editor")).to_have_count(len(before["steps"]) + 1)
        editor.get_by_role("button", name="Save as a new version").click()
        expect(editor.locator(f"[data-version='{before['version'] + 1}']")).to_be_visible()
        after = console.api("admin", "GET", "/api/v1/approval-flows/leave").json()
        assert (after["version"], len(after["steps"])) == (
            before["version"] + 1,
            len(before["steps"]) + 1,
        )
        screenshot(page, "approvals-flow-editor")
    finally:
        console.api(
            "admin",
            "PUT",
            "/api/v1/approval-flows/leave",
            json={"steps": before["steps"], "restart": before["restart"]},
        )


def test_a_rep_has_no_flow_editor(page: Page, console: Console) -> None:
    sign_in(page, console, REP, at="/approvals?view=flows")
    expect(page.locator(".approvals-page")).to_have_attribute("data-view", "waiting")
    expect(page.get_by_role("tab", name="Approval flows")).to_have_count(0)


def test_a_missed_punch_waits_on_the_lead_and_is_approved(page: Page, console: Console) -> None:
    when = datetime.now(UTC) - timedelta(days=1, hours=2)
    r = console.api(
        "xihu1.rep2",
        "POST",
        "/api/v1/attendance/corrections",
        json={"kind": "in", "time": when.isoformat(), "reason": "The gate reader was broken"},
    )
    assert r.status_code == 201, r.text
    correction = r.json()
    sign_in(page, console, LEAD, at="/approvals")
    card = page.locator(f".approval-card[data-approval='{correction['approval_id']}']")
    expect(card).to_contain_text("Clock-in")
    expect(card).to_contain_text("The gate reader was broken")
    card.locator("button[data-action=approve]").click()
    expect(card).to_have_count(0)
    got = console.api("xihu1.rep2", "GET", f"/api/v1/attendance/corrections/{correction['id']}")
    assert (got.json()["status"], bool(got.json()["punch_id"])) == ("approved", True)
