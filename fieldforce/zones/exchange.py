"""Zones in and out as GeoJSON FeatureCollections (API and `fieldforce zones import`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.auth.scope import Actor
from fieldforce.errors import FieldforceError, Invalid
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
    created: int
    updated: int
    ids: list[uuid.UUID]


def import_zones(session: Session, actor: Actor, drafts: list[ZoneDraft]) -> Imported:
    """All or nothing: a zone whose `code` exists is updated, any other is created. Every
    feature is checked; when any fails, the error lists each failure with its index."""
    result = Imported(0, 0, [])
    failures: list[dict[str, Any]] = []
    for index, d in enumerate(drafts):
        try:
            with session.begin_nested():
                zone = _existing(session, actor, d.code)
                if zone is None:
                    zone = service.create_zone(
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
                    result.created += 1
                else:
                    changes: dict[str, Any] = {
                        "name": d.name,
                        "kind": d.kind,
                        "geometry": d.geometry,
                        "radius_m": d.radius_m,
                        "settings": d.settings or {},
                        "properties": d.properties or {},
                        "active": True,
                    }
                    if d.org_unit_id is not None:
                        changes["org_unit_id"] = d.org_unit_id
                    service.update_zone(session, actor, zone.id, changes)
                    result.updated += 1
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


def _existing(session: Session, actor: Actor, code: str | None) -> Zone | None:
    if code is None:
        return None
    zone_id = session.scalar(
        select(Zone.id).where(Zone.tenant_id == actor.tenant_id, Zone.code == code)
    )
    return None if zone_id is None else service.managed_zone(session, actor, zone_id)


def export_zones(session: Session, actor: Actor, kind: str | None = None) -> dict[str, Any]:
    stmt = select(Zone).where(service.zone_clause(actor)).order_by(Zone.name, Zone.id)
    if kind is not None:
        stmt = stmt.where(Zone.kind == service.check_kind(kind))
    zones = list(session.scalars(stmt.limit(MAX_EXPORT + 1)))
    if len(zones) > MAX_EXPORT:
        raise Invalid(f"more than {MAX_EXPORT} zones: export them by kind", code="too_many")
    return {"type": "FeatureCollection", "features": service.features(session, zones)}
