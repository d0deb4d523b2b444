"""Per-person daily summary: minutes in zone, off zone, without signal, of unknown standing
and off duty, per day in the tenant's time zone.

Each shift touching the days is replayed from the stored fixes, from where it was watched,
so the minutes agree with the events (a status that began retroactively, like an off-zone
run confirmed at its dwell, counts from when it really began). Duty before the first look
at the person counts as unknown: nothing watched it. Time after now is not counted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from fieldforce.duty.service import plan_for
from fieldforce.errors import Invalid
from fieldforce.monitoring.judge import Judge, watched_from
from fieldforce.monitoring.machine import ShiftState, Status
from fieldforce.monitoring.models import MonitorState
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Tenant

MAX_DAYS = 31


@dataclass
class DaySummary:
    day: date
    minutes: dict[str, float] = field(default_factory=lambda: {s.value: 0.0 for s in Status})
    events: dict[str, int] = field(default_factory=dict)


def _intervals(state: ShiftState, until: datetime) -> list[tuple[Status, datetime, datetime]]:
    segments = state.segments or []
    out: list[tuple[Status, datetime, datetime]] = []
    for i, seg in enumerate(segments):
        end = segments[i + 1].start if i + 1 < len(segments) else until
        end = min(end, until, state.end)
        if seg.status is not Status.OFF_DUTY and end > seg.start:
            out.append((seg.status, seg.start, end))
    return out


def _watched_since(session: Session, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> datetime | None:
    row = session.get(MonitorState, (tenant_id, staff_id))
    return None if row is None else row.watched_since


def _overlap_s(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> float:
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds())


def daily_summary(
    session: Session, actor: Actor, staff_id: uuid.UUID, first: date, last: date, now: datetime
) -> tuple[str, list[DaySummary]]:
    if last < first:
        raise Invalid("'to' must not be before 'from'", code="invalid_range")
    if (last - first).days >= MAX_DAYS:
        raise Invalid(f"a summary covers at most {MAX_DAYS} days", code="invalid_range")
    staff = actor.visible_staff(session, staff_id)
    tenant = session.get(Tenant, staff.tenant_id)
    assert tenant is not None
    tz = ZoneInfo(tenant.timezone)
    start = datetime.combine(first, time(), tz)
    end = datetime.combine(last + timedelta(days=1), time(), tz)
    judge = Judge(session, staff, tenant, now)
    plan = plan_for(session, staff, start - timedelta(days=1), end)
    since = _watched_since(session, staff.tenant_id, staff_id)
    intervals: list[tuple[Status, datetime, datetime]] = []
    counts: list[tuple[str, datetime]] = []
    for shift in plan.shifts(start, min(end, now)):
        until = min(shift.end, now)
        unwatched_until = min(watched_from(shift, since), until)
        if unwatched_until > shift.start:
            intervals.append((Status.UNKNOWN, shift.start, unwatched_until))
        if unwatched_until == until:
            continue
        state, events = judge.replayed_shift(shift, since, until, keep_segments=True)
        intervals += _intervals(state, until)
        counts += [(e.type.value, e.started_at) for e in events]
    days = []
    day = first
    while day <= last:
        d0 = datetime.combine(day, time(), tz)
        d1 = datetime.combine(day + timedelta(days=1), time(), tz)
        summary = DaySummary(day)
        counted = 0.0
        for status, s0, s1 in intervals:
            seconds = _overlap_s(s0, s1, d0, d1)
            summary.minutes[status.value] += seconds / 60
            counted += seconds
        past = _overlap_s(d0, d1, d0, now)
        summary.minutes[Status.OFF_DUTY.value] = max(0.0, past - counted) / 60
        summary.minutes = {k: round(v, 1) for k, v in summary.minutes.items()}
        for kind, started in counts:
            if d0 <= started < d1:
                summary.events[kind] = summary.events.get(kind, 0) + 1
        days.append(summary)
        day += timedelta(days=1)
    return tenant.timezone, days
