"""Travel claims in the console: a claim's GPS verification drawn on a map (reached and
unreached destinations, the flags in words), a claim filed in the browser, and finance
paying approved claims in one batch."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.console.conftest import Console, screenshot, sign_in, wait_until


def _claims(console: Console, login: str, **params: Any) -> list[dict[str, Any]]:
    r = console.api(login, "GET", "/api/v1/travel-claims", params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_a_claims_gps_verification_on_the_map(page: Page, console: Console) -> None:
    inflated = next(
        c for c in _claims(console, "xihu1.rep2", mine="true") if "Shanghai" in c["purpose"]
    )
    flags = set(inflated["verification"]["flags"])
    assert {"distance_overclaimed", "destination_unverified"} <= flags
    reached = sum(d["reached"] for d in inflated["verification"]["destinations"])
    unreached = len(inflated["verification"]["destinations"]) - reached
    sign_in(page, console, "xihu1.lead", at=f"/travel?claim={inflated['id']}")
    claim = page.locator(f".claim-page[data-claim='{inflated['id']}']")
    expect(claim).to_be_visible()
    expect(claim.locator(".verification-flags")).to_contain_text("More km claimed than tracked")
    expect(claim.locator(".verification-flags")).to_contain_text("A destination never reached")
    expect(claim.locator(".ff-destination.unreached")).to_have_count(unreached)
    expect(claim.locator(".ff-destination.reached")).to_have_count(reached)
    wait_until(page, "() => document.querySelectorAll('.claim-page path.ff-route').length === 1")
    expect(claim.locator(".destination-state.unreached")).to_have_count(unreached)
    screenshot(page, "travel-verification")


def test_a_claim_filed_in_the_browser(page: Page, console: Console) -> None:
    sign_in(page, console, "xihu1.rep3", at="/travel")
    page.get_by_role("button", name="New claim").click()
    form = page.get_by_role("form", name="New claim")
    form.locator("input[name=purpose]").fill("Hall inspection in Xihu")
    form.get_by_label("Place").fill("Xihu service hall")
    form.get_by_label("Longitude").fill("120.1551")
    form.get_by_label("Latitude").fill("30.2741")
    form.get_by_label("Amount").fill("38.50")
    form.get_by_role("button", name="Submit for approval").click()
    claim = page.locator(".claim-page")
    expect(claim).to_have_attribute("data-status", "in_approval")
    made = _claims(console, "xihu1.rep3", mine="true")
    mine = next(c for c in made if c["purpose"] == "Hall inspection in Xihu")
    assert (mine["status"], mine["total"]) == ("in_approval", "38.50")
    assert mine["verification"] is not None
    expect(claim.locator(".verification")).to_be_visible()


def test_finance_pays_approved_claims_in_one_batch(page: Page, console: Console) -> None:
    r = console.api(
        "xihu2.rep3",
        "POST",
        "/api/v1/travel-claims",
        json={
            "purpose": "Dealer meeting",
            "start": "2026-11-02",
            "end": "2026-11-02",
            "legs": [{"place": "Hangzhou", "lon": 120.1551, "lat": 30.2741}],
            "lines": [
                {"category": "meals", "date": "2026-11-02", "amount": "66.00", "currency": "CNY"}
            ],
        },
    )
    assert r.status_code == 201, r.text
    claim = console.api(
        "xihu2.rep3", "POST", f"/api/v1/travel-claims/{r.json()['id']}/submit"
    ).json()
    for who in ("xihu2.lead", "finance"):
        d = console.api(
            who,
            "POST",
            f"/api/v1/approvals/{claim['approval_id']}/decisions",
            json={"action": "approve"},
        )
        assert d.status_code == 200, d.text
    sign_in(page, console, "finance", at="/travel?status=approved&scope=all")
    row = page.locator("tr", has_text="Dealer meeting")
    row.get_by_role("checkbox").check()
    page.locator("button[data-action=pay]").click()
    expect(page.locator("tr", has_text="Dealer meeting")).to_have_count(0)
    got = console.api("finance", "GET", f"/api/v1/travel-claims/{claim['id']}").json()
    assert got["status"] == "paid"
    assert got["paid_at"]
