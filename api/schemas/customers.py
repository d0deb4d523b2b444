from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import Patch
from api.schemas.types import Code, Lat, Line, Lon, Name, Text
from fieldforce.customers.models import CustomerKind, Stage
from geo.crs import Crs

Tag = Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Radius = Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)]
Reason = Annotated[Text, StringConstraints(min_length=1, max_length=1000)]


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[Line, StringConstraints(max_length=100)] | None = None
    phone: Annotated[Line, StringConstraints(max_length=32)] | None = None
    title: Annotated[Line, StringConstraints(max_length=100)] | None = None


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    lon: Lon
    lat: Lat
    crs: Crs = Field(
        default=Crs.WGS84,
        description="the system lon/lat are given in: wgs84 (GPS), gcj02 (AMap, Tencent) or "
        "bd09 (Baidu); stored in WGS-84",
    )
    kind: CustomerKind = CustomerKind.PARTNER_OUTLET
    stage: Stage = Stage.PROSPECT
    lost_reason: Reason | None = None
    code: Code | None = None
    address: Annotated[Text, StringConstraints(max_length=500)] | None = None
    radius_m: Radius | None = Field(
        default=None, description="how near a visit must come (m); default: the tenant's"
    )
    org_unit_id: uuid.UUID | None = Field(default=None, description="default: one's own unit")
    owner_id: uuid.UUID | None = Field(default=None, description="the rep it belongs to")
    contacts: list[Contact] = Field(default_factory=list, max_length=20)
    tags: list[Tag] = Field(default_factory=list, max_length=20)


class CustomerPatch(Patch):
    name: Name | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    crs: Crs = Crs.WGS84
    kind: CustomerKind | None = None
    code: Code | None = None
    address: Annotated[Text, StringConstraints(max_length=500)] | None = None
    radius_m: Radius | None = None
    org_unit_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    contacts: list[Contact] | None = Field(default=None, max_length=20)
    tags: list[Tag] | None = Field(default=None, max_length=20)
    not_null = frozenset(
        {"name", "lon", "lat", "kind", "radius_m", "org_unit_id", "contacts", "tags"}
    )


class StageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stage: Stage
    reason: Reason | None = Field(default=None, description="required for lost")


class CustomerOut(BaseModel):
    id: uuid.UUID
    name: str
    code: str | None
    kind: str
    stage: str
    lost_reason: str | None
    address: str | None
    lon: float = Field(description="WGS-84")
    lat: float = Field(description="WGS-84")
    radius_m: float = Field(description="how near a visit must come (m)")
    org_unit_id: uuid.UUID
    owner_id: uuid.UUID | None
    owner_name: str | None
    contacts: list[Contact]
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    distance_m: float | None = Field(default=None, description="from the point asked about")


class StageChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    from_stage: str | None
    to_stage: str
    reason: str | None
    changed_by: uuid.UUID | None
    visit_id: uuid.UUID | None
    changed_at: datetime


class ImportedOut(BaseModel):
    imported: int
    ids: list[uuid.UUID]


ImportFormat = Literal["csv", "geojson"]
