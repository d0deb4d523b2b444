"""Ping ingest: validate, flag, store idempotently, move the latest position forward.

Every item gets one result, in the order it came:
- ``accepted``: stored now (possibly with flags: stored for audit, never used);
- ``duplicate``: stored before (same client id and fix time), nothing written;
- ``rejected``: not stored, with the reason;
- ``discarded``: acknowledged but deliberately not stored (off duty), with the reason.
"""

from __future__ import annotations

import csv
import io
import json
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fieldforce.devices.models import Device
from fieldforce.tenancy.models import TenantSettings
from fieldforce.tracking.models import Ping, PingFlag
from fieldforce.tracking.partitions import ensure_partitions
from geo.track import is_jump

MAX_BATCH = 1000
# Up to this many rows go in one INSERT; larger batches are staged with COPY.
SMALL_BATCH = 8


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
    UNRESOLVED = "unresolved"  # no GPS, and nothing it heard is known


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
    unresolved: bool = False  # a fix without GPS whose cells and Wi-Fi gave no position
    # placed by the server (from cells, Wi-Fi or the operator's LBS platform) with an honest
    # accuracy: shown on the map even when too coarse to be a good fix
    placed: bool = False


@dataclass
class PingResult:
    id: uuid.UUID
    status: Status
    reason: Reason | None = None
    flags: list[str] = field(default_factory=list)


# Whether the uploader is on duty at a moment (from their duty plan, see ``flows.ingest``).
DutyCheck = Callable[[datetime], bool]


@dataclass(frozen=True)
class Uploader:
    tenant_id: uuid.UUID
    staff_id: uuid.UUID
    device_id: uuid.UUID | None
    settings: TenantSettings


def _rejection(p: PingIn, s: TenantSettings, now: datetime) -> Reason | None:
    if p.unresolved:
        return Reason.UNRESOLVED
    if not (math.isfinite(p.lon) and math.isfinite(p.lat)):
        return Reason.INVALID_COORDINATES
    if not (-180.0 <= p.lon <= 180.0 and -90.0 <= p.lat <= 90.0):
        return Reason.INVALID_COORDINATES
    if p.lon == 0.0 and p.lat == 0.0:
        return Reason.NULL_ISLAND
    if p.fix_time > now + timedelta(seconds=s.future_tolerance_s):
        return Reason.FIX_IN_FUTURE
    # nothing older than the tenant keeps: its partition may already be gone
    if p.fix_time < now - timedelta(days=min(s.upload_window_days, s.retention_days)):
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


_LATEST_GOOD = text("""
    SELECT extract(epoch FROM fix_time), ST_X(geom), ST_Y(geom), fix_time, good
      FROM latest_position
     WHERE tenant_id = :tenant AND staff_id = :staff
""")
_GOOD_FIXES_AROUND = text("""
    (SELECT extract(epoch FROM fix_time), ST_X(geom), ST_Y(geom) FROM ping
      WHERE tenant_id = :tenant AND staff_id = :staff AND flags = 0
        AND fix_time < :start AND fix_time >= :since
      ORDER BY fix_time DESC LIMIT 1)
    UNION ALL
    (SELECT extract(epoch FROM fix_time), ST_X(geom), ST_Y(geom) FROM ping
      WHERE tenant_id = :tenant AND staff_id = :staff AND flags = 0
        AND fix_time >= :start AND fix_time <= :end)
""")


def _good_fixes_around(
    session: Session, who: Uploader, start: datetime, end: datetime, lookback: timedelta
) -> list[tuple[float, float, float]]:
    """Stored good fixes from the last one before ``start`` up to ``end``, as
    (epoch seconds, lon, lat); the caller restores their order.

    Live uploads are newer than everything stored, so the latest position is the only
    neighbour: one primary-key read. Only late (offline) uploads search the ping table."""
    conn = session.connection()
    params = {"tenant": who.tenant_id, "staff": who.staff_id}
    latest = conn.execute(_LATEST_GOOD, params).first()
    if latest is None or (latest[4] and latest[3] < start):
        return [(float(latest[0]), float(latest[1]), float(latest[2]))] if latest else []
    rows = conn.execute(
        _GOOD_FIXES_AROUND, {**params, "start": start, "end": end, "since": start - lookback}
    )
    return [(float(t), float(x), float(y)) for t, x, y in rows]


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
    on_duty: DutyCheck | None = None,
) -> list[PingResult]:
    """Store an upload. Without ``on_duty`` every ping counts as on duty."""
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
        if on_duty is not None and not s.track_off_duty and not on_duty(p.fix_time):
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

    shown = [
        (p, f)
        for p, f in final
        if (f == 0 or (p.placed and f == PingFlag.INACCURATE)) and (p.id, p.fix_time) in inserted
    ]
    if shown:
        newest, flags = max(shown, key=lambda pf: pf[0].fix_time)
        _advance_latest(session, who, newest, good=flags == 0)
    if who.device_id is not None:
        session.execute(
            update(Device)
            .where(Device.tenant_id == who.tenant_id, Device.id == who.device_id)
            .values(last_seen_at=now)
        )
    return results


def _ewkt(p: PingIn) -> str:
    return f"SRID=4326;POINT({p.lon!r} {p.lat!r})"


class _PingRow(NamedTuple):
    """A row of ``ping`` as ingest writes it: the fields are its columns."""

    tenant_id: uuid.UUID
    id: uuid.UUID
    fix_time: datetime
    staff_id: uuid.UUID
    device_id: uuid.UUID | None
    geom: str  # EWKT
    accuracy_m: float | None
    altitude_m: float | None
    speed_mps: float | None
    bearing_deg: float | None
    battery_pct: float | None
    source: str | None
    flags: int
    attributes: dict[str, Any] | None

    @classmethod
    def of(cls, who: Uploader, p: PingIn, flags: int) -> _PingRow:
        return cls(
            tenant_id=who.tenant_id,
            id=p.id,
            fix_time=p.fix_time,
            staff_id=who.staff_id,
            device_id=who.device_id,
            geom=_ewkt(p),
            accuracy_m=p.accuracy_m,
            altitude_m=p.altitude_m,
            speed_mps=p.speed_mps,
            bearing_deg=p.bearing_deg,
            battery_pct=p.battery_pct,
            source=p.source,
            flags=flags,
            attributes=p.attributes or None,
        )

    def as_csv(self) -> list[object]:
        return [_csv_value(v) for v in self]


def _csv_value(v: object) -> object:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, dict):
        return json.dumps(v)
    return v  # None is written as an empty field: NULL in COPY's csv


_COLUMNS = _PingRow._fields
_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS ping_incoming "
    "(LIKE ping INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
_COLUMN_LIST = ", ".join(_COLUMNS)
_COPY = f"COPY ping_incoming ({_COLUMN_LIST}) FROM STDIN WITH (FORMAT csv)"
_MOVE = (
    f"INSERT INTO ping ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM ping_incoming "  # noqa: S608
    "ON CONFLICT DO NOTHING RETURNING id, fix_time"
)


def _insert(
    session: Session, who: Uploader, rows: list[tuple[PingIn, int]]
) -> set[tuple[uuid.UUID, datetime]]:
    """Store new rows, skip known ones; returns the keys of the rows stored now."""
    if len(rows) <= SMALL_BATCH:
        return _insert_statement(session, who, rows)
    return _insert_copy(session, who, rows)


def _insert_copy(
    session: Session, who: Uploader, rows: list[tuple[PingIn, int]]
) -> set[tuple[uuid.UUID, datetime]]:
    """COPY the batch into a per-connection staging table, then move it into ``ping``
    in one INSERT … ON CONFLICT DO NOTHING: the rows that come back are the new ones."""
    buf = io.StringIO()
    csv.writer(buf).writerows(_PingRow.of(who, p, flags).as_csv() for p, flags in rows)
    buf.seek(0)
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(_STAGE)
        cursor.execute("DELETE FROM ping_incoming")  # an earlier batch of this transaction
        cursor.copy_expert(_COPY, buf)
        cursor.execute(_MOVE)
        return {(i if isinstance(i, uuid.UUID) else uuid.UUID(i), t) for i, t in cursor.fetchall()}
    finally:
        cursor.close()


def _insert_statement(
    session: Session, who: Uploader, rows: list[tuple[PingIn, int]]
) -> set[tuple[uuid.UUID, datetime]]:
    """A few rows: one cached INSERT … ON CONFLICT DO NOTHING RETURNING."""
    values = [_PingRow.of(who, p, flags)._asdict() for p, flags in rows]
    stmt = insert(Ping).on_conflict_do_nothing().returning(Ping.id, Ping.fix_time)
    return {(row.id, row.fix_time) for row in session.connection().execute(stmt, values)}


_ADVANCE_LATEST = text("""
    INSERT INTO latest_position (tenant_id, staff_id, ping_id, device_id, fix_time, geom,
                                 accuracy_m, speed_mps, bearing_deg, battery_pct, source, good)
    VALUES (:tenant_id, :staff_id, :ping_id, :device_id, :fix_time, ST_GeomFromEWKT(:geom),
            :accuracy_m, :speed_mps, :bearing_deg, :battery_pct, :source, :good)
    ON CONFLICT (tenant_id, staff_id) DO UPDATE SET
        ping_id = EXCLUDED.ping_id, device_id = EXCLUDED.device_id,
        fix_time = EXCLUDED.fix_time, geom = EXCLUDED.geom, accuracy_m = EXCLUDED.accuracy_m,
        speed_mps = EXCLUDED.speed_mps, bearing_deg = EXCLUDED.bearing_deg,
        battery_pct = EXCLUDED.battery_pct, source = EXCLUDED.source, good = EXCLUDED.good,
        updated_at = now()
    WHERE latest_position.fix_time < EXCLUDED.fix_time
""")


def _advance_latest(session: Session, who: Uploader, p: PingIn, *, good: bool = True) -> None:
    """Only a newer fix moves the latest position: a good one, or one the server placed
    (``good`` false: the map shows it, nothing takes it for a good fix)."""
    session.connection().execute(
        _ADVANCE_LATEST,
        {
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
            "source": p.source,
            "good": good,
        },
    )
