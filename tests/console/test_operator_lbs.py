"""The operator's LBS platform in the console: a person without a phone that can answer,
their consent shown, "locate now" asking the operator's platform, and today's quota."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from fieldforce.db import owned_session
from fieldforce.devices.models import Device
from fieldforce.org.models import Staff
from fieldforce.tenancy.models import Tenant
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
