"""Geofence and duty events, and the per-person daily summary."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CursorQ, LimitQ, SessionDep, TrackingActor
from api.schemas.events import DayOut, EventPage, SummaryOut
from api.schemas.types import Day, Time
from fieldforce.monitoring import events, summary
from fieldforce.monitoring.machine import EventType

router = APIRouter(prefix="/api/v1", tags=["zones and duty"])


@router.get("/events", response_model=EventPage)
def list_events(
    actor: TrackingActor,
    session: SessionDep,
    staff_id: uuid.UUID | None = None,
    org_unit: Annotated[uuid.UUID | None, Query(description="this unit and below")] = None,
    type: Annotated[list[EventType] | None, Query()] = None,
    start: Annotated[Time | None, Query(alias="from")] = None,
    end: Annotated[Time | None, Query(alias="to")] = None,
    open: bool = False,
    include_retracted: bool = False,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> object:
    """Off-zone, no-signal and late-arrival events of the people in the caller's scope,
    newest first. `from`/`to` select events overlapping that time; `type` may repeat;
    `open=true` lists only events still going on (`ended_at` null); `org_unit` keeps the
    people of that unit and the units below it."""
    return events.list_events(
        session,
        actor,
        staff_id=staff_id,
        org_unit_id=org_unit,
        types=type or (),
        start=start,
        end=end,
        open_only=open,
        include_retracted=include_retracted,
        limit=limit,
        cursor=cursor,
    )


@router.get("/staff/{staff_id}/duty-summary", response_model=SummaryOut)
def duty_summary(
    staff_id: uuid.UUID,
    actor: TrackingActor,
    session: SessionDep,
    first: Annotated[Day, Query(alias="from")],
    last: Annotated[Day | None, Query(alias="to")] = None,
) -> SummaryOut:
    """Minutes per day (in the tenant's time zone) in zone, off zone, without signal, of
    unknown standing and off duty, and the events that started each day; at most 31 days.
    Time after now is not counted."""
    tz, days = summary.daily_summary(
        session, actor, staff_id, first, last or first, datetime.now(UTC)
    )
    return SummaryOut(
        staff_id=staff_id,
        timezone=tz,
        days=[
            DayOut(
                date=d.day,
                in_zone_min=d.minutes["in_zone"],
                off_zone_min=d.minutes["off_zone"],
                no_signal_min=d.minutes["no_signal"],
                unknown_min=d.minutes["unknown"],
                off_duty_min=d.minutes["off_duty"],
                events=d.events,
            )
            for d in days
        ],
    )
