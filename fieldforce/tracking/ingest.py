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
from typing import Any, NamedTuple

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from fieldforce.tenancy.models import TenantSettings
from fieldforce.tracking.models import PingFlag
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


@dataclass(frozen=True)
class _Window:
    """The fix times a tenant takes now: not beyond its future tolerance, not older than
    it keeps (the partition may already be gone)."""

    earliest: datetime
    latest: datetime

    @classmethod
    def of(cls, s: TenantSettings, now: datetime) -> _Window:
        kept = timedelta(days=min(s.upload_window_days, s.retention_days))
        return cls(now - kept, now + timedelta(seconds=s.future_tolerance_s))


def _rejection(p: PingIn, window: _Window) -> Reason | None:
    if p.unresolved:
        return Reason.UNRESOLVED
    if not (math.isfinite(p.lon) and math.isfinite(p.lat)):
        return Reason.INVALID_COORDINATES
    if not (-180.0 <= p.lon <= 180.0 and -90.0 <= p.lat <= 90.0):
        return Reason.INVALID_COORDINATES
    if p.lon == 0.0 and p.lat == 0.0:
        return Reason.NULL_ISLAND
    if p.fix_time > window.latest:
        return Reason.FIX_IN_FUTURE
    if p.fix_time < window.earliest:
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


@dataclass(frozen=True)
class Upload:
    """One request's fixes: who sent them, and whether they were on duty at each moment
    (without ``on_duty`` every fix counts as on duty)."""

    who: Uploader
    pings: Sequence[PingIn]
    on_duty: DutyCheck | None = None


Key = tuple[uuid.UUID, uuid.UUID, datetime]  # a ping's primary key: tenant, id, fix time


@dataclass
class _Sorted:
    """An upload's fixes sorted out before anything is read: a result for each, and the
    candidates to store (with their flags so far) at the index of their result."""

    upload: Upload
    results: list[PingResult] = field(default_factory=list)
    candidates: list[tuple[PingIn, int]] = field(default_factory=list)
    slot: dict[int, int] = field(default_factory=dict)  # candidate index -> result index


def _sort_out(upload: Upload, now: datetime, taken: set[Key]) -> _Sorted:
    """Refusals, repeats (in this upload or an earlier upload written with it) and
    off-duty fixes get their result now; the rest are candidates."""
    who, s = upload.who, upload.who.settings
    window = _Window.of(s, now)
    out = _Sorted(upload)
    for p in upload.pings:
        reason = _rejection(p, window)
        key = (who.tenant_id, p.id, p.fix_time)
        if reason is None and key in taken:
            reason = Reason.REPEATED_IN_BATCH
        if reason is not None:
            status = Status.DUPLICATE if reason is Reason.REPEATED_IN_BATCH else Status.REJECTED
            out.results.append(
                PingResult(p.id, status, None if status is Status.DUPLICATE else reason)
            )
            continue
        taken.add(key)
        if upload.on_duty is not None and not s.track_off_duty and not upload.on_duty(p.fix_time):
            out.results.append(PingResult(p.id, Status.DISCARDED, Reason.OFF_DUTY))
            continue
        out.slot[len(out.candidates)] = len(out.results)
        out.candidates.append((p, _static_flags(p, s)))
        out.results.append(PingResult(p.id, Status.ACCEPTED))
    return out


def ingest_pings(
    session: Session,
    who: Uploader,
    pings: Sequence[PingIn],
    *,
    now: datetime | None = None,
    on_duty: DutyCheck | None = None,
) -> list[PingResult]:
    """Store one upload. Without ``on_duty`` every ping counts as on duty."""
    return ingest_uploads(session, [Upload(who, pings, on_duty)], now=now)[0]


def ingest_uploads(
    session: Session, uploads: Sequence[Upload], *, now: datetime | None = None
) -> list[list[PingResult]]:
    """Store the uploads of several people (one upload per person) together: the latest
    positions read in one query, every new fix stored and the latest positions moved on
    by one statement, the devices' last contact in one more. Returns each upload's
    results, in order."""
    now = now or datetime.now(UTC)
    taken: set[Key] = set()
    sorted_out = [_sort_out(u, now, taken) for u in uploads]
    busy = [o for o in sorted_out if o.candidates]
    if not busy:
        return [o.results for o in sorted_out]
    days = {p.fix_time.astimezone(UTC).date() for o in busy for p, _ in o.candidates}
    ensure_partitions(session, days)
    latest = _latest_of(session, [o.upload.who for o in busy])
    rows: list[dict[str, Any]] = []
    finals: list[list[tuple[PingIn, int]]] = []
    for o in busy:
        who = o.upload.who
        stored = _good_fixes_around(session, who, o.candidates, latest.get(who.staff_id))
        jumps = _jump_flags(o.candidates, stored, who.settings.max_speed_mps)
        final = [(p, flags | jumps.get(i, 0)) for i, (p, flags) in enumerate(o.candidates)]
        finals.append(final)
        rows.extend(_row(who, p, flags) for p, flags in final)
    inserted = _store(session, rows)
    n = 0
    for o, final in zip(busy, finals, strict=True):
        for i, (_, flags) in enumerate(final):
            result = o.results[o.slot[i]]
            if n in inserted:
                result.flags = PingFlag.names(flags)
            else:
                result.status = Status.DUPLICATE
            n += 1
    _touch_devices(session, [o.upload.who for o in busy], now)
    return [o.results for o in sorted_out]


_LATEST_OF = text("""
    SELECT staff_id, extract(epoch FROM fix_time), ST_X(geom), ST_Y(geom), fix_time, good
      FROM latest_position
     WHERE (tenant_id, staff_id) IN (
           SELECT * FROM unnest(CAST(:tenants AS uuid[]), CAST(:staff AS uuid[])))
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


class _Latest(NamedTuple):
    epoch: float
    lon: float
    lat: float
    fix_time: datetime
    good: bool


def _latest_of(session: Session, people: Sequence[Uploader]) -> dict[uuid.UUID, _Latest]:
    """The latest positions of these people (staff ids are unique across tenants)."""
    rows = session.connection().execute(
        _LATEST_OF,
        {
            "tenants": [str(w.tenant_id) for w in people],
            "staff": [str(w.staff_id) for w in people],
        },
    )
    return {r[0]: _Latest(float(r[1]), float(r[2]), float(r[3]), r[4], bool(r[5])) for r in rows}


def _good_fixes_around(
    session: Session,
    who: Uploader,
    candidates: list[tuple[PingIn, int]],
    latest: _Latest | None,
) -> list[tuple[float, float, float]]:
    """Stored good fixes from the last one before the candidates up to the last of them,
    as (epoch seconds, lon, lat); the caller restores their order.

    Live uploads are newer than everything stored, so the latest position is the only
    neighbour. Only late (offline) uploads search the ping table."""
    start = min(p.fix_time for p, _ in candidates)
    if latest is None or (latest.good and latest.fix_time < start):
        return [(latest.epoch, latest.lon, latest.lat)] if latest else []
    end = max(p.fix_time for p, _ in candidates)
    since = start - timedelta(days=who.settings.upload_window_days)
    rows = session.connection().execute(
        _GOOD_FIXES_AROUND,
        {
            "tenant": who.tenant_id,
            "staff": who.staff_id,
            "start": start,
            "end": end,
            "since": since,
        },
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


def _row(who: Uploader, p: PingIn, flags: int) -> dict[str, Any]:
    """A fix as the store statement reads it. ``shown``: it may move the latest position,
    being good, or placed by the server with no fault but its accuracy."""
    return {
        "tenant_id": who.tenant_id,
        "id": p.id,
        "fix_time": p.fix_time,
        "staff_id": who.staff_id,
        "device_id": who.device_id,
        "lon": p.lon,
        "lat": p.lat,
        "accuracy_m": p.accuracy_m,
        "altitude_m": p.altitude_m,
        "speed_mps": p.speed_mps,
        "bearing_deg": p.bearing_deg,
        "battery_pct": p.battery_pct,
        "source": p.source,
        "flags": flags,
        "attributes": p.attributes or None,
        "shown": flags == 0 or (p.placed and flags == PingFlag.INACCURATE),
    }


# One round trip for any number of fixes of any number of people: the new ones stored (the
# known ones skipped), and each person's newest shown fix among the new ones moves their
# latest position, only forwards. Rows are written in key order, so that concurrent
# transactions wait for each other instead of deadlocking.
_STORE = text("""
    WITH incoming AS (
        SELECT * FROM ROWS FROM (json_to_recordset(CAST(:rows AS json)) AS (
            tenant_id uuid, id uuid, fix_time timestamptz, staff_id uuid, device_id uuid,
            lon float8, lat float8, accuracy_m float8, altitude_m float8, speed_mps float8,
            bearing_deg float8, battery_pct float8, source text, flags int, attributes jsonb,
            shown bool)) WITH ORDINALITY AS r(
            tenant_id, id, fix_time, staff_id, device_id, lon, lat, accuracy_m, altitude_m,
            speed_mps, bearing_deg, battery_pct, source, flags, attributes, shown, n)
    ), stored AS (
        INSERT INTO ping (tenant_id, id, fix_time, staff_id, device_id, geom, accuracy_m,
                          altitude_m, speed_mps, bearing_deg, battery_pct, source, flags,
                          attributes)
        SELECT tenant_id, id, fix_time, staff_id, device_id,
               ST_SetSRID(ST_MakePoint(lon, lat), 4326), accuracy_m, altitude_m, speed_mps,
               bearing_deg, battery_pct, source, flags, attributes
          FROM incoming
         ORDER BY tenant_id, id, fix_time
        ON CONFLICT DO NOTHING
        RETURNING tenant_id, id, fix_time
    ), newest AS (
        SELECT DISTINCT ON (i.tenant_id, i.staff_id) i.*
          FROM incoming i JOIN stored s USING (tenant_id, id, fix_time)
         WHERE i.shown
         ORDER BY i.tenant_id, i.staff_id, i.fix_time DESC
    ), moved AS (
        INSERT INTO latest_position (tenant_id, staff_id, ping_id, device_id, fix_time, geom,
                                     accuracy_m, speed_mps, bearing_deg, battery_pct, source,
                                     good)
        SELECT tenant_id, staff_id, id, device_id, fix_time,
               ST_SetSRID(ST_MakePoint(lon, lat), 4326), accuracy_m, speed_mps, bearing_deg,
               battery_pct, source, flags = 0
          FROM newest
         ORDER BY tenant_id, staff_id
        ON CONFLICT (tenant_id, staff_id) DO UPDATE SET
            ping_id = EXCLUDED.ping_id, device_id = EXCLUDED.device_id,
            fix_time = EXCLUDED.fix_time, geom = EXCLUDED.geom,
            accuracy_m = EXCLUDED.accuracy_m, speed_mps = EXCLUDED.speed_mps,
            bearing_deg = EXCLUDED.bearing_deg, battery_pct = EXCLUDED.battery_pct,
            source = EXCLUDED.source, good = EXCLUDED.good, updated_at = now()
        WHERE latest_position.fix_time < EXCLUDED.fix_time
    )
    SELECT coalesce(array_agg(i.n), '{}')
      FROM incoming i JOIN stored s USING (tenant_id, id, fix_time)
""")


def _store(session: Session, rows: list[dict[str, Any]]) -> set[int]:
    """Store new rows, skip known ones; returns the positions of the rows stored now (a
    list of numbers reads far faster than a thousand keys)."""
    found = session.connection().execute(_STORE, {"rows": orjson.dumps(rows).decode()})
    return {n - 1 for n in found.scalar_one()}


_TOUCH_DEVICES = text("""
    UPDATE device SET last_seen_at = :now
     WHERE (tenant_id, id) IN (
           SELECT * FROM unnest(CAST(:tenants AS uuid[]), CAST(:devices AS uuid[])))
""")


def _touch_devices(session: Session, people: Sequence[Uploader], now: datetime) -> None:
    devices = sorted({(w.tenant_id, w.device_id) for w in people if w.device_id is not None})
    if devices:
        session.connection().execute(
            _TOUCH_DEVICES,
            {
                "now": now,
                "tenants": [str(t) for t, _ in devices],
                "devices": [str(d) for _, d in devices],
            },
        )
