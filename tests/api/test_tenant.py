from __future__ import annotations

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.deps import require_module
from fieldforce.errors import Invalid
from fieldforce.tenancy.service import bootstrap
from tests.world import PASSWORD, World

TENANT = "/api/v1/tenant"


def test_tenant_shows_effective_settings(client: TestClient, world: World) -> None:
    r = client.get(TENANT, headers=world.headers("north.rep"))
    assert r.status_code == 200
    body = r.json()
    assert body["slug"] == "acme"
    assert body["settings"]["accuracy_limit_m"] == 150
    assert body["settings"]["offzone_dwell_s"] == 600
    assert body["settings"]["retention_days"] == 180
    assert len(body["settings"]["default_duty_week"]) == 7  # the test world's, all week


def test_settings_merge_validate_and_are_audited(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    r = client.patch(TENANT, headers=admin, json={"settings": {"accuracy_limit_m": 80}})
    assert r.status_code == 200
    assert r.json()["settings"]["accuracy_limit_m"] == 80
    r = client.patch(TENANT, headers=admin, json={"settings": {"offzone_margin_m": 35}})
    assert r.json()["settings"]["accuracy_limit_m"] == 80  # earlier override kept
    for bad in ({"accuracy_limit_m": -1}, {"no_such_setting": 1}, {"visit_policy": "maybe"}):
        r = client.patch(TENANT, headers=admin, json={"settings": bad})
        assert r.status_code == 422, bad
        assert r.json()["error"]["code"] == "invalid_settings"
    assert client.get(TENANT, headers=admin).json()["settings"]["offzone_margin_m"] == 35
    r = client.patch(TENANT, headers=admin, json={"timezone": "Mars/Olympus"})
    assert r.json()["error"]["code"] == "invalid_timezone"
    r = client.patch(TENANT, headers=admin, json={"modules": ["teleport"]})
    assert r.status_code == 422
    trail = client.get("/api/v1/audit", headers=admin).json()["items"]
    assert [e["action"] for e in trail[:2]] == ["tenant.update", "tenant.update"]
    assert trail[0]["changes"] == {"settings": {"offzone_margin_m": 35}}
    assert trail[0]["request_id"]


def test_other_tenant_is_untouched(client: TestClient, world: World) -> None:
    client.patch(TENANT, headers=world.headers("other.admin"), json={"timezone": "Europe/Paris"})
    assert client.get(TENANT, headers=world.headers("admin")).json()["timezone"] == "Asia/Shanghai"
    audit = client.get("/api/v1/audit", headers=world.headers("admin")).json()["items"]
    assert all(e["changes"].get("timezone") != "Europe/Paris" for e in audit)


def test_module_switch_off_answers_403_module_disabled(client: TestClient, world: World) -> None:
    """Routers of a module depend on require_module; switching the module off closes them."""
    app = client.app

    @app.get("/api/v1/_probe", dependencies=[Depends(require_module("visits"))])  # type: ignore[attr-defined]
    def probe() -> dict[str, bool]:
        return {"ok": True}

    headers = world.headers("north.rep")
    assert client.get("/api/v1/_probe", headers=headers).status_code == 200
    client.patch(TENANT, headers=world.headers("admin"), json={"modules": ["tracking"]})
    r = client.get("/api/v1/_probe", headers=headers)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "module_disabled"


# names in the zone database that are no place: the server's own zone, a placeholder, rules
NOT_PLACES = ["localtime", "Factory", "posixrules", "posix/Europe/Paris", "right/UTC"]


@pytest.mark.parametrize("name", NOT_PLACES)
def test_only_time_zones_of_places_are_taken(
    client: TestClient, world: World, db: Session, name: str
) -> None:
    admin = world.headers("admin")
    r = client.patch(TENANT, headers=admin, json={"timezone": name})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_timezone")
    schedule = {"staff_id": world.staff_id("north.rep"), "timezone": name, "weekly": []}
    r = client.post("/api/v1/schedules", headers=admin, json=schedule)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_timezone")
    with pytest.raises(Invalid) as refused:
        bootstrap(db, tenant_name="Zoned", admin_login="z", admin_password=PASSWORD, timezone=name)
    assert refused.value.code == "invalid_timezone"
    r = client.patch(TENANT, headers=admin, json={"timezone": "Europe/Paris"})
    assert r.json()["timezone"] == "Europe/Paris"
