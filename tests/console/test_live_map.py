"""分布查询: the live map shows exactly what the API gives the signed-in person."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.console.conftest import Console, screenshot, sign_in


def markers_on_map(page: Page) -> int:
    """Markers shown one by one plus the counts written on clusters."""
    page.locator(".ff-marker, .ff-cluster").first.wait_for()
    page.wait_for_timeout(600)  # clustering animates
    single = page.locator(".ff-marker").count()
    clustered = sum(int(t) for t in page.locator(".ff-cluster span").all_inner_texts())
    return single + clustered


def test_the_map_shows_everyone_in_scope_and_no_one_else(page: Page, console: Console) -> None:
    everyone = console.api("admin", "GET", "/api/v1/positions").json()["features"]
    hangzhou = console.api("hangzhou.manager", "GET", "/api/v1/positions").json()["features"]
    assert 0 < len(hangzhou) < len(everyone)
    sign_in(page, console, "hangzhou.manager")
    expect(page.locator(".toolbar-note")).to_have_text(f"{len(hangzhou)} people shown")
    assert markers_on_map(page) == len(hangzhou)
    screenshot(page, "live-map")
    counts = {
        s: sum(f["properties"]["status"] == s for f in hangzhou)
        for s in ("in_zone", "off_zone", "no_signal", "off_duty", "unknown")
    }
    chip = page.locator(".chip[data-value='off_duty'] b")
    expect(chip).to_have_text(str(counts["off_duty"]))
    status = max(counts, key=lambda s: counts[s])
    page.click(f".chip[data-value='{status}']")
    filtered = console.api(
        "hangzhou.manager", "GET", "/api/v1/positions", params={"status": status}
    ).json()["features"]
    expect(page.locator(".toolbar-note")).to_have_text(f"{len(filtered)} people shown")
    assert markers_on_map(page) == len(filtered)
    assert re.search(f"status={status}", page.url)


def test_the_map_refreshes_by_itself_and_keeps_the_view(page: Page, console: Console) -> None:
    page.clock.install()
    sign_in(page, console, "hangzhou.manager")
    markers_on_map(page)
    page.mouse.move(640, 450)
    page.mouse.wheel(0, -400)  # zoom in where the reader looks
    page.wait_for_url(re.compile(r"[?&]z=\d"))
    page.wait_for_timeout(500)
    view = page.evaluate("location.hash")
    with page.expect_request(lambda r: "/api/v1/positions" in r.url) as refreshed:
        page.clock.fast_forward(31_000)
    assert refreshed.value.response() is not None
    page.wait_for_timeout(500)
    assert page.evaluate("location.hash") == view


def test_a_persons_panel_tells_their_last_fix_and_duty(page: Page, console: Console) -> None:
    sign_in(page, console, "hangzhou.manager")
    features = console.api("hangzhou.manager", "GET", "/api/v1/positions").json()["features"]
    person = features[0]["properties"]
    page.goto(f"{console.base}/console#/map?person={person['staff_id']}")
    panel = page.locator(".person-panel")
    expect(panel.locator("h2")).to_have_text(person["name"])
    expect(panel).to_contain_text("Last fix")
    expect(panel).to_contain_text("Duty today")
    if person["accuracy_m"]:
        expect(page.locator("path.ff-accuracy")).to_have_count(1)  # the circle of the fix
    screenshot(page, "live-map-person")
    panel.get_by_role("button", name="Send a task").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("input").first.fill("Visit the Wulin outlet")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog).to_contain_text("The task has been sent")
    tasks = console.api("hangzhou.manager", "GET", "/api/v1/tasks").json()["items"]
    assert any(
        t["title"] == "Visit the Wulin outlet" and t["assignee_id"] == person["staff_id"]
        for t in tasks
    )


def test_leaving_the_map_while_it_loads_is_quiet(page: Page, console: Console) -> None:
    """The page fixture fails the test on any browser error: leaving the map before its
    positions or tiles arrive must not raise one."""
    sign_in(page, console, "admin")
    page.locator(".nav-link[href='#/notices']").click()
    page.locator(".nav-link[href='#/map']").click()
    page.locator(".nav-link[href='#/org']").click()
    page.wait_for_timeout(1500)
    page.locator(".nav-link[href='#/map']").click()
    page.locator(".ff-marker, .ff-cluster").first.wait_for()
