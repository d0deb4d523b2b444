from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.types import Day, Lat, Lon
from fieldforce.plans.models import StopKind
from geo.crs import Crs


class StopBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: uuid.UUID
    kind: StopKind = StopKind.VISIT


class StartBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lon: Lon
    lat: Lat
    crs: Crs = Crs.WGS84


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stops: list[StopBody] = Field(max_length=60)
    order: Literal["as_given", "shortest"] = Field(
        default="as_given",
        description="shortest: the order of the shortest way from the start through all stops",
    )
    start: StartBody | None = Field(
        default=None, description="where the day starts (default: the person's latest position)"
    )


class StopOut(BaseModel):
    position: int
    customer_id: uuid.UUID
    customer_name: str
    lon: float
    lat: float
    kind: str
    status: str = Field(description="done, missed (the day is over) or to_come")
    done_id: uuid.UUID | None = Field(description="the visit or inspection that did it")
    done_at: datetime | None
    rule_id: uuid.UUID | None = Field(description="the recurring plan that put it there")


class UnplannedOut(BaseModel):
    kind: str
    id: uuid.UUID
    customer_id: uuid.UUID
    customer_name: str
    at: datetime


class PlanOut(BaseModel):
    staff_id: uuid.UUID
    day: date
    planned: bool = Field(description="a plan exists for the day")
    ordered_by: str | None
    start_lon: float | None
    start_lat: float | None
    stops: list[StopOut]
    unplanned: list[UnplannedOut]
    counts: dict[str, int] = Field(description="planned, done, missed, to_come, unplanned")


class SummaryRow(BaseModel):
    staff_id: uuid.UUID
    login: str
    name: str
    planned: int
    done: int
    missed: int
    to_come: int
    unplanned: int


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: uuid.UUID
    customer_id: uuid.UUID
    kind: StopKind = StopKind.VISIT
    every_weeks: int = Field(ge=1, le=52, description="1: weekly, 2: every other week, …")
    starts_on: Day = Field(description="the first day; its weekday is the rule's")


class CoverPartnersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: uuid.UUID
    kind: StopKind = StopKind.VISIT
    every_weeks: int = Field(ge=1, le=52)
    starts_on: Day = Field(description="the cycle starts in this day's week, not before it")


class RuleOut(BaseModel):
    id: uuid.UUID
    staff_id: uuid.UUID
    customer_id: uuid.UUID
    customer_name: str
    kind: str
    every_weeks: int
    starts_on: date
    weekday: int = Field(description="Monday 0 … Sunday 6")
    stopped_on: date | None
    planned_until: date | None = Field(description="written into the plans up to this day")
    created_by: uuid.UUID | None
    created_at: datetime
