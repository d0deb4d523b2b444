"""Alerts: the event list shows what GET /api/v1/events gives for the same filters, links
each event to the map and the itinerary, and a rep's daily summary is charted and tabled
with the API's minutes."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.console.conftest import (
    PHONE,
    BrowserErrors,
    Console,
    open_page,
    screenshot,
    sign_in,
)

EVENTS = "/api/v1/events"


def api_events(console: Console, login: str, **params: Any) -> list[dict[str, Any]]:
    """Every event the API lists for these filters, following the cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
        r = console.api(login, "GET", EVENTS, params=query)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return items


def open_alerts(page: Page, console: Console, login: str, query: str = "") -> None:
    sign_in(page, console, login)
    expect(page.locator(".topbar")).to_be_visible()
    page.goto(f"{console.base}/console#/alerts{query}")
    expect(page.locator(".alerts")).to_be_visible()


def shown_events(page: Page) -> list[str]:
    """The ids of the listed events, after loading every page."""
    note = page.locator(".alerts-count")
    expect(note).not_to_have_text("Loading…")
    more = page.locator(".alerts-more button")
    while more.count():
        before = note.inner_text()
        more.click()
        expect(note).not_to_have_text(before)
    expect(note).to_have_text(re.compile(r"^\d+ events?$"))
    ids = page.locator(".alerts-person").evaluate_all("els => els.map(e => e.dataset.event)")
    count = int(note.inner_text().split()[0])
    assert count == len(ids)
    return list(ids)


def params_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(urlsplit(url).fragment).query)


def test_the_list_shows_the_api_events_and_filters_as_it_does(page: Page, console: Console) -> None:
    everything = api_events(console, "admin")
    size = 5  # pages of 5 (`size` in the link) so that "load more" is needed
    assert len(everything) > size
    single_lookups: list[str] = []
    page.on(
        "request",
        lambda r: (
            re.search(r"/api/v1/staff/[0-9a-f-]{36}$", urlsplit(r.url).path)
            and single_lookups.append(r.url)
        ),
    )
    open_alerts(page, console, "admin", f"?size={size}")
    expect(page.locator(".alerts-count")).to_have_text(re.compile("more to load"))
    first_page = page.locator(".alerts-person").evaluate_all("els => els.map(e => e.dataset.event)")
    assert first_page == [e["id"] for e in everything[:size]]
    expect(page.locator(".alerts-count")).to_have_text(
        f"{len(first_page)} events shown, more to load"
    )
    assert shown_events(page) == [e["id"] for e in everything]
    # people's names resolved, from the staff directory, not one request per row
    expect(page.locator(".alerts-person", has_text="…")).to_have_count(0)
    names = page.locator(".alerts-person").all_inner_texts()
    assert "…" not in names
    assert all(names)
    assert single_lookups == []
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "alerts-list")

    page.check("input[name=type][value=off_zone]")
    assert params_of(page.url)["type"] == ["off_zone"]
    off_zone = api_events(console, "admin", type="off_zone")
    assert 0 < len(off_zone) < len(everything)
    assert shown_events(page) == [e["id"] for e in off_zone]
    assert set(
        page.locator(".alerts-type").evaluate_all("els => els.map(e => e.dataset.type)")
    ) == {"off_zone"}

    page.check("input[name=type][value=no_signal]")
    assert params_of(page.url)["type"] == ["off_zone,no_signal"]
    both = api_events(console, "admin", type=["off_zone", "no_signal"])
    assert shown_events(page) == [e["id"] for e in both]

    page.check("input[name=open]")
    assert params_of(page.url)["open"] == ["1"]
    still_open = api_events(console, "admin", type=["off_zone", "no_signal"], open="true")
    assert all(e["ended_at"] is None for e in still_open)
    expected = [e["id"] for e in still_open]
    if expected:
        assert shown_events(page) == expected
        expect(page.locator(".alerts-list td .badge-warn").first).to_have_text("going on")
    else:
        expect(page.locator(".alerts-list .empty")).to_have_text("No events match these filters.")

    # the link reproduces the view
    url = page.url
    page.reload()
    expect(page.locator(".alerts")).to_be_visible()
    assert page.url == url
    expect(page.locator("input[name=open]")).to_be_checked()
    if expected:
        assert shown_events(page) == expected

    # a period: the events overlapping the days chosen
    page.uncheck("input[name=open]")
    day = datetime.fromisoformat(both[-1]["started_at"]).astimezone(browser_zone(page)).date()
    page.fill("input[name=from]", day.isoformat())
    page.fill("input[name=to]", day.isoformat())
    assert params_of(page.url)["from"] == [day.isoformat()]
    start = datetime.combine(day, datetime.min.time(), browser_zone(page))
    in_period = api_events(
        console,
        "admin",
        type=["off_zone", "no_signal"],
        **{"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat()},
    )
    assert shown_events(page) == [e["id"] for e in in_period]


def browser_zone(page: Page) -> ZoneInfo:
    return ZoneInfo(page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone"))


def manager_with_events(console: Console) -> str:
    return next(
        m
        for m in ("hangzhou.manager", "ningbo.manager", "wenzhou.manager")
        if api_events(console, m, type="off_zone")
    )


def test_a_branch_manager_sees_only_the_chosen_units_events(page: Page, console: Console) -> None:
    manager = manager_with_events(console)
    units = console.api(manager, "GET", "/api/v1/org-units").json()["items"]
    branch = next(u for u in units if not any(v["id"] == u["parent_id"] for v in units))
    teams = [u for u in units if u["parent_id"] == branch["id"]]
    counted = {u["id"]: len(api_events(console, manager, org_unit=u["id"])) for u in teams}
    team = max(teams, key=lambda u: counted[u["id"]])
    mine = api_events(console, manager)
    assert 0 < counted[team["id"]] <= len(mine) < len(api_events(console, "admin"))

    open_alerts(page, console, manager)
    assert shown_events(page) == [e["id"] for e in mine]
    page.click(".alerts-filters .picker-button")
    page.click(f".unit-tree .tree-item:text-is('{team['name']}')")
    assert params_of(page.url)["unit"] == [team["id"]]
    of_team = api_events(console, manager, org_unit=team["id"])
    assert shown_events(page) == [e["id"] for e in of_team]
    # nobody outside the team is listed
    people = console.api(
        manager, "GET", "/api/v1/staff", params={"org_unit": team["id"], "limit": 500}
    ).json()["items"]
    listed = page.locator(".alerts-person").evaluate_all("els => els.map(e => e.dataset.staff)")
    assert set(listed) <= {p["id"] for p in people}


def test_an_event_links_to_the_map_and_the_itinerary(page: Page, console: Console) -> None:
    event = api_events(console, "admin", type="off_zone")[0]
    open_alerts(page, console, "admin", "?type=off_zone")
    row = page.locator("tr", has=page.locator(f".alerts-person[data-event='{event['id']}']"))
    row.locator("a[data-link=map]").click()
    page.wait_for_url(re.compile(r"#/map\?.*lat="))
    where = params_of(page.url)
    assert where["person"] == [event["staff_id"]]
    # centred where the person was at the start: one of their fixes of the half hour before
    start = datetime.fromisoformat(event["started_at"])
    fixes = console.api(
        "admin",
        "GET",
        f"/api/v1/staff/{event['staff_id']}/pings",
        params={
            "from": (start - timedelta(minutes=30)).isoformat(),
            "to": (start + timedelta(minutes=15)).isoformat(),
            "flagged": "false",
            "limit": 500,
        },
    ).json()["items"]
    lat, lon = float(where["lat"][0]), float(where["lon"][0])
    assert any(abs(p["lat"] - lat) < 1e-5 and abs(p["lon"] - lon) < 1e-5 for p in fixes)
    expect(page.locator(".person-panel")).to_be_visible()
    page.wait_for_timeout(1000)  # the map settles before it is left

    page.go_back()
    day = datetime.fromisoformat(event["started_at"]).astimezone(browser_zone(page)).date()
    row.locator("a[data-link=itinerary]").click()
    page.wait_for_url(re.compile(r"#/itinerary\?"))
    assert params_of(page.url) == {"person": [event["staff_id"]], "day": [day.isoformat()]}
    page.wait_for_timeout(1000)


def chart_is_drawn(page: Page) -> None:
    canvas = page.locator(".duty-chart canvas").first
    expect(canvas).to_be_visible()
    page.wait_for_timeout(300)
    image = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20, "the chart is blank"


def summary_of_a_rep(console: Console, login: str) -> tuple[str, str, str, dict[str, Any]]:
    """A rep with events in this person's scope, the three days up to their latest one, and
    the API's summary of them."""
    event = api_events(console, login, type="off_zone")[0]
    url = f"/api/v1/staff/{event['staff_id']}/duty-summary"
    tz = console.api(login, "GET", url, params={"from": event["started_at"][:10]}).json()
    day = datetime.fromisoformat(event["started_at"]).astimezone(ZoneInfo(tz["timezone"])).date()
    first, last = (day - timedelta(days=2)).isoformat(), day.isoformat()
    r = console.api(login, "GET", url, params={"from": first, "to": last})
    assert r.status_code == 200, r.text
    return event["staff_id"], first, last, r.json()


def test_a_reps_daily_summary_is_charted_with_the_apis_minutes(
    page: Page, console: Console
) -> None:
    rep, first, last, summary = summary_of_a_rep(console, "admin")
    open_alerts(page, console, "admin", f"?tab=summary&person={rep}&from={first}&to={last}")
    expect(page.locator(".summary-date")).to_have_count(len(summary["days"]))
    chart_is_drawn(page)
    # drawn on a canvas: no style element added to the page (the policy would refuse it)
    assert page.locator("style").count() == 0
    for day in summary["days"]:
        row = page.locator("tr", has=page.locator(f".summary-date:text-is('{day['date']}')"))
        for part in ("in_zone_min", "off_zone_min", "no_signal_min", "unknown_min", "off_duty_min"):
            shown = float(row.locator(f".minutes[data-part={part}]").inner_text().replace(",", ""))
            if part == "off_duty_min" and day is summary["days"][-1]:
                # today's evening off duty grows by the minute: read a moment after the API
                assert round(day[part], 1) <= shown <= day[part] + 3, (day["date"], part)
            else:
                assert shown == round(day[part], 1), (day["date"], part)
    worked = summary["days"][-1]
    assert worked["in_zone_min"] + worked["off_zone_min"] > 0
    expect(page.locator(".alerts-summary input[role=combobox]")).not_to_have_value("")
    screenshot(page, "alerts-summary")
    # in Chinese too
    page.click(".lang[data-lang=zh]")
    expect(page.locator(".tab-active")).to_have_text("每日汇总")
    expect(page.locator(".alerts-summary th").nth(1)).to_have_text("区域内（分钟）")
    chart_is_drawn(page)
    screenshot(page, "alerts-summary-zh")
    page.click(".lang[data-lang=en]")


def test_alerts_on_a_phone(
    browser: Browser, console: Console, browser_errors: BrowserErrors
) -> None:
    manager = manager_with_events(console)
    rep, first, last, summary = summary_of_a_rep(console, manager)
    context, page = open_page(browser, browser_errors, viewport=PHONE)
    try:
        open_alerts(page, console, manager)
        assert shown_events(page) == [e["id"] for e in api_events(console, manager)]
        page.evaluate("window.scrollTo(0, 0)")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "alerts-list-phone")
        page.goto(f"{console.base}/console#/alerts?tab=summary&person={rep}&from={first}&to={last}")
        expect(page.locator(".summary-date")).to_have_count(len(summary["days"]))
        chart_is_drawn(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "alerts-summary-phone")
    finally:
        context.close()
    assert browser_errors.unexpected() == []
