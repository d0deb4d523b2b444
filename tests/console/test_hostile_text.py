"""Text people typed is shown as text everywhere in the console, map tooltips included:
a name that looks like markup never becomes markup (the policy would stop a script, but
not an injected image, link or form)."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.console.conftest import Console, sign_in

HOSTILE = '<img id="injected" src="/console/static/favicon.svg">'


def test_a_zone_named_like_markup_is_shown_as_text_on_the_map(page: Page, console: Console) -> None:
    name = f"{HOSTILE} {uuid.uuid4().hex[:6]}"
    zone = console.api(
        "hangzhou.manager",
        "POST",
        "/api/v1/zones",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [120.1551, 30.2741]},
            "properties": {"name": name, "kind": "office", "radius_m": 800},
        },
    )
    assert zone.status_code == 201, zone.text
    try:
        sign_in(page, console, "hangzhou.manager")
        page.goto(f"{console.base}/console#/zones?kind=office&lat=30.2741&lon=120.1551&z=14")
        expect(page.locator(".zone-list")).to_contain_text(name)  # the list: text
        page.locator("path.zone-office").first.wait_for()
        box = page.locator(".map").bounding_box()
        assert box is not None
        centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.move(*centre)
        page.mouse.move(centre[0] + 5, centre[1] + 5)
        tooltip = page.locator(".leaflet-tooltip")
        expect(tooltip).to_contain_text("<img")
        expect(page.locator("#injected")).to_have_count(0)
    finally:
        console.api("hangzhou.manager", "DELETE", f"/api/v1/zones/{zone.json()['id']}")


def test_a_notice_titled_like_markup_reads_as_text_in_the_inbox(
    page: Page, console: Console
) -> None:
    rep = console.api("xihu1.rep1", "GET", "/api/v1/me").json()
    title = f"{HOSTILE} {uuid.uuid4().hex[:6]}"
    sent = console.api(
        "hangzhou.manager",
        "POST",
        "/api/v1/notices",
        json={"title": title, "body": HOSTILE, "staff_ids": [rep["id"]]},
    )
    assert sent.status_code == 201, sent.text
    sign_in(page, console, "xihu1.rep1")
    item = page.get_by_text(title)
    expect(item.first).to_be_visible()
    item.first.click()
    expect(page.locator("#injected")).to_have_count(0)
    expect(page.get_by_text(HOSTILE).first).to_be_visible()
