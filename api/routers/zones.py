from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from api.deps import CursorQ, LimitQ, SessionDep, TrackingActor
from api.formats.geojson import zone_feature, zone_features, zones_collection
from api.schemas.common import Page
from api.schemas.types import Day, Time
from api.schemas.zones import (
    AssignmentCreate,
    AssignmentOut,
    DutyOut,
    ExceptionCreate,
    ExceptionOut,
    ImportResult,
    PeriodIn,
    ScheduleCreate,
    ScheduleOut,
    SchedulePatch,
    ShiftOut,
    StaffZoneOut,
    ZoneCollection,
    ZoneFeature,
    ZoneOut,
    ZoneOutCollection,
    ZonePage,
    ZonePatch,
)
from fieldforce import flows
from fieldforce.changes import UNSET, unless_none
from fieldforce.duty import service as schedules
from fieldforce.errors import Invalid
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Tenant
from fieldforce.zones import assignments, exchange, service
from fieldforce.zones.models import Zone, ZoneKind

router = APIRouter(prefix="/api/v1", tags=["zones and duty"])


def _draft(feature: ZoneFeature) -> exchange.ZoneDraft:
    if feature.properties is None or feature.geometry is None:
        raise Invalid("a zone needs a geometry and properties", code="invalid_zone")
    return exchange.draft(
        feature.geometry.model_dump(mode="json"),
        feature.properties.model_dump(mode="json", exclude_none=True),
    )


def _feature(session: SessionDep, zone: Zone) -> ZoneOut:
    return zone_feature(zone, service.geometry_of(session, zone))


def _features(session: SessionDep, zones: list[Zone]) -> list[ZoneOut]:
    return zone_features(zones, service.geometries(session, zones))


@router.post("/zones", status_code=201, response_model=ZoneOut)
def create_zone(feature: ZoneFeature, actor: TrackingActor, session: SessionDep) -> ZoneOut:
    """A GeoJSON Feature: a Polygon or MultiPolygon, or a Point with `properties.radius_m`
    for a circle; `properties.name` and `properties.kind` (`work_area`, `office`,
    `customer_site`, `restricted`); optional `code` (unique), `org_unit_id` (the unit that
    owns it, by default the caller's), `settings` (threshold overrides). Answers the zone
    as a Feature with its `id`."""
    zone = exchange.create(session, actor, _draft(feature))
    return _feature(session, zone)


@router.get("/zones", response_model=ZonePage)
def list_zones(
    actor: TrackingActor,
    session: SessionDep,
    kind: ZoneKind | None = None,
    org_unit_id: uuid.UUID | None = None,
    active: bool | None = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> ZonePage:
    """Zones owned by org units in the caller's scope, by name; each a GeoJSON Feature."""
    page = service.list_zones(
        session,
        actor,
        kind=kind.value if kind else None,
        org_unit_id=org_unit_id,
        active=active,
        limit=limit,
        cursor=cursor,
    )
    return ZonePage(items=_features(session, page.items), next_cursor=page.next_cursor)


@router.get("/zones/export", response_model=ZoneOutCollection)
def export_zones(
    actor: TrackingActor, session: SessionDep, kind: ZoneKind | None = None
) -> ZoneOutCollection:
    """Every zone in scope as one GeoJSON FeatureCollection, ready for `POST /zones/import`."""
    zones = exchange.zones_to_export(session, actor, kind.value if kind else None)
    return zones_collection(zones, service.geometries(session, zones))


@router.post("/zones/import", response_model=ImportResult)
def import_zones(
    collection: ZoneCollection, actor: TrackingActor, session: SessionDep
) -> ImportResult:
    """A FeatureCollection of zones: features whose `properties.code` matches a zone are
    updated, the others created. All or nothing: 422 `import_failed` lists every feature
    that failed (`index`, `code`, `message`)."""
    result = flows.import_zones(session, actor, [_draft(f) for f in collection.features])
    return ImportResult(created=result.created, updated=result.updated, ids=result.ids)


@router.get("/zones/{zone_id}", response_model=ZoneOut)
def get_zone(zone_id: uuid.UUID, actor: TrackingActor, session: SessionDep) -> ZoneOut:
    return _feature(session, service.visible_zone(session, actor, zone_id))


@router.patch("/zones/{zone_id}", response_model=ZoneOut)
def update_zone(
    zone_id: uuid.UUID, body: ZonePatch, actor: TrackingActor, session: SessionDep
) -> ZoneOut:
    """Change any of `name`, `kind`, `code`, `org_unit_id`, `geometry` (with `radius_m` for
    a Point), `settings`, `properties`, `active`."""
    zone = flows.update_zone(session, actor, zone_id, _zone_changes(body))
    return _feature(session, zone)


def _zone_changes(body: ZonePatch) -> service.ZoneChanges:
    geometry = body.geometry
    return service.ZoneChanges(
        name=unless_none(body.name),
        kind=unless_none(body.kind),
        code=body.sent("code", body.code),
        org_unit_id=unless_none(body.org_unit_id),
        geometry=UNSET if geometry is None else geometry.model_dump(mode="json", exclude_none=True),
        radius_m=body.sent("radius_m", body.radius_m),
        settings=unless_none(body.settings),
        properties=body.sent("properties", body.properties),
        active=unless_none(body.active),
    )


@router.delete("/zones/{zone_id}", status_code=204)
def delete_zone(zone_id: uuid.UUID, actor: TrackingActor, session: SessionDep) -> None:
    """Deletes the zone and its assignments; past events keep their zone id."""
    flows.delete_zone(session, actor, zone_id)


@router.post("/zones/{zone_id}/assignments", status_code=201, response_model=AssignmentOut)
def assign_zone(
    zone_id: uuid.UUID, body: AssignmentCreate, actor: TrackingActor, session: SessionDep
) -> object:
    """`{"staff_id"}` or `{"org_unit_id"}` (everyone in its subtree), with optional
    `valid_from` / `valid_to` dates (inclusive, in the tenant's time zone)."""
    return flows.assign_zone(
        session,
        actor,
        zone_id,
        staff_id=body.staff_id,
        org_unit_id=body.org_unit_id,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
    )


@router.get("/zones/{zone_id}/assignments", response_model=Page[AssignmentOut])
def list_assignments(
    zone_id: uuid.UUID, actor: TrackingActor, session: SessionDep
) -> Page[AssignmentOut]:
    """The zone's assignments, undated ones first, then by the date they start; all of
    them in one page (`next_cursor` is always null)."""
    found = assignments.list_assignments(session, actor, zone_id)
    return Page[AssignmentOut](
        items=[AssignmentOut.model_validate(a) for a in found], next_cursor=None
    )


@router.delete("/zones/{zone_id}/assignments/{assignment_id}", status_code=204)
def unassign_zone(
    zone_id: uuid.UUID, assignment_id: uuid.UUID, actor: TrackingActor, session: SessionDep
) -> None:
    flows.unassign_zone(session, actor, zone_id, assignment_id)


def _tenant_today(session: SessionDep, actor: Actor) -> date:
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    return datetime.now(ZoneInfo(tenant.timezone)).date()


@router.get("/staff/{staff_id}/zones", response_model=Page[StaffZoneOut])
def staff_zones(
    staff_id: uuid.UUID,
    actor: TrackingActor,
    session: SessionDep,
    on: Annotated[Day | None, Query(description="a date; today in the tenant's zone")] = None,
) -> Page[StaffZoneOut]:
    """The zones a person should be in on a date, their own and their org units'. Anyone
    may ask about themselves. All of them in one page (`next_cursor` is always null)."""
    staff = actor.visible_staff(session, staff_id)
    found = assignments.assigned_zones(session, staff, on or _tenant_today(session, actor))
    feats = _features(session, [z for z, _ in found])
    items = [
        StaffZoneOut(
            zone=f,
            via="staff" if a.staff_id else "org_unit",
            assignment=AssignmentOut.model_validate(a),
        )
        for f, (_, a) in zip(feats, found, strict=True)
    ]
    return Page[StaffZoneOut](items=items, next_cursor=None)


# --- duty schedules ---


def _periods(items: list[PeriodIn]) -> list[dict[str, Any]]:
    return [p.model_dump(exclude_none=True) for p in items]


@router.post("/schedules", status_code=201, response_model=ScheduleOut)
def create_schedule(body: ScheduleCreate, actor: TrackingActor, session: SessionDep) -> object:
    """A weekly pattern for `staff_id` or `org_unit_id` (its subtree) in a `timezone`:
    `weekly` is a list of `{"weekday": 0-6 (Monday 0), "start": "HH:MM", "end": "HH:MM"}`;
    `"24:00"` ends at midnight and an end before the start crosses into the next day."""
    return flows.create_schedule(
        session,
        actor,
        staff_id=body.staff_id,
        org_unit_id=body.org_unit_id,
        timezone=body.timezone,
        weekly=_periods(body.weekly),
        name=body.name,
    )


@router.get("/schedules", response_model=Page[ScheduleOut])
def list_schedules(
    actor: TrackingActor, session: SessionDep, limit: LimitQ = 50, cursor: CursorQ = None
) -> object:
    return schedules.list_schedules(session, actor, limit=limit, cursor=cursor)


@router.get("/schedules/{schedule_id}", response_model=ScheduleOut)
def get_schedule(schedule_id: uuid.UUID, actor: TrackingActor, session: SessionDep) -> object:
    return schedules.get_schedule(session, actor, schedule_id)


@router.patch("/schedules/{schedule_id}", response_model=ScheduleOut)
def update_schedule(
    schedule_id: uuid.UUID, body: SchedulePatch, actor: TrackingActor, session: SessionDep
) -> object:
    changes = schedules.ScheduleChanges(
        name=unless_none(body.name),
        timezone=unless_none(body.timezone),
        weekly=UNSET if body.weekly is None else _periods(body.weekly),
    )
    return flows.update_schedule(session, actor, schedule_id, changes)


@router.delete("/schedules/{schedule_id}", status_code=204)
def delete_schedule(schedule_id: uuid.UUID, actor: TrackingActor, session: SessionDep) -> None:
    flows.delete_schedule(session, actor, schedule_id)


@router.post("/duty-exceptions", status_code=201, response_model=ExceptionOut)
def create_exception(body: ExceptionCreate, actor: TrackingActor, session: SessionDep) -> object:
    """One day unlike the weekly pattern, for `staff_id`, `org_unit_id` (its subtree), or
    neither (the whole tenant, admins only): `kind` `off` (a holiday) or `work` with its
    `periods` (`[{"start", "end"}]`, e.g. a make-up working day)."""
    return flows.create_exception(
        session,
        actor,
        day=body.day,
        kind=body.kind.value,
        staff_id=body.staff_id,
        org_unit_id=body.org_unit_id,
        periods=_periods(body.periods),
        reason=body.reason,
    )


@router.get("/duty-exceptions", response_model=Page[ExceptionOut])
def list_exceptions(
    actor: TrackingActor,
    session: SessionDep,
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> object:
    return schedules.list_exceptions(
        session, actor, start=start, end=end, limit=limit, cursor=cursor
    )


@router.delete("/duty-exceptions/{exception_id}", status_code=204)
def delete_exception(exception_id: uuid.UUID, actor: TrackingActor, session: SessionDep) -> None:
    flows.delete_exception(session, actor, exception_id)


@router.get("/staff/{staff_id}/duty", response_model=DutyOut)
def staff_duty(
    staff_id: uuid.UUID,
    actor: TrackingActor,
    session: SessionDep,
    start: Annotated[Time | None, Query(alias="from")] = None,
    end: Annotated[Time | None, Query(alias="to")] = None,
) -> DutyOut:
    """A person's shifts between two times (default: the next 7 days), from their own
    schedule, else their nearest org unit's, else the tenant's default week."""
    now = datetime.now(UTC)
    start = start or now
    end = end or start + timedelta(days=7)
    if end <= start or end - start > timedelta(days=62):
        raise Invalid("to must be after from, at most 62 days later", code="invalid_time")
    staff = actor.visible_staff(session, staff_id)
    plan = schedules.plan_for(session, staff, min(start, now), max(end, now))
    return DutyOut(
        staff_id=staff.id,
        timezone=plan.timezone,
        source=plan.source,
        on_duty_now=plan.on_duty(now),
        shifts=[ShiftOut(start=s.start, end=s.end, day=s.day) for s in plan.shifts(start, end)],
    )
