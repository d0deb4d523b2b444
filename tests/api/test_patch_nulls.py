"""One convention for every PATCH: a field left out is unchanged; a field that must have a
value may be left out but not sent as null (422 naming it, nothing changed)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.duty.test_schedules_api import SCHEDULES, WEEKDAYS, schedule
from tests.world import World
from tests.zones.test_zones_api import ZONES, create


def patched(client: TestClient, world: World, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, headers=world.headers("admin"), json=body)


def targets(client: TestClient, world: World) -> dict[str, tuple[str, list[str]]]:
    zone = create(client, world)
    sched = schedule(
        client,
        world,
        "admin",
        org_unit_id=world.unit_id("north"),
        timezone="Asia/Shanghai",
        weekly=WEEKDAYS,
    )
    return {
        "org unit": (f"/api/v1/org-units/{world.unit_id('north')}", ["name", "kind"]),
        "staff": (
            f"/api/v1/staff/{world.staff_id('north.rep')}",
            ["name", "org_unit_id", "roles", "active"],
        ),
        "tenant": ("/api/v1/tenant", ["name", "timezone", "modules", "settings"]),
        "zone": (f"{ZONES}/{zone['id']}", ["name", "kind", "org_unit_id", "geometry", "active"]),
        "schedule": (f"{SCHEDULES}/{sched['id']}", ["name", "timezone", "weekly"]),
    }


@pytest.mark.parametrize("what", ["org unit", "staff", "tenant", "zone", "schedule"])
def test_a_required_field_sent_as_null_is_refused_and_nothing_changes(
    client: TestClient, world: World, what: str
) -> None:
    url, fields = targets(client, world)[what]
    before = client.get(url, headers=world.headers("admin")).json()
    for field in fields:
        r = patched(client, world, url, {field: None})
        assert r.status_code == 422, (what, field, r.text)
        assert r.json()["error"]["code"] == "validation_error"
        assert field in r.text
    assert client.get(url, headers=world.headers("admin")).json() == before
    assert patched(client, world, url, {}).status_code == 200
