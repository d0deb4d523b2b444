from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.types import Time
from fieldforce.positioning.lbs import LbsGateway


class LbsGatewayOut(BaseModel):
    """The tenant's LBS gateway as stored, without its secret."""

    url: str
    auth_header: str
    auth_value_set: bool
    content_type: str
    body_template: str
    lon_pointer: str
    lat_pointer: str
    accuracy_pointer: str | None
    time_pointer: str | None
    crs: str
    timeout_s: float
    daily_quota: int
    poll_every_min: int | None
    enabled: bool

    @classmethod
    def of(cls, gateway: LbsGateway) -> LbsGatewayOut:
        shown = gateway.model_dump(mode="json", exclude={"auth_value"})
        return cls(**shown, auth_value_set=bool(gateway.auth_value))


class UsageOut(BaseModel):
    day_start: datetime = Field(description="the start of the tenant's day the quota counts")
    used: int = Field(description="questions sent or waiting today (refused ones not counted)")
    quota: int | None
    poll_every_min: int | None
    consenting: int = Field(description="people whose consent is recorded")


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    given_at: Time
    method: Literal["sms_reply", "written", "in_app", "call"]


class ConsentOut(BaseModel):
    """Whether the person consented to be located by the operator, and when and how."""

    model_config = ConfigDict(from_attributes=True)
    staff_id: uuid.UUID
    given: bool = True
    given_at: datetime | None
    method: str | None
    recorded_by: uuid.UUID | None
    recorded_at: datetime | None


class LbsRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    staff_id: uuid.UUID
    reason: str = Field(description="locate (someone asked) or poll")
    requested_by: uuid.UUID | None
    locate_request_id: uuid.UUID | None
    status: str = Field(description="pending, sending, located, failed, timeout or refused")
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    fix_time: datetime | None
    lon: float | None
    lat: float | None
    accuracy_m: float | None
    ping_id: uuid.UUID | None
