"""Ping ingest: validate, flag, store idempotently, move the latest position forward.

Every item gets one result, in the order it came:
- ``accepted``: stored now (possibly with flags: stored for audit, never used);
- ``duplicate``: stored before (same client id and fix time), nothing written;
- ``rejected``: not stored, with the reason;
- ``discarded``: acknowledged but deliberately not stored (off duty), with the reason.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fieldforce.devices.models import Device
from fieldforce.tenancy.models import TenantSettings
from fieldforce.tracking.models import LatestPosition, Ping, PingFlag
from fieldforce.tracking.partitions import ensure_partitions
from geo.track import is_jump

MAX_BATCH = 1000


class Status(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    DISCARDED = "discarded"


class Reason(StrEnum):
    INVALID_COORDINATES = "invalid_coordinates"
    NULL_ISLAND = "null_island"
    FIX_IN_FUTURE = "fix_in_future"
    TOO_OLD = "older_than_upload_window"
    REPEATED_IN_BATCH = "repeated_in_batch"
    OFF_DUTY = "off_duty"


@dataclass(frozen=True)
class PingIn:
    id: uuid.UUID
    fix_time: datetime
    lon: float
    lat: float
    accuracy_m: float | None = None
    altitude_m: float | None = None
    speed_mps: float | None = None
    bearing_deg: float | None = None
    battery_pct: float | None = None
    source: str | None = None
    mock: bool = False
    valid: bool = True
    attributes: dict[str, Any] | None = None


@dataclass
class PingResult:
    id: uuid.UUID
    status: Status
    reason: Reason | None = None
    flags: list[str] = field(default_factory=list)


# Whether a staff member is on duty at a moment. Duty schedules arrive with off-zone
# monitoring; until then everyone is on duty, and off-duty pings are never discarded.
DutyCheck = Callable[[uuid.UUID, datetime], bool]


def always_on_duty(staff_id: uuid.UUID, at: datetime) -> bool:
    return True


@dataclass(frozen=True)
class Uploader:
    tenant_id: uuid.UUID
    staff_id: uuid.UUID
    device_id: uuid.UUID | None
    settings: TenantSettings


def _rejection(p: PingIn, s: TenantSettings, now: datetime) -> Reason | None:
    if not (math.isfinite(p.lon) and math.isfinite(p.lat)):
        return Reason.INVALID_COORDINATES
    if not (-180.0 <= p.lon <= 180.0 and -90.0 <= p.lat <= 90.0):
        return Reason.INVALID_COORDINATES
    if p.lon == 0.0 and p.lat == 0.0:
        return Reason.NULL_ISLAND
    if p.fix_time > now + timedelta(seconds=s.future_tolerance_s):
        return Reason.FIX_IN_FUTURE
    if p.fix_time < now - timedelta(days=s.upload_window_days):
        return Reason.TOO_OLD
    return None


def _static_flags(p: PingIn, s: TenantSettings) -> int:
    flags = 0
    if p.accuracy_m is not None and (
        not math.isfinite(p.accuracy_m) or p.accuracy_m > s.accuracy_limit_m
    ):
        flags |= PingFlag.INACCURATE
    if p.mock:
        flags |= PingFlag.MOCK
    if not p.valid:
        flags |= PingFlag.INVALID
    return flags


def _good_fixes_around(
    session: Session, who: Uploader, start: datetime, end: datetime, lookback: timedelta
) -> list[tuple[float, float, float]]:
    """Stored good fixes from the last one before ``start`` up to ``end``, as
    (epoch seconds, lon, lat), in time order."""
    base = select(
        func.extract("epoch", Ping.fix_time), func.ST_X(Ping.geom), func.ST_Y(Ping.geom)
    ).where(Ping.tenant_id == who.tenant_id, Ping.staff_id == who.staff_id, Ping.flags == 0)
    before = session.execute(
        base.where(Ping.fix_time < start, Ping.fix_time >= start - lookback)
        .order_by(Ping.fix_time.desc())
        .limit(1)
    ).all()
    within = session.execute(
        base.where(Ping.fix_time >= start, Ping.fix_time <= end).order_by(Ping.fix_time)
    ).all()
    return [(float(t), float(x), float(y)) for t, x, y in [*before, *within]]


def _jump_flags(
    candidates: list[tuple[PingIn, int]],
    stored: list[tuple[float, float, float]],
    max_speed: float,
) -> dict[int, int]:
    """Walk stored good fixes and candidates in time order; a candidate is a jump when the
    speed from the previous good fix is implausible. Returns extra flags by candidate index."""
    events: list[tuple[float, int, float, float, int]] = [(t, 0, x, y, -1) for t, x, y in stored]
    for i, (p, flags) in enumerate(candidates):
        if flags == 0:
            events.append((p.fix_time.timestamp(), 1, p.lon, p.lat, i))
    events.sort(key=lambda e: (e[0], e[1]))
    prev: tuple[float, float, float] | None = None
    jumps: dict[int, int] = {}
    for t, kind, x, y, i in events:
        if kind == 1 and prev is not None and is_jump(prev, (x, y, t), max_speed):
            jumps[i] = PingFlag.JUMP
            continue  # a jump is not a good fix: the next one is compared with prev
        prev = (x, y, t)
    return jumps


def ingest_pings(
    session: Session,
    who: Uploader,
    pings: Sequence[PingIn],
    *,
    now: datetime | None = None,
    on_duty: DutyCheck = always_on_duty,
) -> list[PingResult]:
    now = now or datetime.now(UTC)
    s = who.settings
    results: list[PingResult] = []
    candidates: list[tuple[PingIn, int]] = []
    slot: dict[int, int] = {}  # candidate index -> result index
    seen: set[tuple[uuid.UUID, datetime]] = set()
    for p in pings:
        reason = _rejection(p, s, now)
        key = (p.id, p.fix_time)
        if reason is None and key in seen:
            reason = Reason.REPEATED_IN_BATCH
        if reason is not None:
            status = Status.DUPLICATE if reason is Reason.REPEATED_IN_BATCH else Status.REJECTED
            results.append(PingResult(p.id, status, None if status is Status.DUPLICATE else reason))
            continue
        seen.add(key)
        if not s.track_off_duty and not on_duty(who.staff_id, p.fix_time):
            results.append(PingResult(p.id, Status.DISCARDED, Reason.OFF_DUTY))
            continue
        slot[len(candidates)] = len(results)
        candidates.append((p, _static_flags(p, s)))
        results.append(PingResult(p.id, Status.ACCEPTED))
    if not candidates:
        return results

    start = min(p.fix_time for p, _ in candidates)
    end = max(p.fix_time for p, _ in candidates)
    ensure_partitions(session, {p.fix_time.astimezone(UTC).date() for p, _ in candidates})
    stored = _good_fixes_around(session, who, start, end, timedelta(days=s.upload_window_days))
    jumps = _jump_flags(candidates, stored, s.max_speed_mps)
    final = [(p, flags | jumps.get(i, 0)) for i, (p, flags) in enumerate(candidates)]

    inserted = _insert(session, who, final)
    for i, (p, flags) in enumerate(final):
        result = results[slot[i]]
        if (p.id, p.fix_time) in inserted:
            result.flags = PingFlag.names(flags)
        else:
            result.status = Status.DUPLICATE

    good = [(p, f) for p, f in final if f == 0 and (p.id, p.fix_time) in inserted]
    if good:
        _advance_latest(session, who, max(good, key=lambda pf: pf[0].fix_time)[0])
    if who.device_id is not None:
        session.execute(
            update(Device)
            .where(Device.tenant_id == who.tenant_id, Device.id == who.device_id)
            .values(last_seen_at=func.greatest(func.coalesce(Device.last_seen_at, now), now))
        )
    return results


def _ewkt(p: PingIn) -> str:
    return f"SRID=4326;POINT({p.lon!r} {p.lat!r})"


def _insert(
    session: Session, who: Uploader, rows: list[tuple[PingIn, int]]
) -> set[tuple[uuid.UUID, datetime]]:
    values = [
        {
            "tenant_id": who.tenant_id,
            "id": p.id,
            "fix_time": p.fix_time,
            "staff_id": who.staff_id,
            "device_id": who.device_id,
            "geom": _ewkt(p),
            "accuracy_m": p.accuracy_m,
            "altitude_m": p.altitude_m,
            "speed_mps": p.speed_mps,
            "bearing_deg": p.bearing_deg,
            "battery_pct": p.battery_pct,
            "source": p.source,
            "flags": flags,
            "attributes": p.attributes or None,
        }
        for p, flags in rows
    ]
    stmt = insert(Ping).values(values).on_conflict_do_nothing().returning(Ping.id, Ping.fix_time)
    return {(row.id, row.fix_time) for row in session.execute(stmt)}


def _advance_latest(session: Session, who: Uploader, p: PingIn) -> None:
    """Only a newer good fix moves the latest position."""
    values = {
        "tenant_id": who.tenant_id,
        "staff_id": who.staff_id,
        "ping_id": p.id,
        "device_id": who.device_id,
        "fix_time": p.fix_time,
        "geom": _ewkt(p),
        "accuracy_m": p.accuracy_m,
        "speed_mps": p.speed_mps,
        "bearing_deg": p.bearing_deg,
        "battery_pct": p.battery_pct,
    }
    stmt = insert(LatestPosition).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[LatestPosition.tenant_id, LatestPosition.staff_id],
        set_={
            **{k: stmt.excluded[k] for k in values if k not in ("tenant_id", "staff_id")},
            "updated_at": func.now(),
        },
        where=LatestPosition.fix_time < stmt.excluded.fix_time,
    )
    session.execute(stmt)
