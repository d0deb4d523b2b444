from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.customers import Contact, Tag
from api.schemas.types import AccuracyM, Lat, Line, Lon, Name, Text, Time
from fieldforce.customers.models import CustomerKind, Stage
from fieldforce.visits.models import VisitType
from geo.crs import Crs


class FixIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    time: Time = Field(description="the phone's time of the fix (offline check-ins keep it)")
    lon: Lon
    lat: Lat
    accuracy_m: AccuracyM | None = None
    crs: Crs = Crs.WGS84
    mock: bool = Field(default=False, description="the phone says the location is mocked")


class ProspectIn(BaseModel):
    """A prospect met at the door (cold visits): made at the check-in's position."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    kind: CustomerKind = CustomerKind.PARTNER_OUTLET
    address: Annotated[Text, StringConstraints(max_length=500)] | None = None
    contacts: list[Contact] = Field(default_factory=list, max_length=20)
    tags: list[Tag] = Field(default_factory=list, max_length=20)


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID | None = Field(default=None, description="the phone's id: a retry is the same")
    type: VisitType
    customer_id: uuid.UUID | None = None
    customer: ProspectIn | None = Field(default=None, description="cold visits: a new prospect")
    previous_visit_id: uuid.UUID | None = Field(
        default=None, description="follow-ups: the earlier visit (default: the latest)"
    )
    check_in: FixIn


class CheckOutIn(FixIn):
    outcome: Annotated[Line, StringConstraints(max_length=200)] | None = None
    notes: Annotated[Text, StringConstraints(max_length=4000)] | None = None
    stage: Stage | None = Field(default=None, description="the stage the customer moves to")
    stage_reason: Annotated[Text, StringConstraints(max_length=1000)] | None = None
    follow_up_on: date | None = Field(default=None, description="a task for that day")
    photo_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class VisitOut(BaseModel):
    id: uuid.UUID
    staff_id: uuid.UUID
    staff_name: str
    customer_id: uuid.UUID
    customer_name: str
    type: str
    status: str = Field(description="open, closed or auto_closed")
    previous_visit_id: uuid.UUID | None
    verification: str = Field(description="of the check-in: verified or unverified")
    distance_m: float = Field(description="of the check-in from the customer")
    check_in_at: datetime
    received_at: datetime
    accuracy_m: float | None
    mock: bool
    check_out_at: datetime | None
    check_out_verification: str | None
    check_out_distance_m: float | None
    duration_s: int | None = Field(description="time on site")
    outcome: str | None
    notes: str | None
    stage_to: str | None
    follow_up_on: date | None
    follow_up_task_id: uuid.UUID | None
    photo_ids: list[uuid.UUID] = Field(description="its photos, under /api/v1/attachments")
    duplicate: bool = Field(default=False, description="this id was sent before")
