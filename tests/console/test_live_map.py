"""分布查询: the live map shows exactly what the API gives the signed-in person."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.console.conftest import Console, screenshot, sign_in


def markers_on_map(page: Page) -> int:
    """Markers shown one by one plus the counts written on clusters."""
    page.wait_for_function(
        "document.querySelectorAll('.ff-marker, .ff-cluster').length > 0", timeout=15_000
    )
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
