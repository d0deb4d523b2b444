"""Zones & duty: zones drawn in the browser are stored with the shape that was clicked (also
on GCJ-02 tiles, converted back to WGS-84), assignments and schedules made there reach the
API, and the pages fit a desk and a phone."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from api.app import create_app
from fieldforce.demo import DEMO_PASSWORD
from fieldforce.settings import TileSource
from tests.console.conftest import (
    PHONE,
    TENANT,
    BrowserErrors,
    Console,
    console_settings,
    open_page,
    screenshot,
    wait_until,
)
from tests.processes import serving_in_thread

MANAGER = "hangzhou.manager"
TEAM = "Xihu Sales Team 1"
REP = "xihu1.rep1"
# A view north-west of Hangzhou's work circle, away from the demo's zones; zoom 17 is
# about 1 m a pixel here.
VIEW = {"lat": 30.3612, "lon": 120.0234}
ZOOM = 17
EARTH_RADIUS_M = 6_371_000.0  # Leaflet's, for the radius of a drawn circle


# --- the reference WGS-84 -> GCJ-02 conversion (the published formula) ---

_A = 6378245.0
_EE = 0.00669342162296594323


def _lat_shift(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _lon_shift(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Where a WGS-84 point is drawn on GCJ-02 tiles (AMap/Gaode, Tencent), in China."""
    d_lat = _lat_shift(lon - 105.0, lat - 35.0)
    d_lon = _lon_shift(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lon + d_lon, lat + d_lat


def test_the_reference_conversion_matches_published_values() -> None:
    # Tiananmen: WGS-84 (116.391275, 39.906217) is drawn at about (116.397519, 39.907621)
    lon, lat = wgs84_to_gcj02(116.391275, 39.906217)
    assert distance_m((lon, lat), (116.397519, 39.907621)) < 5


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lon1, lat1), (lon2, lat2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


# --- where a screen point is on the map ---


@dataclass
class TileAnchor:
    """One loaded tile: its z/x/y (from its URL) and where it sits on the screen."""

    z: int
    x: int
    y: int
    left: float
    top: float
    size: float

    def lon_lat(self, sx: float, sy: float) -> tuple[float, float]:
        """The tiles' own coordinates (Web Mercator) of the screen point (sx, sy)."""
        world = 256 * 2**self.z
        px = self.x * 256 + (sx - self.left) * 256 / self.size
        py = self.y * 256 + (sy - self.top) * 256 / self.size
        lon = px / world * 360 - 180
        lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / world))))
        return lon, lat


def tile_anchor(page: Page, zoom: int) -> TileAnchor:
    wait_until(
        page,
        "z => [...document.querySelectorAll('.zones-map img.leaflet-tile-loaded')]"
        ".some(i => i.src.includes(`/${z}/`))",
        zoom,
    )
    found = page.evaluate(
        """z => {
          const tile = [...document.querySelectorAll('.zones-map img.leaflet-tile-loaded')]
            .find(i => new RegExp(`/${z}/\\\\d+/\\\\d+\\\\.png$`).test(i.src));
          const [, x, y] = tile.src.match(/\\/(\\d+)\\/(\\d+)\\.png$/);
          const r = tile.getBoundingClientRect();
          return {x: +x, y: +y, left: r.left, top: r.top, size: r.width};
        }""",
        zoom,
    )
    return TileAnchor(z=zoom, **found)


def map_box(page: Page) -> tuple[float, float, float, float]:
    box = page.locator(".zones-map .leaflet-container").bounding_box()
    assert box is not None
    return box["x"], box["y"], box["width"], box["height"]


# --- drawing ---


def sign_in_at(page: Page, base: str, hash_path: str, login: str = MANAGER) -> None:
    """Signs in on the console opened at a page of its own (not the live map first)."""
    page.goto(f"{base}/console#{hash_path}")
    page.fill("input[autocomplete=organization]", TENANT)
    page.fill("input[autocomplete=username]", login)
    page.fill("input[autocomplete=current-password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".nav")).to_be_attached()


def open_zones(page: Page, base: str) -> TileAnchor:
    """Signs in on the zones page at VIEW."""
    sign_in_at(page, base, f"/zones?lat={VIEW['lat']}&lon={VIEW['lon']}&z={ZOOM}")
    expect(page.locator("[data-draw=polygon]")).to_be_visible()
    page.wait_for_timeout(400)  # the map settles
    return tile_anchor(page, ZOOM)


def click_points(page: Page, points: list[tuple[int, int]]) -> None:
    for x, y in points:
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        page.wait_for_timeout(350)  # not a double click


def draw_polygon(page: Page, name: str) -> list[tuple[int, int]]:
    left, top, width, height = map_box(page)
    cx, cy = int(left + width / 2), int(top + height / 2)
    corners = [(cx - 120, cy - 90), (cx + 110, cy - 100), (cx + 130, cy + 80), (cx - 90, cy + 110)]
    page.click("[data-draw=polygon]")
    finish = page.get_by_role("button", name="Finish")
    expect(page.locator(".zone-draw-tools[data-drawing=Polygon]")).to_be_attached()
    click_points(page, corners)
    finish.click()  # closes the ring at the first corner
    save_new_zone(page, name)
    return corners


def draw_circle(page: Page, name: str) -> tuple[tuple[int, int], tuple[int, int]]:
    left, top, width, height = map_box(page)
    centre = (int(left + width / 2) + 40, int(top + height / 2) - 30)
    edge = (centre[0] + 150, centre[1] + 60)
    page.click("[data-draw=circle]")
    expect(page.locator(".zone-draw-tools[data-drawing=Circle]")).to_be_attached()
    click_points(page, [centre, edge])
    save_new_zone(page, name)
    return centre, edge


def close_editor(page: Page) -> None:
    """Closes the zone's form and waits until it is gone (the list is back)."""
    form = page.locator("form.zone-form")
    zone_id_in_url(page)  # the saved zone's form (re-made after saving) is the one shown
    page.wait_for_timeout(300)
    form.locator("button[aria-label=Close]").click()
    expect(form).to_have_count(0)
    expect(page.locator("[data-draw=polygon]")).to_be_visible()


def save_new_zone(page: Page, name: str) -> None:
    form = page.locator("form.zone-form")
    expect(form.locator("h2")).to_have_text("New zone")
    form.locator("input[name=name]").fill(name)
    form.locator("button[type=submit]").click()
    expect(form.locator("h2")).to_have_text(name)


def zone_id_in_url(page: Page) -> str:
    page.wait_for_url(re.compile(r"[?&]zone=[0-9a-f-]{36}"))
    found = re.search(r"[?&]zone=([0-9a-f-]{36})", page.url)
    assert found
    return found.group(1)


_tokens: dict[tuple[str, str], str] = {}


def ask(console: Console, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """The API as the branch manager (signed in once: a sign-in takes most of a second)."""
    key = (console.base, MANAGER)
    if key not in _tokens:
        _tokens[key] = console.token(MANAGER)
    headers = {"Authorization": f"Bearer {_tokens[key]}"}
    return httpx.request(method, f"{console.base}{path}", headers=headers, timeout=30, **kwargs)


def stored(console: Console, zone_id: str) -> dict[str, Any]:
    r = ask(console, "GET", f"/api/v1/zones/{zone_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def assert_same_vertices(
    clicked: list[tuple[float, float]], ring: list[tuple[float, float]]
) -> None:
    """The ring (closed, any orientation) has the clicked points as its corners, each
    within 1 m."""
    assert ring[0] == ring[-1]
    corners = ring[:-1]
    assert len(corners) == len(clicked)
    for point in clicked:
        assert min(distance_m(point, c) for c in corners) < 1.0, (point, corners)


@pytest.fixture
def made(console: Console) -> Iterator[list[str]]:
    """Names of zones a test makes: whatever is left of them is deleted afterwards."""
    names: list[str] = []
    yield names
    for zone in ask(console, "GET", "/api/v1/zones", params={"limit": 500}).json()["items"]:
        if zone["properties"]["name"] in names:
            ask(console, "DELETE", f"/api/v1/zones/{zone['id']}")


def test_a_drawn_polygon_and_circle_are_stored_where_they_were_clicked(
    page: Page, console: Console, made: list[str]
) -> None:
    tag = uuid.uuid4().hex[:6]
    polygon_name, circle_name = f"Drawn area {tag}", f"Drawn circle {tag}"
    made += [polygon_name, circle_name]
    anchor = open_zones(page, console.base)

    corners = draw_polygon(page, polygon_name)
    zone = stored(console, zone_id_in_url(page))
    assert zone["geometry"]["type"] == "Polygon"
    assert zone["properties"]["shape"] == "polygon"
    ring = [(c[0], c[1]) for c in zone["geometry"]["coordinates"][0]]
    assert_same_vertices([anchor.lon_lat(x, y) for x, y in corners], ring)

    close_editor(page)
    centre, edge = draw_circle(page, circle_name)
    circle = stored(console, zone_id_in_url(page))
    assert circle["geometry"]["type"] == "Point"
    at = anchor.lon_lat(*centre)
    lon, lat = circle["geometry"]["coordinates"][:2]
    assert distance_m(at, (lon, lat)) < 1.0
    assert abs(circle["properties"]["radius_m"] - distance_m(at, anchor.lon_lat(*edge))) < 1.0

    # both are listed, and deleting one in the browser deletes it in the API
    close_editor(page)
    page.fill("input.zone-search", tag)
    rows = page.locator(".zone-list tbody tr")
    expect(rows).to_have_count(2)
    rows.filter(has_text=circle_name).click()
    page.locator("form.zone-form .btn-danger").click()
    page.locator(".dialog .btn-danger").click()
    expect(rows).to_have_count(1)
    assert ask(console, "GET", f"/api/v1/zones/{circle['id']}").status_code == 404


@pytest.fixture(scope="module")
def gcj02_console(console: Console, tile_server: str) -> Iterator[str]:
    """A second server on the same demo whose one base map is drawn in GCJ-02."""
    settings = console_settings(
        [TileSource(name="GCJ-02", url=f"{tile_server}/{{z}}/{{x}}/{{y}}.png", crs="gcj02")]
    )
    with serving_in_thread(create_app(settings, console.factory)) as base:
        yield base


def test_zones_drawn_on_gcj02_tiles_are_stored_in_wgs84(
    page: Page, console: Console, gcj02_console: str, made: list[str]
) -> None:
    tag = uuid.uuid4().hex[:6]
    polygon_name, circle_name = f"GCJ area {tag}", f"GCJ circle {tag}"
    made += [polygon_name, circle_name]
    anchor = open_zones(page, gcj02_console)

    corners = draw_polygon(page, polygon_name)
    zone = stored(console, zone_id_in_url(page))
    clicked = [anchor.lon_lat(x, y) for x, y in corners]  # GCJ-02: what the tiles show
    ring = [(c[0], c[1]) for c in zone["geometry"]["coordinates"][0]]
    assert_same_vertices(clicked, [wgs84_to_gcj02(*c) for c in ring])
    for point in ring[:-1]:  # converted: the stored corners are not where they were drawn
        assert min(distance_m(point, c) for c in clicked) > 100

    close_editor(page)
    centre, edge = draw_circle(page, circle_name)
    circle = stored(console, zone_id_in_url(page))
    lon, lat = circle["geometry"]["coordinates"][:2]
    drawn_centre = anchor.lon_lat(*centre)
    assert distance_m(wgs84_to_gcj02(lon, lat), drawn_centre) < 1.0
    assert distance_m((lon, lat), drawn_centre) > 100
    radius = distance_m(drawn_centre, anchor.lon_lat(*edge))
    assert abs(circle["properties"]["radius_m"] - radius) < 1.0


def staff_id(console: Console, login: str) -> str:
    found = ask(console, "GET", "/api/v1/staff", params={"q": login}).json()["items"]
    return str(next(s["id"] for s in found if s["login"] == login))


def unit_id(console: Console, name: str) -> str:
    units = ask(console, "GET", "/api/v1/org-units", params={"limit": 500}).json()
    return str(next(u["id"] for u in units["items"] if u["name"] == name))


def test_an_assignment_made_in_the_browser_reaches_the_api(
    page: Page, console: Console, made: list[str]
) -> None:
    name = f"Assigned area {uuid.uuid4().hex[:6]}"
    made.append(name)
    rep = staff_id(console, "xihu1.rep2")
    open_zones(page, console.base)
    draw_polygon(page, name)
    zone_id = zone_id_in_url(page)

    section = page.locator(".zone-assignments")
    expect(section.locator(".empty")).to_have_text("Not assigned to anyone yet.")
    form = section.locator("form.assignment-form")
    form.locator("select[name=target]").select_option("staff")
    form.locator("input[role=combobox]").fill("xihu1.rep2")
    form.get_by_role("option").filter(has_text="xihu1.rep2").click()
    form.locator("input[name=valid_from]").fill("2031-01-01")
    form.locator("input[name=valid_to]").fill("2031-06-30")
    form.locator("button[type=submit]").click()
    expect(section.locator("tbody tr")).to_have_count(1)

    items = ask(console, "GET", f"/api/v1/zones/{zone_id}/assignments").json()["items"]
    assert [(a["staff_id"], a["valid_from"], a["valid_to"]) for a in items] == [
        (rep, "2031-01-01", "2031-06-30")
    ]
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "zones")

    section.locator("tbody tr button").click()
    expect(section.locator(".empty")).to_be_visible()
    assert ask(console, "GET", f"/api/v1/zones/{zone_id}/assignments").json() == {
        "items": [],
        "next_cursor": None,
    }


def duty_of(console: Console, login: str) -> dict[str, Any]:
    r = ask(console, "GET", f"/api/v1/staff/{staff_id(console, login)}/duty")
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_team_schedule_made_in_the_browser_changes_a_reps_duty(
    page: Page, console: Console, browser_errors: BrowserErrors
) -> None:
    assert duty_of(console, REP)["source"] == "tenant"
    team = unit_id(console, TEAM)
    browser_errors.allow("422")  # the refused period below
    sign_in_at(page, console.base, "/zones?tab=duty")
    page.locator(".duty-target .picker-button").click()
    page.locator(".picker-pop input").fill(TEAM)
    page.locator(".picker-pop .tree-item", has_text=TEAM).click()
    form = page.locator("form.duty-form").first
    try:
        expect(form.locator("button[type=submit]")).to_have_text("Create schedule")
        form.get_by_role("button", name="Start from the default week").click()
        expect(form.locator(".period-row")).to_have_count(6)
        form.locator("input[name=schedule-name]").fill("Xihu team week")
        # a refusal is shown next to the form, and nothing is stored
        form.locator("input[name=start-0]").fill("8.30")
        form.locator("button[type=submit]").click()
        expect(form.locator(".error-box")).to_be_visible()
        assert duty_of(console, REP)["source"] == "tenant"
        form.locator("input[name=start-0]").fill("08:30")
        form.locator("button[type=submit]").click()
        expect(form.locator("button[type=submit]")).to_have_text("Save")

        duty = duty_of(console, REP)
        assert duty["source"] == "org_unit"
        assert duty["timezone"] == "Asia/Shanghai"
        mine = [
            s
            for s in ask(console, "GET", "/api/v1/schedules").json()["items"]
            if s["org_unit_id"] == team
        ]
        assert [(s["name"], len(s["weekly"])) for s in mine] == [("Xihu team week", 6)]
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "duty")

        # the person's view says where their week comes from
        page.goto(
            f"{console.base}/console#/zones?tab=duty&who=person&person={staff_id(console, REP)}"
        )
        expect(page.locator(".duty-source")).to_contain_text("Their unit's schedule")

        page.goto(f"{console.base}/console#/zones?tab=duty&who=unit&unit={team}")
        page.locator("form.duty-form .btn-danger").first.click()
        expect(page.locator("form.duty-form button[type=submit]").first).to_have_text(
            "Create schedule"
        )
        assert duty_of(console, REP)["source"] == "tenant"
    finally:
        for s in ask(console, "GET", "/api/v1/schedules").json()["items"]:
            if s["org_unit_id"] == team:
                ask(console, "DELETE", f"/api/v1/schedules/{s['id']}")


def test_zones_and_duty_on_a_phone(
    browser: Browser, console: Console, browser_errors: BrowserErrors
) -> None:
    context, page = open_page(browser, browser_errors, viewport=PHONE)
    try:
        sign_in_at(page, console.base, "/zones")
        expect(page.locator(".menu-button")).to_be_visible()
        rows = page.locator(".zone-list tbody tr")
        expect(rows.first).to_be_visible()
        on_map = page.locator(".zones-map").bounding_box()
        listed = page.locator(".zones-side").bounding_box()
        assert on_map is not None
        assert listed is not None
        assert listed["y"] >= on_map["y"] + on_map["height"] - 1  # the list under the map
        screenshot(page, "zones-phone")
        rows.first.click()
        expect(page.locator("form.zone-form")).to_be_visible()
        page.goto(
            f"{console.base}/console#/zones?tab=duty&who=person&person={staff_id(console, REP)}"
        )
        expect(page.locator(".duty-source")).to_contain_text("The organisation's default week")
        page.click("[data-lang=zh]")  # every text of the page in Chinese
        expect(page.locator(".duty-source")).to_contain_text("公司默认工作周")
        expect(page.get_by_role("tab", name="考勤时段")).to_be_visible()
        screenshot(page, "duty-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
    assert browser_errors.unexpected() == []
