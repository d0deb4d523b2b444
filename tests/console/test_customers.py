"""Customers and visits in the console: the demo's customers on the map by stage, and a
visit checked in through the API on the rep's day."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.console.conftest import Console, screenshot, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_customers_on_the_map_by_stage(shanghai_page: Page, console: Console) -> None:
    page = shanghai_page
    seen = console.api("xihu1.lead", "GET", "/api/v1/customers", params={"limit": 200}).json()
    partners = [c for c in seen["items"] if c["stage"] == "partner"]
    assert seen["items"], "the demo has customers for the Xihu teams"
    sign_in(page, console, "xihu1.lead", at="/customers")
    expect(page.locator(".customers-page")).to_have_attribute("data-view", "map")
    expect(page.locator(".ff-customer")).to_have_count(len(seen["items"]))
    page.locator(".chip[data-value='partner']").click()
    expect(page.locator(".ff-customer")).to_have_count(len(partners))
    expect(page.locator(".ff-customer.stage-partner")).to_have_count(len(partners))
    screenshot(page, "customers-map")


def test_a_visit_through_the_api_shows_on_the_reps_day(
    shanghai_page: Page, console: Console
) -> None:
    page = shanghai_page
    rep = console.api("xihu2.rep4", "GET", "/api/v1/me").json()
    mine = console.api(
        "xihu2.rep4",
        "GET",
        "/api/v1/customers",
        params={"owner_id": rep["id"], "stage": "partner"},
    ).json()["items"]
    outlet = mine[0]
    now = datetime.now(UTC)
    where = {"lon": outlet["lon"], "lat": outlet["lat"], "accuracy_m": 12}
    r = console.api(
        "xihu2.rep4",
        "POST",
        "/api/v1/visits",
        json={
            "id": str(uuid.uuid4()),
            "type": "routine",
            "customer_id": outlet["id"],
            "check_in": {"time": (now - timedelta(minutes=20)).isoformat()} | where,
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["verification"] == "verified"
    out = console.api(
        "xihu2.rep4",
        "POST",
        f"/api/v1/visits/{r.json()['id']}/check-out",
        json={"time": (now - timedelta(minutes=1)).isoformat(), "outcome": "Restocked"} | where,
    )
    assert out.status_code == 200, out.text
    today = now.astimezone(SHANGHAI).date().isoformat()
    sign_in(page, console, "xihu2.lead", at=f"/customers?view=day&staff={rep['id']}&day={today}")
    visits = page.locator(".day-visits")
    expect(visits).to_contain_text(outlet["name"])
    expect(visits).to_contain_text("verified")
    expect(visits).to_contain_text("not planned")
    screenshot(page, "customers-rep-day")
