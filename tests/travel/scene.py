"""Synthetic trips (Hangzhou → Shaoxing → Ningbo by car) sent through the real ingest,
and short ways to write, submit and decide travel claims over HTTP."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce import flows
from fieldforce.tracking.ingest import PingIn, Uploader
from fieldforce.travel.models import TravelClaim, TravelLeg, TravelLine
from geo.distance import path_length_m
from tests.approvals.scene import Scene
from tests.world import World

CLAIMS = "/api/v1/travel-claims"
TZ = ZoneInfo("Asia/Shanghai")
HANGZHOU = ("Hangzhou", 120.1551, 30.2741)
SHAOXING = ("Shaoxing", 120.5802, 30.0300)
NINGBO = ("Ningbo", 121.5440, 29.8683)
WENZHOU = ("Wenzhou", 120.6994, 27.9943)
ROUTE = [HANGZHOU, SHAOXING, NINGBO]
ROUTE_KM = path_length_m([(lon, lat) for _, lon, lat in ROUTE]) / 1000
STEP_S = 120
SPEED_MPS = 25.0


def route_fixes(start: datetime) -> list[tuple[datetime, float, float]]:
    """10 minutes standing in Hangzhou, the drive at 90 km/h with a fix every 2 minutes,
    then half an hour in Ningbo."""
    fixes = [(start + timedelta(seconds=STEP_S * i), HANGZHOU[1], HANGZHOU[2]) for i in range(6)]
    t = fixes[-1][0]
    for (_, lon1, lat1), (_, lon2, lat2) in pairwise(ROUTE):
        length = path_length_m([(lon1, lat1), (lon2, lat2)])
        steps = max(1, round(length / (SPEED_MPS * STEP_S)))
        for k in range(1, steps + 1):
            t += timedelta(seconds=STEP_S)
            f = k / steps
            fixes.append((t, lon1 + (lon2 - lon1) * f, lat1 + (lat2 - lat1) * f))
    for _ in range(15):
        t += timedelta(seconds=STEP_S)
        fixes.append((t, NINGBO[1], NINGBO[2]))
    return fixes


def leg(place: tuple[str, float, float], **extra: Any) -> dict[str, Any]:
    return {"place": place[0], "lon": place[1], "lat": place[2], **extra}


class Trip(Scene):
    def __init__(self, client: TestClient, world: World, db: Session) -> None:
        super().__init__(client, world, db)
        today = datetime.now(TZ).date()
        self.start = today - timedelta(days=3)
        self.end = today - timedelta(days=2)

    def morning(self, day: date | None = None) -> datetime:
        return datetime.combine(day or self.start, time(9), TZ)

    def drive(self, who: str = "north.rep", *, mock: bool = False, day: date | None = None) -> None:
        """The route driven, through the ingest as a phone would send it."""
        staff = self.world.staff[who]
        self.db.refresh(self.world.tenant)
        uploader = Uploader(staff.tenant_id, staff.id, None, self.world.tenant.effective_settings)
        pings = [
            PingIn(id=uuid.uuid4(), fix_time=t, lon=lon, lat=lat, accuracy_m=10, mock=mock)
            for t, lon, lat in route_fixes(self.morning(day))
        ]
        flows.ingest(self.db, uploader, pings, push=False)
        self.db.commit()

    def body(
        self,
        *,
        legs: list[dict[str, Any]] | None = None,
        km: float | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        km = round(ROUTE_KM) if km is None else km
        start = extra.pop("start", self.start)
        end = extra.pop("end", self.end)
        return {
            "purpose": "Channel visits in Ningbo",
            "start": str(start),
            "end": str(end),
            "legs": legs if legs is not None else [leg(p, date=str(start)) for p in ROUTE],
            "lines": [
                {
                    "category": "mileage",
                    "date": str(start),
                    "amount": "180.00",
                    "currency": "CNY",
                    "claimed_km": km,
                },
                {"category": "lodging", "date": str(start), "amount": 320, "currency": "CNY"},
            ],
            **extra,
        }

    def create(self, who: str = "north.rep", **kw: Any) -> dict[str, Any]:
        r = self.client.post(CLAIMS, headers=self.world.headers(who), json=self.body(**kw))
        assert r.status_code == 201, r.text
        return dict(r.json())

    def submit(self, claim_id: str, who: str = "north.rep") -> dict[str, Any]:
        r = self.client.post(f"{CLAIMS}/{claim_id}/submit", headers=self.world.headers(who))
        assert r.status_code == 200, r.text
        return dict(r.json())

    def claim(self, claim_id: str, who: str = "admin") -> Response:
        return self.client.get(f"{CLAIMS}/{claim_id}", headers=self.world.headers(who))

    def rows(self) -> tuple[int, int, int]:
        self.db.expire_all()
        return (
            self.db.scalar(select(func.count()).select_from(TravelClaim)) or 0,
            self.db.scalar(select(func.count()).select_from(TravelLeg)) or 0,
            self.db.scalar(select(func.count()).select_from(TravelLine)) or 0,
        )
