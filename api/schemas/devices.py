from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from api.schemas.common import ORM
from fieldforce.devices.models import Platform, Protocol


class DeviceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: uuid.UUID
    platform: Platform
    protocol: Protocol
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None


class DeviceOut(ORM):
    id: uuid.UUID
    staff_id: uuid.UUID
    name: str | None
    platform: str
    protocol: str
    identifier: str
    has_push_token: bool
    revoked_at: datetime | None
    last_seen_at: datetime | None
    created_at: datetime


class DeviceIssued(DeviceOut):
    secret: str


class PushToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fcm_token: Annotated[str, StringConstraints(min_length=10, max_length=4096)] | None
