"""Zones: validation of their shapes, who manages them, their geometry as PostGIS writes it."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.changes import UNSET, Changes, Unset
from fieldforce.errors import Conflict, Invalid, NotFound
from fieldforce.org.models import OrgUnit
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.zones.models import Zone, ZoneKind, ZoneShapeKind
from geo.distance import WGS84
from geo.zones import ZoneShape, circle_polygon

MAX_VERTICES = 10_000
MIN_AREA_M2 = 10.0
MAX_AREA_M2 = 2_000_000e6  # 2 million km²: a large province
MIN_RADIUS_M, MAX_RADIUS_M = 5.0, 100_000.0
MAX_ABS_LAT = 85.0


class ZoneOverrides(BaseModel):
    """The tenant's off-zone thresholds that one zone may set for itself."""

    model_config = ConfigDict(extra="forbid")
    offzone_margin_m: float | None = Field(default=None, ge=0, le=5_000)
    offzone_dwell_s: int | None = Field(default=None, ge=0, le=86_400)
    offzone_min_fixes: int | None = Field(default=None, ge=1, le=100)
    no_signal_after_s: int | None = Field(default=None, ge=60, le=86_400)
    late_arrival_grace_s: int | None = Field(default=None, ge=0, le=86_400)


@dataclass(frozen=True)
class CheckedShape:
    geometry: Polygon | MultiPolygon  # what the database indexes; a 64-gon for circles
    shape: str
    center: tuple[float, float] | None
    radius_m: float | None
    area_m2: float


def _bad(message: str, **details: Any) -> Invalid:
    return Invalid(message, code="invalid_zone", details=details or None)


def _check_coordinates(geom: Polygon | MultiPolygon) -> None:
    coords = shapely.get_coordinates(geom)
    if not all(math.isfinite(v) for v in coords.ravel()):
        raise _bad("coordinates must be finite numbers")
    lons, lats = coords[:, 0], coords[:, 1]
    if lons.min() < -180 or lons.max() > 180:
        raise _bad("longitudes must be within -180..180 ([lon, lat] order)")
    if abs(lats).max() > MAX_ABS_LAT:
        raise _bad(f"latitudes must be within ±{MAX_ABS_LAT:g} ([lon, lat] order)")
    if lons.max() - lons.min() >= 180:
        raise _bad("a zone may not span 180° of longitude or cross the antimeridian")
    if len(coords) > MAX_VERTICES:
        raise _bad(f"too many vertices: {len(coords)} (at most {MAX_VERTICES})")


def check_shape(geometry: dict[str, Any], radius_m: float | None) -> CheckedShape:
    """A GeoJSON Polygon or MultiPolygon, or a Point with a radius, checked for use."""
    kind = geometry.get("type")
    if kind == "Point":
        if radius_m is None:
            raise _bad("a Point zone is a circle: give properties.radius_m")
        if not MIN_RADIUS_M <= radius_m <= MAX_RADIUS_M:
            raise _bad(f"radius_m must be within {MIN_RADIUS_M:g}..{MAX_RADIUS_M:g} m")
        lon, lat = (float(v) for v in geometry["coordinates"][:2])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise _bad("coordinates must be finite numbers")
        if not (-180 <= lon <= 180 and abs(lat) <= MAX_ABS_LAT):
            raise _bad(f"the centre must be within -180..180, ±{MAX_ABS_LAT:g} ([lon, lat])")
        return CheckedShape(
            circle_polygon(lon, lat, radius_m),
            ZoneShapeKind.CIRCLE.value,
            (lon, lat),
            radius_m,
            math.pi * radius_m**2,
        )
    if kind not in ("Polygon", "MultiPolygon"):
        raise _bad("a zone is a Polygon, a MultiPolygon, or a Point with radius_m")
    if radius_m is not None:
        raise _bad("radius_m is only for Point zones")
    try:
        geom = shapely.force_2d(shape(geometry))  # a zone is flat: altitudes are dropped
    except (ValueError, TypeError, shapely.errors.GEOSException) as exc:
        raise _bad("the coordinates do not form rings of [lon, lat] positions") from exc
    assert isinstance(geom, Polygon | MultiPolygon)
    if geom.is_empty:
        raise _bad("the geometry is empty")
    _check_coordinates(geom)
    if not geom.is_valid:
        raise _bad(
            f"the geometry is not valid: {shapely.is_valid_reason(geom)}",
            hint="rings may not cross themselves or each other; holes must lie inside",
        )
    area = abs(WGS84.geometry_area_perimeter(geom)[0])
    if area < MIN_AREA_M2:
        raise _bad(f"the zone is too small: {area:.1f} m² (at least {MIN_AREA_M2:g} m²)")
    if area > MAX_AREA_M2:
        raise _bad(f"the zone is too large: {area / 1e6:,.0f} km² (at most 2,000,000 km²)")
    return CheckedShape(geom, ZoneShapeKind.POLYGON.value, None, None, area)


def check_overrides(settings: dict[str, Any] | None) -> dict[str, Any]:
    try:
        overrides = ZoneOverrides.model_validate(settings or {})
    except ValidationError as exc:
        raise Invalid.from_validation("invalid zone settings", "invalid_settings", exc) from exc
    return overrides.model_dump(exclude_none=True)


def check_kind(kind: str) -> str:
    if kind not in {k.value for k in ZoneKind}:
        raise _bad(f"unknown zone kind '{kind}'", allowed=[k.value for k in ZoneKind])
    return kind


# --- scope ---


def zone_clause(actor: Actor) -> ColumnElement[bool]:
    """Zones an actor may see in lists: those owned by units they may see."""
    return (Zone.tenant_id == actor.tenant_id) & Zone.org_unit_id.in_(
        select(OrgUnit.id).where(actor.unit_clause())
    )


def visible_zone(session: Session, actor: Actor, zone_id: uuid.UUID) -> Zone:
    zone = session.scalar(select(Zone).where(Zone.id == zone_id, zone_clause(actor)))
    if zone is None:
        raise NotFound("no such zone", details={"zone_id": str(zone_id)})
    return zone


def managed_zone(session: Session, actor: Actor, zone_id: uuid.UUID) -> Zone:
    zone = visible_zone(session, actor, zone_id)
    actor.require_directs_unit(session, zone.org_unit_id)
    return zone


def require_target(
    session: Session, actor: Actor, staff_id: uuid.UUID | None, org_unit_id: uuid.UUID | None
) -> None:
    """Assignments and schedules are for exactly one staff member or one org unit (and its
    subtree), which the actor directs."""
    if (staff_id is None) == (org_unit_id is None):
        raise Invalid("give exactly one of staff_id and org_unit_id", code="one_target")
    if staff_id is not None:
        actor.require_directs_staff(session, staff_id)
    else:
        assert org_unit_id is not None
        actor.require_directs_unit(session, org_unit_id)


# --- changes ---


def _check_code(session: Session, tenant_id: uuid.UUID, code: str | None, zone_id: Any) -> None:
    if code is None:
        return
    taken = session.scalar(
        select(Zone.id).where(Zone.tenant_id == tenant_id, Zone.code == code, Zone.id != zone_id)
    )
    if taken is not None:
        raise Conflict(f"zone code '{code}' is taken", code="duplicate_code")


def shape_columns(checked: CheckedShape) -> dict[str, Any]:
    """The zone columns that hold a checked shape."""
    return {
        "shape": checked.shape,
        "geom": from_shape(checked.geometry, srid=4326),
        "center": from_shape(Point(checked.center), srid=4326) if checked.center else None,
        "radius_m": checked.radius_m,
        "area_m2": checked.area_m2,
    }


def circle_columns(lon: float, lat: float, radius_m: float) -> dict[str, Any]:
    """The zone columns of a checked circle, for rows written in bulk."""
    return shape_columns(check_shape({"type": "Point", "coordinates": [lon, lat]}, radius_m))


def _apply_shape(zone: Zone, checked: CheckedShape) -> None:
    for column, value in shape_columns(checked).items():
        setattr(zone, column, value)


def create_zone(
    session: Session,
    actor: Actor,
    *,
    name: str,
    kind: str,
    geometry: dict[str, Any],
    radius_m: float | None = None,
    code: str | None = None,
    org_unit_id: uuid.UUID | None = None,
    settings: dict[str, Any] | None = None,
    properties: dict[str, Any] | None = None,
) -> Zone:
    unit = actor.require_directs_unit(session, org_unit_id or actor.org_unit_id)
    checked = check_shape(geometry, radius_m)
    _check_code(session, actor.tenant_id, code, None)
    zone = Zone(
        tenant_id=actor.tenant_id,
        id=uuid.uuid4(),
        org_unit_id=unit.id,
        name=name,
        code=code,
        kind=check_kind(kind),
        settings=check_overrides(settings),
        properties=properties or {},
        active=True,
        created_by=actor.staff_id,
    )
    _apply_shape(zone, checked)
    session.add(zone)
    session.flush()
    audit.record_by(
        session,
        actor,
        "zone.create",
        "zone",
        zone.id,
        {"name": name, "kind": kind, "shape": zone.shape, "code": code},
    )
    return zone


@dataclass(frozen=True)
class ZoneChanges(Changes):
    """What an update changes; fields left UNSET stay as they are. A radius sent without a
    geometry applies to the zone's own; a geometry sent without one drops the old radius."""

    name: str | Unset = UNSET
    kind: str | Unset = UNSET
    code: str | Unset | None = UNSET
    org_unit_id: uuid.UUID | Unset = UNSET
    geometry: dict[str, Any] | Unset = UNSET
    radius_m: float | Unset | None = UNSET
    settings: dict[str, Any] | Unset = UNSET
    properties: dict[str, Any] | Unset | None = UNSET
    active: bool | Unset = UNSET


def update_zone(session: Session, actor: Actor, zone_id: uuid.UUID, changes: ZoneChanges) -> Zone:
    zone = managed_zone(session, actor, zone_id)
    logged: dict[str, Any] = {}
    if not (isinstance(changes.geometry, Unset) and isinstance(changes.radius_m, Unset)):
        _apply_shape(zone, _changed_shape(session, zone, changes))
        logged["geometry"] = "changed"
    if not isinstance(changes.org_unit_id, Unset):
        zone.org_unit_id = actor.require_directs_unit(session, changes.org_unit_id).id
        logged["org_unit_id"] = str(zone.org_unit_id)
    if not isinstance(changes.code, Unset):
        _check_code(session, actor.tenant_id, changes.code, zone.id)
    if not isinstance(changes.kind, Unset):
        check_kind(changes.kind)
    values = changes.sent()
    if not isinstance(changes.settings, Unset):
        values["settings"] = check_overrides(changes.settings)
    for key in ("name", "code", "kind", "settings", "properties", "active"):
        if key in values:
            setattr(zone, key, values[key])
            logged[key] = values[key]
    session.flush()
    audit.record_by(session, actor, "zone.update", "zone", zone.id, logged)
    return zone


def _changed_shape(session: Session, zone: Zone, changes: ZoneChanges) -> CheckedShape:
    if isinstance(changes.geometry, Unset):
        geometry, radius = geometry_of(session, zone), zone.radius_m
    else:
        geometry, radius = changes.geometry, None
    if not isinstance(changes.radius_m, Unset):
        radius = changes.radius_m
    return check_shape(geometry, radius)


def delete_zone(session: Session, actor: Actor, zone_id: uuid.UUID) -> None:
    zone = managed_zone(session, actor, zone_id)
    audit.record_by(session, actor, "zone.delete", "zone", zone.id, {"name": zone.name})
    session.delete(zone)
    session.flush()


# --- reading ---


def list_zones(
    session: Session,
    actor: Actor,
    *,
    kind: str | None = None,
    org_unit_id: uuid.UUID | None = None,
    active: bool | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Zone]:
    stmt = select(Zone).where(zone_clause(actor))
    if kind is not None:
        stmt = stmt.where(Zone.kind == check_kind(kind))
    if org_unit_id is not None:
        stmt = stmt.where(Zone.org_unit_id == org_unit_id)
    if active is not None:
        stmt = stmt.where(Zone.active.is_(active))
    return paginate(session, stmt, [Zone.name, Zone.id], limit=limit, cursor=cursor)


def _geometry_sql() -> Any:
    """A zone's GeoJSON geometry, built by PostGIS: circles go out as their centre."""
    return func.ST_AsGeoJSON(func.coalesce(Zone.center, Zone.geom), 9).cast(JSONB)


def geometries(session: Session, zones: list[Zone]) -> dict[uuid.UUID, dict[str, Any]]:
    """Each zone's GeoJSON geometry by zone id."""
    if not zones:
        return {}
    rows = session.execute(
        select(Zone.id, _geometry_sql()).where(
            Zone.tenant_id == zones[0].tenant_id, Zone.id.in_([z.id for z in zones])
        )
    )
    return dict(rows.all())


def geometry_of(session: Session, zone: Zone) -> dict[str, Any]:
    return geometries(session, [zone])[zone.id]


def shapes(session: Session, zones: list[Zone]) -> list[ZoneShape]:
    """What geo.zones needs, read from the database."""
    out: list[ZoneShape] = []
    if not zones:
        return out
    for zone_id, wkb, lon, lat, radius in session.execute(
        select(
            Zone.id,
            func.ST_AsBinary(Zone.geom),
            func.ST_X(Zone.center),
            func.ST_Y(Zone.center),
            Zone.radius_m,
        ).where(Zone.tenant_id == zones[0].tenant_id, Zone.id.in_([z.id for z in zones]))
    ):
        if radius is not None:
            out.append(ZoneShape(zone_id, center=(lon, lat), radius_m=radius))
        else:
            out.append(ZoneShape(zone_id, shapely.from_wkb(bytes(wkb))))
    return out
