"""Org & staff (组织与人员): a branch manager sees their branch's tree and staff and nothing
else, creates a rep through the form, and sets up the rep's phone by a tracker app's QR
code, whose link carries what the server then accepts from the app."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, Page, expect

from fieldforce.demo import DEMO_PASSWORD
from tests.console.conftest import (
    PHONE,
    TENANT,
    BrowserErrors,
    Console,
    open_page,
    screenshot,
)

MANAGER = "hangzhou.manager"
TEAM = "Xihu Sales Team 1"
LEAD = "xihu1.lead"
HANGZHOU = (30.2741, 120.1551)  # lat, lon
PASSWORD = "Field-pass-2026"


def all_pages(console: Console, login: str, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list the API pages, as that person sees it."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        r = console.api(login, "GET", path, params=query)
        r.raise_for_status()
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return items


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def on_duty_moment(now: datetime | None = None) -> datetime:
    """The latest moment, at most now, inside the demo's default duty week (Monday to
    Saturday, 08:30-18:00 in Shanghai), with half an hour of it behind, so that fixes
    taken up to 20 minutes before it are kept (off-duty fixes are not)."""
    zone = ZoneInfo("Asia/Shanghai")
    local = (now or datetime.now(UTC)).astimezone(zone) - timedelta(minutes=1)
    for back in range(8):
        day = (local - timedelta(days=back)).date()
        if day.weekday() > 5:
            continue
        start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=zone)
        end = datetime(day.year, day.month, day.day, 17, 55, tzinfo=zone)
        if local >= start:
            return min(local, end).astimezone(UTC).replace(microsecond=0)
    raise AssertionError("no working day in the last week")


def position_time(console: Console, staff_id: str) -> datetime:
    r = console.api(MANAGER, "GET", f"/api/v1/staff/{staff_id}/position")
    assert r.status_code == 200, r.text
    return datetime.fromisoformat(r.json()["properties"]["fix_time"])


def open_org(page: Page, console: Console, tab: str, **params: str) -> None:
    query = "&".join(f"{k}={v}" for k, v in {"tab": tab, **params}.items())
    page.goto(f"{console.base}/console#/org?{query}")


def sign_in_to_org(page: Page, console: Console, tab: str) -> None:
    """Signs in on the org page itself (the sign-in form is shown at any address)."""
    open_org(page, console, tab)
    page.fill("input[autocomplete=organization]", TENANT)
    page.fill("input[autocomplete=username]", MANAGER)
    page.fill("input[autocomplete=current-password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".topbar")).to_contain_text("Sign out")


def shown_setup(page: Page) -> tuple[str, str]:
    """The QR code is drawn; the link next to it and the identifier shown with it."""
    qr = page.locator(".dialog img.setup-qr")
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/png;base64,")
    link = page.locator(".dialog a.setup-link").get_attribute("href") or ""
    assert page.locator(".dialog .setup-link-text").inner_text() == link
    return link, page.locator(".dialog .setup-identifier").inner_text()


def owntracks_settings(link: str) -> dict[str, Any]:
    assert link.startswith("owntracks:///config?inline=")
    inline = parse_qs(urlsplit(link).query)["inline"][0]
    settings: dict[str, Any] = json.loads(base64.b64decode(inline, validate=True))
    return settings


def owntracks_fix(console: Console, user: str, password: str, when: datetime) -> httpx.Response:
    lat, lon = HANGZHOU
    body = {"_type": "location", "lat": lat, "lon": lon, "tst": int(when.timestamp()), "acc": 12,
            "batt": 80, "tid": "ZZ", "t": "u"}  # fmt: skip
    return httpx.post(f"{console.base}/ingest/owntracks", json=body, auth=(user, password))


def test_a_branch_manager_sees_their_branch_tree_and_staff_only(
    page: Page, console: Console, browser_errors: BrowserErrors
) -> None:
    units = all_pages(console, MANAGER, "/api/v1/org-units")
    everywhere = all_pages(console, "admin", "/api/v1/org-units")
    assert 0 < len(units) < len(everywhere)
    sign_in_to_org(page, console, "tree")
    rows = page.locator(".org-tree-row")
    expect(rows).to_have_count(len(units))
    assert set(page.locator(".org-unit-name").all_inner_texts()) == {u["name"] for u in units}
    expect(rows.first).to_contain_text("Hangzhou Branch")
    page.get_by_role("button", name="Collapse all").click()
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Expand all").click()
    expect(rows).to_have_count(len(units))
    # the manager's own unit is theirs to add to, not to change
    page.locator(".org-tree-row", has_text="Hangzhou Branch").locator(".org-tree-name").click()
    side = page.locator(".org-side")
    expect(side.get_by_role("button", name="Add a unit below")).to_be_visible()
    expect(side.get_by_role("button", name="Rename")).to_have_count(0)
    # a unit below: added, renamed, refused while not empty, deleted when empty
    page.locator(".org-tree-row", has_text=TEAM).locator(".org-tree-name").click()
    side.get_by_role("button", name="Add a unit below").click()
    name = unique("Pilot ")
    page.fill(".dialog input[name=unit-name]", name)
    page.select_option(".dialog select[name=unit-kind]", "department")
    page.get_by_role("button", name="Create").click()
    expect(rows).to_have_count(len(units) + 1)
    expect(side).to_contain_text("Department")
    made = [u for u in all_pages(console, MANAGER, "/api/v1/org-units") if u["name"] == name]
    team = next(u for u in units if u["name"] == TEAM)
    assert [u["parent_id"] for u in made] == [team["id"]]
    side.get_by_role("button", name="Rename").click()
    page.fill(".dialog input[name=unit-name]", name + " renamed")
    page.get_by_role("button", name="Save").click()
    expect(side.locator(".panel-head h2").first).to_have_text(name + " renamed")
    screenshot(page, "org-tree")
    browser_errors.allow("status of 409")
    page.locator(".org-tree-row", has_text=TEAM).locator(".org-tree-name").click()
    side.get_by_role("button", name="Delete").click()
    page.locator(".dialog").get_by_role("button", name="Delete").click()
    expect(page.locator(".dialog .error-box")).to_contain_text("only an empty unit can be deleted")
    page.locator(".dialog").get_by_role("button", name="Cancel").click()
    page.locator(".org-tree-row", has_text=name).locator(".org-tree-name").click()
    side.get_by_role("button", name="Delete").click()
    page.locator(".dialog").get_by_role("button", name="Delete").click()
    expect(rows).to_have_count(len(units))
    assert console.api(MANAGER, "GET", f"/api/v1/org-units/{made[0]['id']}").status_code == 404

    # staff: the same people as the API gives the manager, page after page
    staff = all_pages(console, MANAGER, "/api/v1/staff")
    everyone = all_pages(console, "admin", "/api/v1/staff")
    assert 20 < len(staff) < len(everyone)
    page.get_by_role("tab", name="Staff").click()
    logins = page.locator(".staff-login")
    expect(logins).to_have_count(20)
    more = page.get_by_role("button", name="Load more")
    while more.count():
        shown = logins.count()
        more.click()
        expect(logins).not_to_have_count(shown)
    expect(logins).to_have_count(len(staff))
    expect(page.locator(".org-count")).to_have_text(f"{len(staff)} people shown")
    assert sorted(logins.all_inner_texts()) == sorted(s["login"] for s in staff)
    assert "ningbo.manager" not in logins.all_inner_texts()
    # filters: a team's reps
    page.get_by_label("Role", exact=True).select_option("rep")
    page.locator(".toolbar .picker-button").click()
    page.locator(".toolbar .picker-pop .tree-item", has_text=TEAM).click()
    reps = all_pages(console, MANAGER, "/api/v1/staff", org_unit=team["id"], role="rep")
    expect(logins).to_have_count(len(reps))
    assert sorted(logins.all_inner_texts()) == sorted(s["login"] for s in reps)
    page.locator(".staff-login", has_text=f"{LEAD[:-5]}.rep1").click()
    expect(page.locator(".person-detail")).to_contain_text("Reports to")
    expect(page.locator(".person-detail")).to_contain_text("Sales rep")
    screenshot(page, "org-staff")


def test_a_manager_creates_a_rep_and_sets_up_their_phone_by_qr_code(
    page: Page, console: Console
) -> None:
    login = unique("qr.rep.")
    sign_in_to_org(page, console, "staff")
    page.get_by_role("button", name="New person").click()
    form = page.locator(".dialog")
    form.locator("input[name=login]").fill(login)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("input[name=name]").fill("QR Test Rep")
    form.locator("input[name=employee_code]").fill(login.upper())
    form.locator("input[name=phone]").fill("+86 13900000000")
    form.locator(".picker-button").click()
    form.locator(".picker-pop .tree-item", has_text=TEAM).click()
    form.get_by_role("combobox", name="Reports to").fill(LEAD)
    form.get_by_role("option", name=LEAD).click()
    expect(form.locator("input[name=role-rep]")).to_be_checked()
    expect(form.locator("input[name=role-admin]")).to_have_count(0)  # not the manager's to grant
    form.get_by_role("button", name="Create").click()
    expect(page.locator(".person-detail h2")).to_have_text("QR Test Rep")

    found = console.api(MANAGER, "GET", "/api/v1/staff", params={"q": login}).json()["items"]
    assert [(s["login"], s["roles"], s["employee_code"]) for s in found] == [
        (login, ["rep"], login.upper())
    ]
    rep = found[0]
    units = all_pages(console, MANAGER, "/api/v1/org-units")
    assert rep["org_unit_id"] == next(u["id"] for u in units if u["name"] == TEAM)
    lead = console.api(MANAGER, "GET", "/api/v1/staff", params={"q": LEAD}).json()["items"]
    assert rep["manager_id"] == lead[0]["id"]

    # an OwnTracks phone: the QR code and its link, shown once
    page.locator(".person-detail").get_by_role("button", name="Register a device").click()
    page.select_option(".dialog select[name=protocol]", "owntracks")
    page.select_option(".dialog select[name=platform]", "ios")
    page.fill(".dialog input[name=device-name]", "Work phone")
    page.get_by_role("button", name="Register", exact=True).click()
    link, identifier = shown_setup(page)
    expect(page.locator(".dialog .setup-steps")).to_contain_text("Install “OwnTracks”")
    screenshot(page, "org-devices-qr")
    settings = owntracks_settings(link)
    assert settings["_type"] == "configuration"
    assert settings["mode"] == 3
    assert settings["auth"] is True
    assert settings["url"] == f"{console.base}/ingest/owntracks"
    assert settings["username"] == identifier
    assert settings["password"] == page.locator(".dialog .setup-secret").inner_text()
    assert settings["deviceId"] == "Workphone"
    assert len(settings["tid"]) == 2
    devices = all_pages(console, MANAGER, "/api/v1/devices", staff_id=rep["id"])
    assert [(d["protocol"], d["fingerprint"]) for d in devices] == [
        ("owntracks", f"{identifier[:4]}…{identifier[-4:]}")
    ]
    # what the app will send with those settings is accepted: the rep is tracked
    moment = on_duty_moment()
    first = moment - timedelta(minutes=10)
    r = owntracks_fix(console, settings["username"], settings["password"], first)
    assert (r.status_code, r.json()) == (200, [])
    assert position_time(console, rep["id"]) == first
    page.get_by_role("button", name="Done").click()

    # a Traccar Client phone, from the devices tab
    page.locator(".person-detail").get_by_role("link", name="Devices").click()
    expect(page.locator(".org-devices tbody tr")).to_have_count(1)
    page.locator(".org-devices .toolbar").get_by_role("button", name="Register a device").click()
    page.select_option(".dialog select[name=protocol]", "osmand")
    page.get_by_role("button", name="Register", exact=True).click()
    link, identifier = shown_setup(page)
    expect(page.locator(".dialog .setup-secret")).to_have_count(0)  # the identifier is all
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc) == ("org.traccar.client", "config")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["url"] == f"{console.base}/ingest/osmand"
    assert query["id"] == identifier
    page.get_by_role("button", name="Done").click()
    expect(page.locator(".org-devices tbody tr")).to_have_count(2)
    expect(page.locator(".org-devices tbody")).to_contain_text("Traccar Client")
    screenshot(page, "org-devices")
    # Traccar Client posts its JSON to the configured address with the device id
    second = moment - timedelta(minutes=5)
    lat, lon = HANGZHOU
    fix = {"device_id": query["id"], "location": {
        "timestamp": second.isoformat().replace("+00:00", "Z"),
        "coords": {"latitude": lat, "longitude": lon, "accuracy": 9, "speed": 0, "heading": -1,
                   "altitude": 10},
        "is_moving": False, "battery": {"level": 0.7, "is_charging": False}}}  # fmt: skip
    r = httpx.post(query["url"], json=fix)
    assert r.status_code == 200, r.text
    assert position_time(console, rep["id"]) == second


def test_on_a_phone_a_new_setup_code_replaces_the_old_one(
    browser: Browser, console: Console
) -> None:
    login = unique("qr.phone.")
    units = all_pages(console, MANAGER, "/api/v1/org-units")
    team = next(u for u in units if u["name"] == TEAM)
    person = {"login": login, "password": PASSWORD, "name": "Phone Test Rep"}
    made = console.api(MANAGER, "POST", "/api/v1/staff", json={**person, "org_unit_id": team["id"]})
    assert made.status_code == 201, made.text
    rep = made.json()
    issued = console.api(MANAGER, "POST", "/api/v1/devices", json={
        "staff_id": rep["id"], "platform": "android", "protocol": "owntracks"}).json()  # fmt: skip
    errors = BrowserErrors()
    context, page = open_page(browser, errors, viewport=PHONE)
    try:
        sign_in_to_org(page, console, "tree")
        expect(page.locator(".org-tree-row").first).to_contain_text("Hangzhou Branch")
        screenshot(page, "org-tree-phone")
        open_org(page, console, "staff", person=rep["id"])
        expect(page.locator(".person-detail h2")).to_have_text("Phone Test Rep")
        screenshot(page, "org-staff-phone")
        open_org(page, console, "devices", person=rep["id"])
        page.get_by_role("button", name="New setup code").click()
        page.locator(".dialog").get_by_role("button", name="New setup code").click()
        link, identifier = shown_setup(page)
        assert identifier != issued["identifier"]
        page.locator(".dialog img.setup-qr").scroll_into_view_if_needed()
        screenshot(page, "org-devices-qr-phone")
        settings = owntracks_settings(link)
        moment = on_duty_moment()
        old = owntracks_fix(console, issued["identifier"], issued["secret"], moment)
        assert old.status_code == 401
        new = owntracks_fix(console, settings["username"], settings["password"], moment)
        assert (new.status_code, new.json()) == (200, [])
        assert position_time(console, rep["id"]) == moment
        # and in Chinese
        page.get_by_role("button", name="Done").click()
        page.click(".topbar .lang[data-lang='zh']")
        expect(page.get_by_role("tab", name="设备")).to_be_visible()
        expect(page.locator(".org-devices tbody")).to_contain_text("OwnTracks")
        expect(page.locator(".org-devices")).to_contain_text("重新生成设置码")
        screenshot(page, "org-devices-phone-zh")
    finally:
        context.close()
    errors.allow("status of 401")
    assert errors.unexpected() == []
