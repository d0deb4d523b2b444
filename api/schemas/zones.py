from __future__ import annotations

import math
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Point, Polygon
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from api.schemas.common import ORM, Patch
from api.schemas.geojson import GivenTime
from api.schemas.types import Code, Day, Finite, JsonObject, Line, Name, check_json
from fieldforce.duty.models import ExceptionKind
from fieldforce.zones.models import ZoneKind, ZoneShapeKind


def finite_coordinates(geometry: Polygon | MultiPolygon | Point) -> Polygon | MultiPolygon | Point:
    """NaN, Infinity and 1e400 would reach the shape checks as null once dumped to JSON."""
    if not all(math.isfinite(v) for v in _numbers(geometry.model_dump()["coordinates"])):
        raise ValueError("coordinates must be finite numbers")
    return geometry


def _numbers(value: Any) -> list[float]:
    if isinstance(value, list | tuple):
        return [n for item in value for n in _numbers(item)]
    return [value]


class ZoneProperties(BaseModel):
    """`name` and `kind` are required; any other property is kept as given."""

    model_config = ConfigDict(extra="allow")
    name: Name
    kind: ZoneKind = ZoneKind.WORK_AREA
    code: Code | None = None
    org_unit_id: uuid.UUID | None = None
    radius_m: Finite | None = Field(default=None, description="for a Point: the circle's radius")
    settings: JsonObject | None = Field(
        default=None, description="overrides of the tenant's off-zone thresholds"
    )

    @model_validator(mode="after")
    def _storable_extras(self) -> ZoneProperties:
        check_json(self.model_extra or {})
        return self


ZoneGeometry = Annotated[
    Polygon | MultiPolygon | Point,
    Field(
        discriminator="type",
        description="[lon, lat] positions; a third value (altitude) is accepted and dropped",
    ),
    AfterValidator(finite_coordinates),
]
ZoneFeature = Feature[ZoneGeometry, ZoneProperties]
ZoneCollection = FeatureCollection[ZoneFeature]


class ZonePatch(Patch):
    name: Name | None = None
    kind: ZoneKind | None = None
    code: Code | None = None
    org_unit_id: uuid.UUID | None = None
    geometry: ZoneGeometry | None = None
    radius_m: Finite | None = None
    settings: JsonObject | None = None
    properties: JsonObject | None = None
    active: bool | None = None
    not_null = frozenset({"name", "kind", "org_unit_id", "geometry", "settings", "active"})


class ZoneOutProperties(BaseModel):
    """The zone's own fields, and any other property it was given."""

    model_config = ConfigDict(extra="allow")
    id: uuid.UUID
    name: str
    code: str | None
    kind: ZoneKind
    shape: ZoneShapeKind
    org_unit_id: uuid.UUID
    area_m2: float
    settings: dict[str, Any] = Field(description="overrides of the tenant's off-zone thresholds")
    active: bool
    created_at: GivenTime | None
    updated_at: GivenTime | None
    radius_m: float | None = Field(default=None, description="circles only")

    @model_serializer(mode="wrap")
    def _radius_of_circles_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        shown: dict[str, Any] = handler(self)
        if shown.get("radius_m") is None:
            shown.pop("radius_m", None)
        return shown


ZoneOut = Feature[
    Annotated[Polygon | MultiPolygon | Point, Field(discriminator="type")], ZoneOutProperties
]
ZoneOutCollection = FeatureCollection[ZoneOut]


class ZonePage(BaseModel):
    items: list[ZoneOut] = Field(description="GeoJSON Features (a circle as its centre Point)")
    next_cursor: str | None


class ImportResult(BaseModel):
    created: int
    updated: int
    ids: list[uuid.UUID]


class AssignmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    valid_from: Day | None = None
    valid_to: Day | None = None


class AssignmentOut(ORM):
    id: uuid.UUID
    zone_id: uuid.UUID
    staff_id: uuid.UUID | None
    org_unit_id: uuid.UUID | None
    valid_from: date | None
    valid_to: date | None


class StaffZoneOut(BaseModel):
    zone: ZoneOut
    via: str = Field(description="`staff` (assigned to them) or `org_unit` (to a unit above)")
    assignment: AssignmentOut


class PeriodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weekday: int | None = Field(default=None, description="Monday 0 … Sunday 6")
    start: Line
    end: Line


class ScheduleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    name: Line = Field(default="", max_length=200)
    timezone: Line
    weekly: list[PeriodIn]


class SchedulePatch(Patch):
    name: Line | None = Field(default=None, max_length=200)
    timezone: Line | None = None
    weekly: list[PeriodIn] | None = None
    not_null = frozenset({"name", "timezone", "weekly"})


class ScheduleOut(ORM):
    id: uuid.UUID
    staff_id: uuid.UUID | None
    org_unit_id: uuid.UUID | None
    name: str
    timezone: str
    weekly: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class ExceptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    day: Day
    kind: ExceptionKind
    periods: list[PeriodIn] = Field(default_factory=list)
    reason: Line = Field(default="", max_length=200)


class ExceptionOut(ORM):
    id: uuid.UUID
    staff_id: uuid.UUID | None
    org_unit_id: uuid.UUID | None
    day: date
    kind: str
    periods: list[dict[str, Any]]
    reason: str
    source: str


class ShiftOut(BaseModel):
    start: datetime
    end: datetime
    day: date = Field(description="the local date the shift starts on")


class DutyOut(BaseModel):
    staff_id: uuid.UUID
    timezone: str
    source: str = Field(description="where the weekly pattern comes from: staff, org_unit, tenant")
    on_duty_now: bool
    shifts: list[ShiftOut]
