"""Attendance from fixes: people whose tracker app has no punch button (Traccar Client,
OsmAnd, OwnTracks) are clocked in and out by their fixes when the tenant says so. The
first good fix inside one of the day's zones during the shift (from an hour before it
starts to two hours after it ends) counts as the clock-in, the last one as the
clock-out; while that window is still open the day has no clock-out yet.

Nothing is stored: the daily sheet derives these stays when it computes a day, so late
fixes change them the way they change everything else on the sheet.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from geoalchemy2.shape import to_shape
from shapely import Point, prepared
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.devices.models import Device, Protocol
from fieldforce.duty.plan import Shift
from fieldforce.org.models import Staff
from fieldforce.tracking.queries import good_fixes
from fieldforce.zones.assignments import assigned_zones
from fieldforce.zones.models import ZoneKind

FromFixes = Literal["off", "tracker_apps", "everyone"]
BEFORE_SHIFT = timedelta(hours=1)
AFTER_SHIFT = timedelta(hours=2)


@dataclass(frozen=True)
class Stay:
    """A stretch at work on the sheet: an attendance from punches, or one from fixes."""

    day: date
    in_at: datetime
    out_at: datetime | None
    in_punch_id: uuid.UUID | None = None
    out_punch_id: uuid.UUID | None = None
    closed_automatically: bool = False
    from_fixes: bool = False


def applies_to(session: Session, staff: Staff, mode: str) -> bool:
    """Whether this person's days come from fixes: everyone's, or those of people whose
    every active device is a tracker app."""
    if mode == "everyone":
        return True
    if mode != "tracker_apps":
        return False
    protocols = set(
        session.scalars(
            select(Device.protocol).where(
                Device.tenant_id == staff.tenant_id,
                Device.staff_id == staff.id,
                Device.revoked_at.is_(None),
            )
        )
    )
    return bool(protocols) and Protocol.APP.value not in protocols


def stays(
    session: Session,
    staff: Staff,
    shifts_by_day: dict[date, list[Shift]],
    accuracy_limit_m: float,
    now: datetime,
) -> list[Stay]:
    """One stay per day with a shift and a good fix inside one of that day's zones."""
    windows = {
        day: (shifts[0].start - BEFORE_SHIFT, shifts[-1].end + AFTER_SHIFT)
        for day, shifts in shifts_by_day.items()
        if shifts and shifts[0].start - BEFORE_SHIFT < now
    }
    if not windows:
        return []
    start = min(w[0] for w in windows.values())
    end = min(max(w[1] for w in windows.values()), now)
    fixes = [
        f
        for f in good_fixes(session, staff.tenant_id, staff.id, start, end)
        if f.accuracy_m is None or f.accuracy_m <= accuracy_limit_m
    ]
    out = []
    for day, (opens, closes) in sorted(windows.items()):
        zones = [
            prepared.prep(to_shape(z.geom))
            for z, _ in assigned_zones(session, staff, day)
            if z.kind != ZoneKind.RESTRICTED.value
        ]
        inside = [
            f
            for f in fixes
            if opens <= f.time < closes and any(z.covers(Point(f.lon, f.lat)) for z in zones)
        ]
        if inside:
            last = inside[-1].time if closes <= now else None
            out.append(Stay(day, inside[0].time, last, from_fixes=True))
    return out


def by_day(days: Sequence[date], shifts: Sequence[Shift]) -> dict[date, list[Shift]]:
    return {day: [s for s in shifts if s.day == day] for day in days}
