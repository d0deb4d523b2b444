"""Zones in and out: GeoJSON FeatureCollections read into zones (the one reader, for the
API and `fieldforce zones import`), and the zones an export holds (written by the API)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geojson_pydantic import Feature, MultiPolygon, Point, Polygon
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.auth.service import actor_for
from fieldforce.changes import unless_none
from fieldforce.errors import FieldforceError, Invalid, NotFound
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Tenant
from fieldforce.zones import service
from fieldforce.zones.models import Zone

MAX_EXPORT = 10_000


@dataclass(frozen=True)
class ZoneDraft:
    """One feature of an import, its properties already read."""

    name: str
    kind: str
    geometry: dict[str, Any]
    code: str | None = None
    org_unit_id: uuid.UUID | None = None
    radius_m: float | None = None
    settings: dict[str, Any] | None = None
    properties: dict[str, Any] | None = None


@dataclass
class Imported:
    """The zones of an import in the order of its features, and those of them updated."""

    ids: list[uuid.UUID] = field(default_factory=list)
    updated_ids: list[uuid.UUID] = field(default_factory=list)

    @property
    def created(self) -> int:
        return len(self.ids) - len(self.updated_ids)

    @property
    def updated(self) -> int:
        return len(self.updated_ids)


def create(session: Session, actor: Actor, d: ZoneDraft) -> Zone:
    return service.create_zone(
        session,
        actor,
        name=d.name,
        kind=d.kind,
        geometry=d.geometry,
        radius_m=d.radius_m,
        code=d.code,
        org_unit_id=d.org_unit_id,
        settings=d.settings,
        properties=d.properties,
    )


def import_zones(session: Session, actor: Actor, drafts: list[ZoneDraft]) -> Imported:
    """All or nothing: a zone whose `code` exists is updated, any other is created. Every
    feature is checked; when any fails, the error lists each failure with its index."""
    result = Imported()
    failures: list[dict[str, Any]] = []
    for index, d in enumerate(drafts):
        try:
            with session.begin_nested():
                zone = _existing(session, actor, d.code)
                if zone is None:
                    zone = create(session, actor, d)
                else:
                    service.update_zone(session, actor, zone.id, _changes(d))
                    result.updated_ids.append(zone.id)
                result.ids.append(zone.id)
        except FieldforceError as exc:
            failures.append(
                {"index": index, "name": d.name, "code": exc.code, "message": exc.message}
            )
    if failures:
        raise Invalid(
            f"{len(failures)} of {len(drafts)} zones could not be imported; nothing was saved",
            code="import_failed",
            details=failures,
        )
    return result


def _changes(d: ZoneDraft) -> service.ZoneChanges:
    """An import replaces what a feature describes; a unit left out stays as it is."""
    return service.ZoneChanges(
        name=d.name,
        kind=d.kind,
        geometry=d.geometry,
        radius_m=d.radius_m,
        settings=d.settings or {},
        properties=d.properties or {},
        active=True,
        org_unit_id=unless_none(d.org_unit_id),
    )


def _existing(session: Session, actor: Actor, code: str | None) -> Zone | None:
    if code is None:
        return None
    zone_id = session.scalar(
        select(Zone.id).where(Zone.tenant_id == actor.tenant_id, Zone.code == code)
    )
    return None if zone_id is None else service.managed_zone(session, actor, zone_id)


def zones_to_export(session: Session, actor: Actor, kind: str | None = None) -> list[Zone]:
    """Every zone in scope (of a kind), by name; at most ``MAX_EXPORT``."""
    stmt = select(Zone).where(service.zone_clause(actor)).order_by(Zone.name, Zone.id)
    if kind is not None:
        stmt = stmt.where(Zone.kind == service.check_kind(kind))
    zones = list(session.scalars(stmt.limit(MAX_EXPORT + 1)))
    if len(zones) > MAX_EXPORT:
        raise Invalid(f"more than {MAX_EXPORT} zones: export them by kind", code="too_many")
    return zones


_FEATURE = TypeAdapter(Feature[Polygon | MultiPolygon | Point, dict[str, Any]])
_KNOWN = {"name", "kind", "code", "org_unit_id", "radius_m", "settings"}
_SHOWN_ONLY = {"id", "shape", "area_m2", "active", "created_at", "updated_at"}


def draft(geometry: dict[str, Any], props: dict[str, Any]) -> ZoneDraft:
    """One feature's geometry and properties as a zone to create or update; properties
    that are not the zone's own fields (nor ones export adds) are kept as they are."""
    if not props.get("name"):
        raise ValueError("a zone needs properties.name")
    unit = props.get("org_unit_id")
    return ZoneDraft(
        name=str(props["name"]),
        kind=str(props.get("kind") or "work_area"),
        geometry={k: v for k, v in geometry.items() if v is not None},
        code=props.get("code"),
        org_unit_id=uuid.UUID(str(unit)) if unit else None,
        radius_m=props.get("radius_m"),
        settings=props.get("settings"),
        properties={k: v for k, v in props.items() if k not in _KNOWN | _SHOWN_ONLY},
    )


def drafts_from_geojson(data: Any) -> list[ZoneDraft]:
    """Read a FeatureCollection of zones (as `GET /zones/export` writes it)."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise Invalid("expected a GeoJSON FeatureCollection", code="invalid_geojson")
    features = data.get("features")
    if not isinstance(features, list):
        raise Invalid("the FeatureCollection has no features list", code="invalid_geojson")
    drafts, failures = [], []
    for index, raw in enumerate(features):
        try:
            f = _FEATURE.validate_python(raw)
            if f.geometry is None:
                raise ValueError("a zone needs a geometry")
            drafts.append(draft(f.geometry.model_dump(mode="json"), f.properties or {}))
        except (ValueError, ValidationError) as exc:
            failures.append({"index": index, "message": str(exc).splitlines()[0][:300]})
    if failures:
        raise Invalid(
            f"{len(failures)} features are not zones; nothing was saved",
            code="import_failed",
            details=failures,
        )
    return drafts


def importer(session: Session, tenant_slug: str, login: str) -> Actor:
    """`fieldforce zones import --tenant --as`: the staff member importing (whose scope and
    audit trail apply)."""
    tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == tenant_slug))
    if tenant_id is None:
        raise NotFound(f"no tenant with slug '{tenant_slug}'")
    staff_id = session.scalar(
        select(Staff.id).where(Staff.tenant_id == tenant_id, Staff.login == login.lower())
    )
    if staff_id is None:
        raise NotFound(f"no staff member '{login}' in tenant '{tenant_slug}'")
    return actor_for(session, tenant_id, staff_id)


def drafts_from_file(path: Path) -> list[ZoneDraft]:
    """A file holding a FeatureCollection of zones."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Invalid(f"cannot read {path.name}: {exc}", code="invalid_geojson") from exc
    return drafts_from_geojson(data)
