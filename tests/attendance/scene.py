"""The test world with an office: North Team A works in a 300 m circle (kind office) with a
registered access point, North Team B in a work area; short ways to punch over HTTP."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from tests.world import World

PUNCHES = "/api/v1/attendance/punches"
POLICIES = "/api/v1/attendance/policies"
OFFICE = (121.4737, 31.2304)
OFFICE_RADIUS = 300.0
WORK_AREA = (121.5, 31.3)
AP = "AA-BB-CC-00-11-22"  # as a phone may spell it
# Monday to Saturday, 08:30 to 18:00 in the tenant's time zone (Asia/Shanghai)
OFFICE_HOURS = [{"weekday": d, "start": "08:30", "end": "18:00"} for d in range(6)]


def spot(distance_m: float, centre: tuple[float, float] = OFFICE) -> tuple[float, float]:
    """A point due east of the centre (metres on the ground)."""
    lon, lat = centre
    return lon + distance_m / (111_320 * math.cos(math.radians(lat))), lat


def now() -> datetime:
    return datetime.now(UTC)


class Office:
    def __init__(self, client: TestClient, world: World, db: Session) -> None:
        self.client, self.world, self.db = client, world, db
        self.settings(default_duty_week=OFFICE_HOURS)
        self.office_id = self._zone("north-a", "HQ office", "office", OFFICE, OFFICE_RADIUS)
        self.area_id = self._zone("north-b", "North work area", "work_area", WORK_AREA, 2000)
        r = client.post(
            f"/api/v1/zones/{self.office_id}/wifi",
            headers=world.headers("north.sup"),
            json={"bssid": AP, "ssid": "HQ-Staff"},
        )
        assert r.status_code == 201, r.text

    def _zone(
        self, unit: str, name: str, kind: str, centre: tuple[float, float], radius: float
    ) -> str:
        admin = self.world.headers("admin")
        r = self.client.post(
            "/api/v1/zones",
            headers=admin,
            json={
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(centre)},
                "properties": {
                    "name": name,
                    "kind": kind,
                    "radius_m": radius,
                    "org_unit_id": self.world.unit_id(unit),
                },
            },
        )
        assert r.status_code == 201, r.text
        zone_id = str(r.json()["id"])
        r = self.client.post(
            f"/api/v1/zones/{zone_id}/assignments",
            headers=admin,
            json={"org_unit_id": self.world.unit_id(unit)},
        )
        assert r.status_code == 201, r.text
        return zone_id

    def send(
        self,
        who: str,
        kind: str = "in",
        *,
        at: datetime | None = None,
        where: tuple[float, float] | None = OFFICE,
        accuracy_m: float | None = 10,
        punch_id: uuid.UUID | None = None,
        **extra: Any,
    ) -> Response:
        body: dict[str, Any] = {
            "id": str(punch_id or uuid.uuid4()),
            "kind": kind,
            "time": (at or now() - timedelta(seconds=5)).isoformat(),
            **extra,
        }
        if where is not None:
            body |= {"lon": where[0], "lat": where[1], "accuracy_m": accuracy_m}
        return self.client.post(PUNCHES, headers=self.world.headers(who), json=body)

    def punched(self, who: str, kind: str = "in", **kw: Any) -> dict[str, Any]:
        r = self.send(who, kind, **kw)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def policy(self, unit: str, rules: dict[str, Any], who: str = "admin") -> Response:
        return self.client.put(
            f"{POLICIES}/{self.world.unit_id(unit)}", headers=self.world.headers(who), json=rules
        )

    def settings(self, **values: Any) -> None:
        tenant = self.world.tenant
        self.db.refresh(tenant)
        tenant.settings = {**(tenant.settings or {}), **values}
        self.db.commit()
