"""Locating without GPS in the console: a person without a phone that can answer, their
consent shown, "locate now" asking the operator's platform, today's quota; and the
itinerary's network positions with their accuracy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from fieldforce.db import owned_session
from fieldforce.devices.models import Device
from fieldforce.org.models import Staff
from fieldforce.tenancy.models import Tenant
from fieldforce.tracking.ingest import PingIn, Status, Uploader, ingest_pings
from tests.console.conftest import Console, screenshot, sign_in

GATEWAY = {
    "url": "https://lbs.operator.example/locate",
    "lon_pointer": "/lon",
    "lat_pointer": "/lat",
    "crs": "gcj02",
    "daily_quota": 100,
}


@pytest.fixture
def operator_lbs(console: Console) -> Iterator[Staff]:
    """The demo tenant with a gateway (its worker does not run here), and a person with a
    phone number and no phone registered."""
    with owned_session(console.factory) as session:
        tenant = session.get(Tenant, console.demo.tenant_id)
        assert tenant is not None
        tenant.lbs_gateway = GATEWAY
        with_phones = select(Device.staff_id).where(Device.tenant_id == tenant.id)
        person = session.scalars(
            select(Staff)
            .where(Staff.tenant_id == tenant.id, Staff.id.not_in(with_phones))
            .order_by(Staff.login)
        ).first()
        assert person is not None
        person.phone = person.phone or "+86 139-0000-0001"
    try:
        yield person
    finally:
        with owned_session(console.factory) as session:
            tenant = session.get(Tenant, console.demo.tenant_id)
            assert tenant is not None
            tenant.lbs_gateway = None


def test_locate_now_asks_the_operator_with_consent(
    page: Page, console: Console, operator_lbs: Staff
) -> None:
    person = operator_lbs
    given = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    r = console.api(
        "admin",
        "PUT",
        f"/api/v1/staff/{person.id}/lbs-consent",
        json={"given_at": given, "method": "written"},
    )
    assert r.status_code == 200, r.text
    sign_in(page, console, "admin", at=f"/map?person={person.id}")
    panel = page.locator(".person-panel")
    expect(panel.locator(".lbs-consent")).to_have_attribute("data-given", "yes")
    expect(panel.locator(".lbs-consent")).to_contain_text("in writing")
    expect(page.locator(".lbs-usage")).to_contain_text("0 / 100")
    panel.get_by_role("button", name="Locate now").click()
    expect(panel.locator("[role=status]")).to_have_attribute("data-lbs", "pending")
    expect(panel.locator("[role=status]")).to_contain_text("operator's platform is asked")
    usage = console.api("admin", "GET", "/api/v1/tenant/lbs-usage").json()
    assert (usage["used"], usage["quota"]) == (1, 100)
    screenshot(page, "live-map-operator-lbs")
    console.api("admin", "DELETE", f"/api/v1/staff/{person.id}/lbs-consent")
    page.reload()
    expect(panel.locator(".lbs-consent")).to_have_attribute("data-given", "no")
    panel.get_by_role("button", name="Locate now").click()
    expect(panel.locator("[role=status]")).to_have_attribute("data-lbs", "refused")
    expect(panel.locator("[role=status]")).to_contain_text("no consent recorded")


def test_the_itinerary_shows_network_positions_with_their_accuracy(
    shanghai_page: Page, console: Console
) -> None:
    page = shanghai_page  # the tenant's days: the fix is on the day the page shows
    rep = console.api("xihu1.rep2", "GET", "/api/v1/me").json()
    now = datetime.now(UTC)
    with owned_session(console.factory) as session:
        tenant = session.get(Tenant, console.demo.tenant_id)
        assert tenant is not None
        who = Uploader(tenant.id, uuid.UUID(rep["id"]), None, tenant.effective_settings)
        placed = PingIn(
            id=uuid.uuid4(),
            fix_time=now - timedelta(minutes=3),
            lon=120.16,
            lat=30.27,
            accuracy_m=900,
            source="cell",
            placed=True,
        )
        (result,) = ingest_pings(session, who, [placed])
        assert result.status is Status.ACCEPTED
    day = now.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    sign_in(page, console, "xihu1.lead", at=f"/itinerary?person={rep['id']}&day={day}")
    expect(page.locator(".ff-network-fix")).to_have_count(1)
    expect(page.locator("path.ff-network-area")).to_have_count(1)
    page.get_by_role("tab", name="Network (1)").click()
    expect(page.locator(".itinerary-side")).to_contain_text("Cell towers")
    expect(page.locator(".itinerary-side")).to_contain_text("900 m")
