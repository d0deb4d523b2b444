"""Zone events and daily summaries on the wire."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from api.schemas.common import ORM, Page


class EventOut(ORM):
    id: uuid.UUID
    type: str = Field(description="off_zone, no_signal or late_arrival")
    staff_id: uuid.UUID
    started_at: datetime
    ended_at: datetime | None = Field(description="null while it goes on")
    duration_s: int | None
    zone_id: uuid.UUID | None = Field(description="the zone the person was nearest to")
    shift_start: datetime
    details: dict[str, Any]
    created_at: datetime
    retracted_at: datetime | None = Field(
        description="set when fixes that arrived late showed the event did not happen"
    )


EventPage = Page[EventOut]


class DayOut(ORM):
    date: date
    in_zone_min: float
    off_zone_min: float
    no_signal_min: float
    unknown_min: float = Field(description="on duty, standing not yet known (no fix yet)")
    off_duty_min: float
    events: dict[str, int] = Field(description="events that started that day, by type")


class SummaryOut(ORM):
    staff_id: uuid.UUID
    timezone: str
    days: list[DayOut]
