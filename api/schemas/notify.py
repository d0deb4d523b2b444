from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import ORM
from api.schemas.types import Lat, Line, Lon, Text, Time
from fieldforce.org.models import Role

Title = Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class InboxItemOut(ORM):
    id: uuid.UUID
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int


class NoticeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title
    body: Body
    org_unit_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    include_subtree: bool = True
    roles: list[Role] | None = None
    staff_ids: list[uuid.UUID] | None = Field(default=None, max_length=5000)
    send_at: Time | None = Field(default=None, description="omit to send now")


class NoticeOut(ORM):
    id: uuid.UUID
    sender_id: uuid.UUID
    title: str
    body: str
    audience: dict[str, Any]
    send_at: datetime
    sent_at: datetime | None
    cancelled_at: datetime | None
    recipients: int
    read: int = 0
    created_at: datetime


class ReceiptOut(BaseModel):
    staff_id: uuid.UUID
    name: str
    delivered_at: datetime
    read_at: datetime | None


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee_id: uuid.UUID
    title: Title
    description: Annotated[Text, StringConstraints(max_length=10_000)] = ""
    due_at: Time | None = None
    place: Annotated[Line, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    lon: Lon | None = None
    lat: Lat | None = None


class TaskNote(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[Text, StringConstraints(max_length=2000)] | None = None


class TaskEventOut(ORM):
    at: datetime
    actor_id: uuid.UUID | None
    from_status: str | None
    to_status: str
    note: str | None


class TaskOut(ORM):
    id: uuid.UUID
    assigner_id: uuid.UUID
    assignee_id: uuid.UUID
    title: str
    description: str
    due_at: datetime | None
    place: str | None
    lon: float | None
    lat: float | None
    status: str
    overdue: bool = False
    created_at: datetime
    events: list[TaskEventOut] = Field(default_factory=list)
