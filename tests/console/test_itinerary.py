"""行程查询: a person's day on the map as the API tells it: the track, its stops, the
playback and the GPX download; someone outside the manager's branch is not shown."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import gpxpy
import pytest
from playwright.sync_api import Browser, FloatRect, Page, expect

from tests.console.conftest import (
    PHONE,
    BrowserErrors,
    Console,
    open_page,
    screenshot,
    sign_in,
    wait_until,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the demo's zone, and the browser's in these tests
MANAGER = "hangzhou.manager"
REP = "xihu1.rep1"  # in the Hangzhou branch
STRANGER = "haishu1.rep1"  # in the Ningbo branch


def staff_id(console: Console, login: str) -> str:
    found = console.api("admin", "GET", "/api/v1/staff", params={"q": login}).json()["items"]
    return next(str(s["id"]) for s in found if s["login"] == login)


def demo_day(console: Console, person: str) -> date:
    """The day of the rep's latest fix, in the demo's time zone."""
    r = console.api(MANAGER, "GET", f"/api/v1/staff/{person}/position")
    fix_time = datetime.fromisoformat(r.json()["properties"]["fix_time"])
    return fix_time.astimezone(SHANGHAI).date()


def busiest_rep(console: Console, day: date) -> str:
    """The rep of the manager's branch with the most events that day."""
    r = console.api(MANAGER, "GET", "/api/v1/events", params={**period(day), "limit": 500})
    counts = Counter(e["staff_id"] for e in r.json()["items"])
    return str(counts.most_common(1)[0][0]) if counts else staff_id(console, REP)


def period(first: date, last: date | None = None) -> dict[str, str]:
    """The API's from/to for whole local days, as the console sends them."""
    start = datetime.combine(first, time(0), SHANGHAI)
    end = datetime.combine((last or first) + timedelta(days=1), time(0), SHANGHAI)
    return {"from": start.isoformat(), "to": end.isoformat()}


def track(console: Console, person: str, **params: Any) -> dict[str, Any]:
    r = console.api(MANAGER, "GET", f"/api/v1/staff/{person}/track", params=params)
    r.raise_for_status()
    return dict(r.json())


def kinds(collection: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in collection["features"] if f["properties"]["kind"] == kind]


@pytest.fixture
def shanghai_page(browser: Browser, browser_errors: BrowserErrors) -> Iterator[Page]:
    """A desktop tab whose local days are the demo's."""
    context, page = open_page(browser, browser_errors, timezone_id="Asia/Shanghai")
    yield page
    context.close()
    assert browser_errors.unexpected() == []


@pytest.fixture
def phone_page(browser: Browser, browser_errors: BrowserErrors) -> Iterator[Page]:
    context, page = open_page(
        browser,
        browser_errors,
        viewport=PHONE,
        timezone_id="Asia/Shanghai",
        is_mobile=True,
        has_touch=True,
    )
    yield page
    context.close()
    assert browser_errors.unexpected() == []


def open_itinerary(page: Page, console: Console, **params: str) -> None:
    sign_in(page, console, MANAGER)
    expect(page.locator(".topbar")).to_contain_text("Sign out")
    query = "&".join(f"{k}={v}" for k, v in params.items())
    page.goto(f"{console.base}/console#/itinerary?{query}")


def box(page: Page, selector: str) -> FloatRect:
    found = page.locator(selector).bounding_box()
    assert found is not None
    return found


def marker_at(page: Page) -> tuple[float, float]:
    found = box(page, ".ff-playback")
    return found["x"], found["y"]


def test_a_reps_day_shows_its_track_stops_playback_and_download(
    shanghai_page: Page, console: Console, tmp_path: Path
) -> None:
    page = shanghai_page
    day = demo_day(console, staff_id(console, REP))
    person = busiest_rep(console, day)
    expected = track(console, person, **period(day), zoom=16)
    stops = kinds(expected, "stop")
    assert kinds(expected, "track")
    assert stops
    events = console.api(
        MANAGER, "GET", "/api/v1/events", params={**period(day), "staff_id": person}
    ).json()["items"]

    open_itinerary(page, console, person=person, day=day.isoformat())
    expect(page.locator("path.ff-route")).to_have_count(1)
    expect(page.locator(".ff-stop")).to_have_count(len(stops))
    expect(page.get_by_role("tab", name=f"Stops ({len(stops)})")).to_be_visible()
    expect(page.locator(".itinerary-side tbody tr")).to_have_count(len(stops))
    expect(page.locator(".total-stops dd")).to_have_text(str(len(stops)))
    expect(page.locator(".ff-event")).to_have_count(len(events))  # each where it began
    expect(page.get_by_role("tab", name=f"Events ({len(events)})")).to_be_visible()
    expect(page.get_by_role("combobox", name="Person")).to_have_value(
        console.api(MANAGER, "GET", f"/api/v1/staff/{person}").json()["name"]
    )
    page.mouse.move(0, 0)
    page.wait_for_timeout(500)  # the map's fit animates
    screenshot(page, "itinerary")

    # a stop chosen in the list is centred on the map
    page.locator(".itinerary-side tbody tr").nth(len(stops) // 2).click()
    expect(page.locator(".ff-focus")).to_have_count(1)
    page.wait_for_timeout(600)  # the map pans
    mapbox, ring = box(page, ".map"), box(page, ".ff-focus")
    assert abs(ring["x"] + ring["width"] / 2 - (mapbox["x"] + mapbox["width"] / 2)) < 3
    assert abs(ring["y"] + ring["height"] / 2 - (mapbox["y"] + mapbox["height"] / 2)) < 3

    # a trip chosen is drawn over the track; an event chosen is centred
    page.get_by_role("tab", name="Trips (").click()
    page.locator(".itinerary-side tbody tr").first.click()
    expect(page.locator("path.ff-trip")).to_have_count(1)
    if events:
        page.get_by_role("tab", name="Events (").click()
        page.locator(".itinerary-side tbody tr").first.click()
        expect(page.locator(".ff-focus")).to_have_count(1)

    # playing moves the marker and the time shown
    page.locator("path.ff-route").wait_for()
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(100)
    first, shown = marker_at(page), page.locator(".playback-time").inner_text()
    wait_until(
        page,
        "([x, y]) => { const r = document.querySelector('.ff-playback').getBoundingClientRect();"
        " return Math.hypot(r.x - x, r.y - y) > 5; }",
        list(first),
    )
    page.get_by_role("button", name="Pause").click()
    assert page.locator(".playback-time").inner_text() != shown
    # and so does the slider
    before = marker_at(page)
    slider = page.get_by_role("slider", name="Playback time")
    slider.focus()
    page.keyboard.press("End")
    page.wait_for_timeout(200)
    assert marker_at(page) != before
    assert slider.input_value() == slider.get_attribute("max")

    # the GPX download holds the track's points
    with page.expect_download() as downloading:
        page.get_by_role("button", name="GPX").click()
    saved = tmp_path / "track.gpx"
    downloading.value.save_as(saved)
    assert downloading.value.suggested_filename == f"track-{day.isoformat()}.gpx"
    gpx = gpxpy.parse(saved.read_text())
    points = [p for t in gpx.tracks for s in t.segments for p in s.points]
    assert len(points) == kinds(expected, "track")[0]["properties"]["fixes"]
    assert len(gpx.waypoints) == len(stops)

    with page.expect_download() as downloading:
        page.get_by_role("button", name="GeoJSON").click()
    collection = json.loads(Path(downloading.value.path()).read_text())
    assert len(kinds(collection, "stop")) == len(stops)

    # a range of days holding that day shows the same stops; a day without fixes says so
    page.get_by_role("tab", name="Several days").click()
    page.fill("input[name=from]", (day - timedelta(days=2)).isoformat())
    expect(page.locator(".ff-stop")).to_have_count(
        len(kinds(track(console, person, **period(day - timedelta(days=2), day)), "stop"))
    )
    page.get_by_role("tab", name="One day").click()
    page.fill("input[name=day]", (day - timedelta(days=30)).isoformat())
    expect(page.get_by_role("status")).to_contain_text("No position fixes for this person")
    expect(page.locator("path.ff-route")).to_have_count(0)


def test_the_itinerary_on_a_phone(phone_page: Page, console: Console) -> None:
    page = phone_page
    person = staff_id(console, REP)
    day = demo_day(console, person)
    stops = kinds(track(console, person, **period(day)), "stop")
    open_itinerary(page, console, person=person, day=day.isoformat())
    expect(page.locator(".ff-stop")).to_have_count(len(stops))
    expect(page.locator("path.ff-route")).to_have_count(1)
    mapbox, lists = box(page, ".map-wrap"), box(page, ".itinerary-side")
    assert lists["y"] >= mapbox["y"] + mapbox["height"]  # the lists come below the map
    assert lists["width"] <= 390
    page.wait_for_timeout(500)  # the map's fit animates
    screenshot(page, "itinerary-phone")
    page.get_by_role("button", name="中文").tap()
    expect(page.get_by_role("tab", name=f"停留点（{len(stops)}）")).to_be_visible()
    page.get_by_role("button", name="播放").tap()
    page.locator(".itinerary-side").scroll_into_view_if_needed()
    screenshot(page, "itinerary-phone-lists-zh")


def test_someone_outside_the_managers_branch_is_not_shown(
    shanghai_page: Page, console: Console, browser_errors: BrowserErrors
) -> None:
    browser_errors.allow("status of 404 (Not Found)")
    stranger = staff_id(console, STRANGER)
    day = demo_day(console, staff_id(console, REP))
    r = console.api(MANAGER, "GET", f"/api/v1/staff/{stranger}/track", params=period(day))
    assert r.status_code == 404
    page = shanghai_page
    open_itinerary(page, console, person=stranger, day=day.isoformat())
    expect(page.locator(".error-box")).to_contain_text("Something went wrong")
    expect(page.locator("path.ff-route")).to_have_count(0)
    expect(page.locator(".ff-stop")).to_have_count(0)
    expect(page.locator(".itinerary-totals")).to_have_count(0)
