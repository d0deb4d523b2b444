"""The map: where everyone in my scope is now, and how the monitor sees them.

Each person's latest good fix comes with their monitoring status; PostgreSQL writes the
fields and the point as JSON (``api.formats`` puts them into GeoJSON features)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, Text, cast, func, literal, select
from sqlalchemy.orm import Session

from fieldforce.errors import Invalid, NotFound
from fieldforce.monitoring.machine import Status
from fieldforce.monitoring.models import MonitorState
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.tracking.models import LatestPosition

STATUSES = tuple(s.value for s in Status)  # the monitor's, as the map shows them


def _status() -> ColumnElement[str]:
    """The person's monitoring status; ``unknown`` for someone not monitored."""
    return func.coalesce(MonitorState.status, cast(literal("unknown"), String))


@dataclass(frozen=True)
class Position:
    """A person's latest good fix as PostgreSQL writes it: its fields as a JSON object
    (``staff_id``, ``name``, ``org_unit_id``, ``fix_time`` in UTC, ``accuracy_m``,
    ``speed_mps``, ``bearing_deg``, ``battery_pct``, ``source``, ``good``, ``status``) and its point
    as GeoJSON (7 decimals, by PostGIS). The map asks for thousands at once: objects per field, and
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
        "source",
        LatestPosition.source,
        "good",
        LatestPosition.good,
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
