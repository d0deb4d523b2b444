"""The field-sales pages beyond the map and the rep's day: an inspection and a visit opened
with their photos, the reports drawn as charts, a rep's partners put on a recurring cycle,
and a checklist edit that makes a new version."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.console.conftest import Console, screenshot, sign_in, wait_until

SHARED = "service-hall-standard"
LOADED_PHOTOS = """([scope, want]) => {
  const loaded = [...document.querySelectorAll(scope + ' .photo img')]
    .filter((img) => img.complete && img.naturalWidth > 0).length;
  return loaded === want ? loaded : 0;
}"""


def shared_template(console: Console) -> dict[str, Any]:
    listed = console.api("admin", "GET", "/api/v1/inspection-templates").json()["items"]
    return next(t for t in listed if t["key"] == SHARED)


def test_an_inspection_and_a_visit_with_their_photos(shanghai_page: Page, console: Console) -> None:
    page = shanghai_page
    listed = console.api("xihu1.lead", "GET", "/api/v1/inspections").json()["items"]
    failed = next(i for i in listed if i["critical_failed"])
    sign_in(
        page, console, "xihu1.lead", at=f"/customers?view=inspections&inspection={failed['id']}"
    )
    detail = page.locator(".inspection-detail")
    expect(detail).to_contain_text(failed["customer_name"])
    expect(detail).to_contain_text("critical item failed")
    expect(detail.locator(".actions-list li[data-status='open']")).to_have_count(1)
    expect(detail.locator("[data-item='safety']")).to_contain_text("No")
    photos = [a for a in failed["answers"] if "photo_id" in a]
    assert photos, "the demo's inspections carry photos"
    assert wait_until(page, LOADED_PHOTOS, [".inspection-detail", len(photos)]) == len(photos)
    screenshot(page, "inspection-detail")

    page.get_by_role("tab", name="Visits").click()
    page.locator(".visits-page tbody tr").first.click()
    expect(page.locator(".visit-detail")).to_be_visible()
    assert wait_until(page, LOADED_PHOTOS, [".visit-detail", 1]) == 1
    screenshot(page, "visit-detail")


def test_the_reports_as_charts(shanghai_page: Page, console: Console) -> None:
    page = shanghai_page
    sign_in(page, console, "xihu1.lead", at="/customers?view=reports")
    for report in ("visits", "coverage", "funnel", "plans", "team-scores"):
        expect(page.locator(f".report-{report} canvas").first).to_be_visible()
    period = {"from": page.locator(".field-reports").get_attribute("data-from")}
    period["to"] = page.locator(".field-reports").get_attribute("data-to")
    rows = console.api("xihu1.lead", "GET", "/api/v1/reports/visits", params=period).json()
    assert sum(r["total"] for r in rows["items"]) > 0, "the demo's visits are in the period"
    expect(page.locator(".report-visits tbody tr")).to_have_count(len(rows["items"]))
    expect(page.locator(".report-outlet-scores tbody tr").first).to_be_visible()
    funnel = console.api("xihu1.lead", "GET", "/api/v1/reports/funnel").json()
    expect(page.locator(".funnel-counts [data-stage='partner'] strong")).to_have_text(
        str(funnel["partner"])
    )
    with page.expect_download() as downloaded:
        page.locator(".report-visits").get_by_role("button", name="XLSX").click()
    assert downloaded.value.suggested_filename == "visits.xlsx"
    screenshot(page, "field-reports")


def test_a_reps_partners_on_a_recurring_cycle(shanghai_page: Page, console: Console) -> None:
    page = shanghai_page
    rep = console.api("xihu1.rep3", "GET", "/api/v1/me").json()
    partners = console.api(
        "xihu1.lead",
        "GET",
        "/api/v1/customers",
        params={"owner_id": rep["id"], "stage": "partner"},
    ).json()["items"]
    sign_in(page, console, "xihu1.lead", at=f"/customers?view=rules&staff={rep['id']}")
    page.get_by_role("button", name="Cover all partner outlets").click()
    expect(page.locator(".new-rule [role=status]")).to_contain_text(str(len(partners)))
    expect(page.locator(".plan-rules tbody tr")).to_have_count(len(partners))
    rules = console.api(
        "xihu1.lead", "GET", "/api/v1/plan-rules", params={"staff_id": rep["id"]}
    ).json()["items"]
    assert sorted(r["customer_id"] for r in rules) == sorted(c["id"] for c in partners)
    page.locator(".plan-rules tbody tr").first.get_by_role("button", name="Stop").click()
    expect(page.locator(".plan-rules tbody tr")).to_have_count(len(partners) - 1)


def test_a_template_edit_makes_a_new_version(page: Page, console: Console) -> None:
    before = shared_template(console)
    sign_in(page, console, "admin", at=f"/customers?view=templates&template={before['id']}")
    editor = page.locator(".template-editor")
    expect(editor).to_have_attribute("data-version", str(before["version"]))
    seating = editor.locator("[data-item='seating']")
    seating.locator("input.weight").fill("2.5")
    seating.get_by_label("Photo required").check()
    editor.get_by_role("button", name=f"Save as version {before['version'] + 1}").click()
    expect(page.locator(".notice-ok")).to_contain_text(f"version {before['version'] + 1}")
    after = shared_template(console)
    assert after["version"] == before["version"] + 1
    assert after["id"] != before["id"]
    items = {i["key"]: i for s in after["sections"] for i in s["items"]}
    assert (items["seating"]["weight"], items["seating"]["photo"]) == (2.5, True)
    kept = console.api("admin", "GET", f"/api/v1/inspection-templates/{before['id']}").json()
    old = {i["key"]: i for s in kept["sections"] for i in s["items"]}
    assert (kept["version"], old["seating"]["weight"]) == (before["version"], 1)
    expect(page.locator(".templates-page tbody")).to_contain_text(f"v{after['version']}")
    screenshot(page, "checklist-editor")
