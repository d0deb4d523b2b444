"""The GPS verification of a travel claim (DESIGN §5): from the requester's stored pings
in the trip period (the tenant's local days from the first to the last), the distance
they tracked (the moving parts of their track, as ``fieldforce.tracking.queries.load_track``
measures it: good fixes only, standing still is never distance), per local day and in
all; for each claimed destination whether a good fix came within the tenant's radius
(1 km by default) and when; and flags for approvers. It never decides a claim."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from fieldforce.tenancy.models import TenantSettings
from fieldforce.tracking.models import PingFlag
from fieldforce.tracking.queries import GoodFix, good_fixes
from geo.distance import WGS84
from geo.track import detect_stops, trips_between

DISTANCE_OVERCLAIMED = "distance_overclaimed"
DESTINATION_UNVERIFIED = "destination_unverified"
NO_TRACKING = "no_tracking"
MOCK_LOCATION = "mock_location"


@dataclass(frozen=True)
class Destination:
    place: str
    lon: float
    lat: float


def period_utc(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``[start 00:00, the day after end 00:00)`` in the tenant's time zone, as UTC."""
    begin = datetime.combine(start, time(), tz).astimezone(UTC)
    finish = datetime.combine(end + timedelta(days=1), time(), tz).astimezone(UTC)
    return begin, finish


_MOCK_PINGS = text("""
    SELECT count(*) FROM ping
     WHERE tenant_id = :tenant AND staff_id = :staff AND flags & :mock <> 0
       AND fix_time >= :start AND fix_time < :end
""")


def _reached(destination: Destination, fixes: Sequence[GoodFix], radius_m: float) -> dict[str, Any]:
    if not fixes:
        return {"place": destination.place, "reached": False, "reached_at": None, "nearest_m": None}
    lons = np.fromiter((f.lon for f in fixes), dtype=np.float64, count=len(fixes))
    lats = np.fromiter((f.lat for f in fixes), dtype=np.float64, count=len(fixes))
    _, _, dist = WGS84.inv(
        np.full_like(lons, destination.lon), np.full_like(lats, destination.lat), lons, lats
    )
    dist = np.asarray(dist, dtype=np.float64)
    within = np.nonzero(dist <= radius_m)[0]
    return {
        "place": destination.place,
        "reached": bool(len(within)),
        "reached_at": fixes[int(within[0])].time.isoformat() if len(within) else None,
        "nearest_m": round(float(dist.min()), 1),
    }


def verify(
    session: Session,
    tenant_id: uuid.UUID,
    staff_id: uuid.UUID,
    start: date,
    end: date,
    destinations: Sequence[Destination],
    claimed_km: Decimal,
    settings: TenantSettings,
    tz: ZoneInfo,
) -> dict[str, Any]:
    """The verification as stored with the claim (and shown as it is)."""
    begin, finish = period_utc(start, end, tz)
    fixes = good_fixes(session, tenant_id, staff_id, begin, finish)
    times = [f.time.timestamp() for f in fixes]
    lons = [f.lon for f in fixes]
    lats = [f.lat for f in fixes]
    stops = detect_stops(
        times,
        lons,
        lats,
        radius_m=settings.stop_radius_m,
        min_duration_s=settings.stop_min_duration_s,
    )
    trips = trips_between(stops, times, lons, lats)
    per_day: dict[date, float] = {}
    for trip in trips:  # a trip counts on the local day it started
        day = datetime.fromtimestamp(trip.start_t, UTC).astimezone(tz).date()
        per_day[day] = per_day.get(day, 0.0) + trip.distance_m
    tracked_m = sum(per_day.values())
    mock = session.scalar(
        _MOCK_PINGS,
        {
            "tenant": tenant_id,
            "staff": staff_id,
            "mock": int(PingFlag.MOCK),
            "start": begin,
            "end": finish,
        },
    )
    reached = [_reached(d, fixes, settings.travel_destination_radius_m) for d in destinations]
    claimed_m = float(claimed_km) * 1000
    flags = []
    if claimed_m > tracked_m * settings.travel_overclaim_factor + settings.travel_overclaim_slack_m:
        flags.append(DISTANCE_OVERCLAIMED)
    if any(not r["reached"] for r in reached):
        flags.append(DESTINATION_UNVERIFIED)
    if not fixes:
        flags.append(NO_TRACKING)
    if mock:
        flags.append(MOCK_LOCATION)
    return {
        "tracked_km": round(tracked_m / 1000, 1),
        "claimed_km": round(claimed_m / 1000, 1),
        "days": [
            {
                "date": (start + timedelta(days=i)).isoformat(),
                "tracked_km": round(per_day.get(start + timedelta(days=i), 0.0) / 1000, 1),
            }
            for i in range((end - start).days + 1)
        ],
        "destinations": reached,
        "good_fixes": len(fixes),
        "mock_fixes": int(mock or 0),
        "flags": flags,
    }
