"""A rep, a circular zone and a schedule, driven minute by minute as a phone and the
sweep would drive them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce import flows
from fieldforce.monitoring.models import MonitorState, ZoneEvent
from fieldforce.notify.models import InboxItem
from fieldforce.tracking.ingest import PingIn, PingResult, Uploader
from geo.distance import WGS84
from tests.world import World

CENTER = (121.47, 31.23)
RADIUS = 300.0
MONDAY = datetime(2026, 11, 16, 0, 30, tzinfo=UTC)  # Monday 08:30 in Shanghai
WORKDAYS = [{"weekday": d, "start": "08:30", "end": "18:00"} for d in range(6)]


def at(minutes: float, start: datetime = MONDAY) -> datetime:
    return start + timedelta(minutes=minutes)


def spot(distance_m: float, bearing: float = 90.0) -> tuple[float, float]:
    """A point at this distance from the zone's centre."""
    lon, lat, _ = WGS84.fwd(CENTER[0], CENTER[1], bearing, distance_m)
    return float(lon), float(lat)


@dataclass(frozen=True)
class P:
    """One fix of a synthetic track: minute, distance from the centre, accuracy."""

    minute: float
    distance_m: float
    accuracy_m: float = 10.0
    bearing: float = 90.0


def inside(first: int, last: int) -> list[P]:
    return [P(m, 50) for m in range(first, last)]


def outside(first: int, last: int) -> list[P]:
    return [P(m, 1000) for m in range(first, last)]


class Scene:
    """north.rep with one circular zone and a Monday-to-Saturday schedule."""

    def __init__(
        self,
        client: TestClient,
        world: World,
        db: Session,
        factory: sessionmaker[Session],
        weekly: list[dict[str, Any]] = WORKDAYS,
    ) -> None:
        self.client, self.world, self.db, self.factory = client, world, db, factory
        self.rep = world.staff["north.rep"]
        sup = world.headers("north.sup")
        phone = client.post(
            "/api/v1/devices",
            headers=world.headers("admin"),
            json={"staff_id": str(self.rep.id), "platform": "android", "protocol": "osmand"},
        )
        assert phone.status_code == 201, phone.text  # people with a phone are monitored
        zone = client.post(
            "/api/v1/zones",
            headers=sup,
            json={
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(CENTER)},
                "properties": {"name": "Xuhui", "kind": "work_area", "radius_m": RADIUS},
            },
        )
        assert zone.status_code == 201, zone.text
        self.zone_id = zone.json()["id"]
        r = client.post(
            f"/api/v1/zones/{self.zone_id}/assignments",
            headers=sup,
            json={"staff_id": str(self.rep.id)},
        )
        assert r.status_code == 201, r.text
        r = client.post(
            "/api/v1/schedules",
            headers=sup,
            json={"staff_id": str(self.rep.id), "timezone": "Asia/Shanghai", "weekly": weekly},
        )
        assert r.status_code == 201, r.text

    def uploader(self) -> Uploader:
        self.db.refresh(self.world.tenant)
        return Uploader(
            self.world.tenant.id, self.rep.id, None, self.world.tenant.effective_settings
        )

    def upload(self, fixes: Iterable[P], now: datetime, start: datetime = MONDAY) -> list[str]:
        pings = []
        for p in fixes:
            lon, lat = spot(p.distance_m, p.bearing)
            pings.append(
                PingIn(
                    id=uuid.uuid5(uuid.NAMESPACE_URL, f"{p.minute}/{start}"),
                    fix_time=at(p.minute, start),
                    lon=lon,
                    lat=lat,
                    accuracy_m=p.accuracy_m,
                )
            )
        results: list[PingResult] = flows.ingest(
            self.db, self.uploader(), pings, now=now, push=False
        )
        self.db.commit()
        return [r.status.value for r in results]

    def sweep(self, now: datetime) -> None:
        flows.sweep_monitors(self.factory, now, push=False)

    def live(self, track: list[P], until: float, start: datetime = MONDAY) -> None:
        """Minute by minute: the fixes of that minute are sent, then the sweep runs."""
        by_minute: dict[int, list[P]] = {}
        for p in track:
            by_minute.setdefault(int(p.minute), []).append(p)
        for minute in range(int(until) + 1):
            now = at(minute, start) + timedelta(seconds=5)
            if minute in by_minute:
                self.upload(by_minute[minute], now, start)
            self.sweep(now)

    def events(self, *, retracted: bool = False) -> list[ZoneEvent]:
        self.db.expire_all()
        stmt = select(ZoneEvent).where(ZoneEvent.staff_id == self.rep.id)
        if not retracted:
            stmt = stmt.where(ZoneEvent.retracted_at.is_(None))
        return list(self.db.scalars(stmt.order_by(ZoneEvent.started_at, ZoneEvent.type)))

    def alerts(self, who: str = "north.sup") -> list[InboxItem]:
        return list(
            self.db.scalars(
                select(InboxItem).where(
                    InboxItem.recipient_id == self.world.staff[who].id, InboxItem.kind == "alert"
                )
            )
        )

    def status(self) -> str:
        self.db.expire_all()
        row = self.db.get(MonitorState, (self.world.tenant.id, self.rep.id))
        assert row is not None
        return row.status
