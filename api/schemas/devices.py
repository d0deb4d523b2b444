from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import ORM
from api.schemas.types import Line
from fieldforce.devices.models import Platform, Protocol


class DeviceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: uuid.UUID
    platform: Platform
    protocol: Protocol
    name: Annotated[Line, StringConstraints(strip_whitespace=True, max_length=120)] | None = None


class DeviceOut(ORM):
    id: uuid.UUID
    staff_id: uuid.UUID
    name: str | None
    platform: str
    protocol: str
    fingerprint: str = Field(
        description="first and last four characters of the identifier, to tell devices apart"
    )
    has_push_token: bool
    revoked_at: datetime | None
    last_seen_at: datetime | None
    created_at: datetime


class DeviceIssued(DeviceOut):
    """The only answers that carry the credentials: registration and rotation."""

    identifier: str = Field(
        description="OsmAnd device id, OwnTracks user name, or the phone app's client_id"
    )
    secret: str = Field(description="OwnTracks password, or the phone app's client_secret")


class PushToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fcm_token: Annotated[Line, StringConstraints(min_length=10, max_length=4096)] | None
