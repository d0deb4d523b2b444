"""Where is this person now, where is everyone in my scope, where did this person go.

Positions come with their geometry as GeoJSON built by PostGIS; tracks are computed in
``geo`` from the good fixes of the period (flagged pings never count). The wire formats
(GeoJSON features, GPX) are rendered in ``api.formats``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, Text, cast, func, literal, select
from sqlalchemy.orm import Session

from fieldforce.devices.service import visible_device
from fieldforce.errors import Invalid, NotFound
from fieldforce.monitoring.machine import Status
from fieldforce.monitoring.models import MonitorState
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.service import get_tenant
from fieldforce.tracking.models import DeviceReport, LatestPosition, Ping
from geo.track import Stop, Trip, detect_stops, simplify, tolerance_for_zoom, trips_between

MAX_TRACK_SPAN = timedelta(days=7)
STATUSES = tuple(s.value for s in Status)  # the monitor's, as the map shows them


def _status() -> ColumnElement[str]:
    """The person's monitoring status; ``unknown`` for someone not monitored."""
    return func.coalesce(MonitorState.status, cast(literal("unknown"), String))


@dataclass(frozen=True)
class Position:
    """A person's latest good fix as PostgreSQL writes it: its fields as a JSON object
    (``staff_id``, ``name``, ``org_unit_id``, ``fix_time`` in UTC, ``accuracy_m``,
    ``speed_mps``, ``bearing_deg``, ``battery_pct``, ``status``) and its point as GeoJSON
    (7 decimals, by PostGIS). The map asks for thousands at once: objects per field, and
    JSON written per field in Python, cost several times the query."""

    staff_id: str
    fields_json: str
    geometry_json: str


def _utc_text(column: Any) -> ColumnElement[str]:
    return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')


def _position_columns() -> tuple[Any, ...]:
    fields = func.json_build_object(
        "staff_id",
        Staff.id,
        "name",
        Staff.name,
        "org_unit_id",
        Staff.org_unit_id,
        "fix_time",
        _utc_text(LatestPosition.fix_time),
        "accuracy_m",
        LatestPosition.accuracy_m,
        "speed_mps",
        LatestPosition.speed_mps,
        "bearing_deg",
        LatestPosition.bearing_deg,
        "battery_pct",
        LatestPosition.battery_pct,
        "status",
        _status(),
    )
    return (
        cast(Staff.id, String),
        cast(fields, Text),
        func.ST_AsGeoJSON(LatestPosition.geom, 7),
    )


def parse_bbox(bbox: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in bbox.split(","))
    except ValueError as exc:
        raise Invalid("bbox is 'west,south,east,north' in degrees", code="invalid_bbox") from exc
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south < north <= 90):
        raise Invalid(
            "bbox is 'west,south,east,north' in degrees, south below north", code="invalid_bbox"
        )
    return west, south, east, north


def _positions_query(actor: Actor) -> Any:
    return (
        select(LatestPosition)
        .join(
            Staff,
            (Staff.tenant_id == LatestPosition.tenant_id) & (Staff.id == LatestPosition.staff_id),
        )
        .outerjoin(
            MonitorState,
            (MonitorState.tenant_id == LatestPosition.tenant_id)
            & (MonitorState.staff_id == LatestPosition.staff_id),
        )
        .where(
            LatestPosition.tenant_id == actor.tenant_id,
            actor.staff_clause(),
            Staff.active.is_(True),
        )
    )


def latest_positions(
    session: Session,
    actor: Actor,
    *,
    bbox: str | None = None,
    org_unit_id: uuid.UUID | None = None,
    status: str | None = None,
) -> list[Position]:
    """Latest positions in scope, by name."""
    stmt = _positions_query(actor)
    if bbox:
        west, south, east, north = parse_bbox(bbox)
        if west <= east:
            envelope = func.ST_MakeEnvelope(west, south, east, north, 4326)
            stmt = stmt.where(LatestPosition.geom.op("&&")(envelope))
        else:  # crosses the antimeridian
            stmt = stmt.where(
                LatestPosition.geom.op("&&")(func.ST_MakeEnvelope(west, south, 180, north, 4326))
                | LatestPosition.geom.op("&&")(func.ST_MakeEnvelope(-180, south, east, north, 4326))
            )
    if org_unit_id is not None:
        unit = actor.visible_unit(session, org_unit_id)
        stmt = stmt.where(
            Staff.org_unit_id.in_(
                select(OrgUnit.id).where(
                    OrgUnit.tenant_id == actor.tenant_id, OrgUnit.path.op("<@")(unit.path)
                )
            )
        )
    if status is not None:
        if status not in STATUSES:
            raise Invalid(f"status is one of {', '.join(STATUSES)}", code="invalid_status")
        stmt = stmt.where(_status() == status)
    rows = session.execute(
        stmt.with_only_columns(*_position_columns()).order_by(Staff.name, Staff.id)
    )
    return [Position(*row) for row in rows]


def position_of(session: Session, actor: Actor, staff_id: uuid.UUID) -> Position:
    actor.visible_staff(session, staff_id)
    stmt = _positions_query(actor).where(LatestPosition.staff_id == staff_id)
    found = session.execute(stmt.with_only_columns(*_position_columns())).first()
    if found is None:
        raise NotFound("no position has been reported yet", code="no_position")
    return Position(*found)


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
    limit: int,
    cursor: str | None,
) -> Page[Ping]:
    """Every stored fix of the period, good and flagged, for audit (by fix time)."""
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
    rows = session.execute(
        select(func.extract("epoch", Ping.fix_time), func.ST_X(Ping.geom), func.ST_Y(Ping.geom))
        .where(
            Ping.tenant_id == actor.tenant_id,
            Ping.staff_id == staff.id,
            Ping.flags == 0,
            Ping.fix_time >= start,
            Ping.fix_time < end,
        )
        .order_by(Ping.fix_time)
    ).all()
    times = [float(r[0]) for r in rows]
    lons = [float(r[1]) for r in rows]
    lats = [float(r[2]) for r in rows]
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
