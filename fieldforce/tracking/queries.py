"""Where did this person go: their stored fixes, the good ones as a track with stops and
trips (computed in ``geo``; flagged pings never count), and what their apps reported
besides fixes. The wire formats (GeoJSON features, GPX) are rendered in ``api.formats``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from fieldforce.devices.service import visible_device
from fieldforce.errors import Invalid
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.service import get_tenant
from fieldforce.tracking.models import DeviceReport, Ping
from geo.track import Stop, Trip, detect_stops, simplify, tolerance_for_zoom, trips_between

MAX_TRACK_SPAN = timedelta(days=7)


@dataclass(frozen=True)
class GoodFix:
    """A stored fix that counts (no flag set), as the track and the monitor read it."""

    time: datetime
    lon: float
    lat: float
    accuracy_m: float | None


_GOOD_FIXES = text("""
    SELECT fix_time, ST_X(geom), ST_Y(geom), accuracy_m FROM ping
     WHERE tenant_id = :tenant AND staff_id = :staff AND flags = 0
       AND fix_time >= :start AND fix_time < :end
     ORDER BY fix_time
""")


def good_fixes(
    session: Session, tenant_id: uuid.UUID, staff_id: uuid.UUID, start: datetime, end: datetime
) -> list[GoodFix]:
    """A person's good fixes of ``[start, end)`` by fix time."""
    rows = session.execute(
        _GOOD_FIXES, {"tenant": tenant_id, "staff": staff_id, "start": start, "end": end}
    )
    return [GoodFix(t, float(x), float(y), a) for t, x, y, a in rows]


def _check_period(start: datetime, end: datetime) -> None:
    if end <= start:
        raise Invalid("'to' must be after 'from'", code="invalid_period")
    if end - start > MAX_TRACK_SPAN:
        raise Invalid("a period covers at most 7 days", code="invalid_period")


def list_pings(
    session: Session,
    actor: Actor,
    staff_id: uuid.UUID,
    start: datetime,
    end: datetime,
    *,
    flagged: bool | None = None,
    sources: Sequence[str] | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Ping]:
    """Every stored fix of the period, good and flagged, for audit (by fix time); only
    those of some sources when asked."""
    staff = actor.visible_staff(session, staff_id)
    _check_period(start, end)
    stmt = select(Ping).where(
        Ping.tenant_id == actor.tenant_id,
        Ping.staff_id == staff.id,
        Ping.fix_time >= start,
        Ping.fix_time < end,
    )
    if flagged is not None:
        stmt = stmt.where(Ping.flags != 0 if flagged else Ping.flags == 0)
    if sources:
        stmt = stmt.where(Ping.source.in_(list(sources)))
    return paginate(session, stmt, [Ping.fix_time, Ping.id], limit=limit, cursor=cursor)


def list_device_reports(
    session: Session, actor: Actor, device_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[DeviceReport]:
    """What a tracker app reported besides fixes, newest first."""
    device = visible_device(session, actor, device_id)
    stmt = select(DeviceReport).where(
        DeviceReport.tenant_id == actor.tenant_id, DeviceReport.device_id == device.id
    )
    return paginate(
        session,
        stmt,
        [DeviceReport.received_at, DeviceReport.id],
        limit=limit,
        cursor=cursor,
        descending=True,
    )


@dataclass
class Track:
    staff_id: uuid.UUID
    name: str
    start: datetime
    end: datetime
    times: list[float]
    lons: list[float]
    lats: list[float]
    line: list[tuple[float, float]]
    stops: list[Stop]
    trips: list[Trip]
    distance_m: float


def load_track(
    session: Session,
    actor: Actor,
    staff_id: uuid.UUID,
    start: datetime,
    end: datetime,
    *,
    tolerance_m: float | None = None,
    zoom: float | None = None,
) -> Track:
    staff = actor.visible_staff(session, staff_id)
    _check_period(start, end)
    settings = get_tenant(session, actor.tenant_id).effective_settings
    fixes = good_fixes(session, actor.tenant_id, staff.id, start, end)
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
    if tolerance_m is None and zoom is not None and lats:
        tolerance_m = tolerance_for_zoom(zoom, sum(lats) / len(lats))
    line = simplify(lons, lats, tolerance_m or 0.0)
    moving = sum(t.distance_m for t in trips)
    return Track(staff.id, staff.name, start, end, times, lons, lats, line, stops, trips, moving)
