"""Clock-in and clock-out (打卡): a punch judged against the person's zones of that day by
its accuracy circle (or by an access point of one of them), the policy's say on it, and
the attendance it opens or closes.

A punch keeps the phone's id, so a retried one is a duplicate and never a second punch;
refused punches are kept with their reason (who tried, where, and why not).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from geoalchemy2 import Geography
from geoalchemy2.elements import WKTElement
from sqlalchemy import Select, cast, func, select
from sqlalchemy.orm import Session

from fieldforce.attachments import service as attachments
from fieldforce.attachments.models import SubjectKind
from fieldforce.attendance import periods, sheets
from fieldforce.attendance.closing import close_forgotten
from fieldforce.attendance.models import (
    Attendance,
    Basis,
    Flag,
    Punch,
    PunchKind,
    PunchStatus,
    Source,
    Verdict,
    ZoneWifi,
)
from fieldforce.attendance.policy import Policy, policy_for
from fieldforce.db import lock_for_transaction
from fieldforce.errors import Conflict, Invalid
from fieldforce.monitoring.judge import INDEXES, Setup, rules_for, zone_key
from fieldforce.org.models import Staff, units_below
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.models import Module, Tenant, TenantSettings
from fieldforce.zones.assignments import assigned_zones
from fieldforce.zones.models import Zone, ZoneKind
from geo.zones import Verdict as Standing

OFFLINE_AFTER = timedelta(minutes=5)  # received this long after it was made: offline
NOTE_MAX = 500


@dataclass(frozen=True)
class PunchIn:
    id: uuid.UUID
    kind: str
    time: datetime
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    mock: bool = False
    wifi: Sequence[str] = ()  # BSSIDs seen, normalised
    field: bool = False
    note: str | None = None
    photo_id: uuid.UUID | None = None
    device_id: uuid.UUID | None = None


@dataclass
class Judged:
    verdict: Verdict
    basis: Basis
    zone: Zone | None = None
    distance_m: float | None = None
    bssid: str | None = None
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PunchResult:
    punch: Punch
    duplicate: bool


def normalise_bssid(raw: str) -> str:
    """``AA-BB-CC-DD-EE-FF`` or ``aabb.ccdd.eeff`` → ``aa:bb:cc:dd:ee:ff``."""
    digits = "".join(c for c in raw.lower() if c in "0123456789abcdef")
    cleaned = "".join(c for c in raw.lower() if c not in ":-. ")
    if len(digits) != 12 or digits != cleaned:
        raise Invalid("a BSSID is six hex bytes, like aa:bb:cc:dd:ee:ff", code="invalid_bssid")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _check(data: PunchIn) -> None:
    if data.kind not in (PunchKind.IN, PunchKind.OUT):
        raise Invalid("a punch is 'in' or 'out'", code="invalid_kind")
    located = data.lon is not None and data.lat is not None
    if (data.lon is None) != (data.lat is None):
        raise Invalid("give both lon and lat, or neither", code="invalid_location")
    if located:
        assert data.lon is not None
        assert data.lat is not None
        if not (math.isfinite(data.lon) and math.isfinite(data.lat)):
            raise Invalid("coordinates must be finite numbers", code="invalid_location")
        if not (-180 <= data.lon <= 180 and -90 <= data.lat <= 90) or (data.lon, data.lat) == (
            0,
            0,
        ):
            raise Invalid("coordinates out of range", code="invalid_location")
    if not located and not data.wifi:
        raise Invalid("a punch needs a location or the Wi-Fi it sees", code="unlocated")
    if data.field and not (data.note or "").strip():
        raise Invalid("a field punch needs a note on what the work is", code="note_required")
    if data.note is not None and len(data.note) > NOTE_MAX:
        raise Invalid(f"a note has at most {NOTE_MAX} characters", code="invalid_note")


def _zones(session: Session, staff: Staff, day: date) -> list[Zone]:
    return [
        z for z, _ in assigned_zones(session, staff, day) if z.kind != ZoneKind.RESTRICTED.value
    ]


def _judge(session: Session, settings: TenantSettings, zones: list[Zone], data: PunchIn) -> Judged:
    """An access point of one of the zones decides first (indoors GPS is poor); else the
    fix's accuracy circle against the zones, as off-zone monitoring judges it."""
    if data.wifi and zones:
        seen = session.execute(
            select(ZoneWifi.zone_id, ZoneWifi.bssid).where(
                ZoneWifi.tenant_id == zones[0].tenant_id,
                ZoneWifi.zone_id.in_([z.id for z in zones]),
                ZoneWifi.bssid.in_(list(data.wifi)),
            )
        ).first()
        if seen is not None:
            by_wifi = next(z for z in zones if z.id == seen.zone_id)
            return Judged(Verdict.INSIDE, Basis.WIFI, by_wifi, None, seen.bssid)
    if data.lon is None or data.lat is None:
        return Judged(Verdict.UNCERTAIN, Basis.WIFI, flags=[Flag.UNCERTAIN])
    if not zones:
        return Judged(Verdict.UNCERTAIN, Basis.NO_ZONE, flags=[Flag.NO_ZONE])
    rules = rules_for(settings, zones)
    index = INDEXES.get(
        session, zones[0].tenant_id, Setup(rules, [z.id for z in zones], zone_key(zones))
    )
    accuracy = settings.accuracy_limit_m if data.accuracy_m is None else data.accuracy_m
    standing = index.stand(data.lon, data.lat, accuracy, rules.margin_m)
    zone = next((z for z in zones if z.id == standing.zone_id), None)
    distance = standing.distance_m
    if zone is None:  # beyond the index's reach: name the nearest zone and how far
        zone, away = _nearest(session, zones, data.lon, data.lat)
        distance = -away
    verdict = {
        Standing.INSIDE: Verdict.INSIDE,
        Standing.OUTSIDE: Verdict.OUTSIDE,
        Standing.STRADDLING: Verdict.UNCERTAIN,
    }[standing.verdict]
    flags = [Flag.UNCERTAIN.value] if verdict is Verdict.UNCERTAIN else []
    return Judged(verdict, Basis.GPS, zone, distance, None, flags)


def _nearest(session: Session, zones: list[Zone], lon: float, lat: float) -> tuple[Zone, float]:
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    distance = func.ST_Distance(cast(Zone.geom, Geography), cast(point, Geography))
    zone_id, metres = session.execute(
        select(Zone.id, distance)
        .where(Zone.tenant_id == zones[0].tenant_id, Zone.id.in_([z.id for z in zones]))
        .order_by(distance)
        .limit(1)
    ).one()
    return next(z for z in zones if z.id == zone_id), float(metres)


def _refusal(
    data: PunchIn, judged: Judged, policy: Policy, now: datetime, future_s: int
) -> str | None:
    """Why the policy refuses the punch, if it does; else None (flags say the rest)."""
    if data.time > now + timedelta(seconds=future_s):
        return "future_time"
    if data.time < now - timedelta(hours=policy.offline_window_h):
        return "too_old"
    if data.mock and policy.mock == "refuse":
        return "mock_location"
    if data.field:
        if not policy.field_punches:
            return "field_not_allowed"
        if policy.field_photo_required and data.photo_id is None:
            return "photo_required"
        return None
    if judged.verdict is Verdict.OUTSIDE:
        kind = judged.zone.kind if judged.zone is not None else None
        if policy.outside_action(kind) == "refuse":
            return "outside"
    return None


def _flags(data: PunchIn, judged: Judged, now: datetime) -> list[str]:
    flags = list(judged.flags)
    if judged.verdict is Verdict.OUTSIDE and not data.field:
        flags.append(Flag.OUTSIDE.value)
    if data.field:
        flags.append(Flag.FIELD.value)
    if data.mock:
        flags.append(Flag.MOCK.value)
    if now - data.time > OFFLINE_AFTER:
        flags.append(Flag.OFFLINE.value)
    return [str(f) for f in flags]


def open_attendance(session: Session, staff: Staff) -> Attendance | None:
    return session.scalar(
        select(Attendance).where(
            Attendance.tenant_id == staff.tenant_id,
            Attendance.staff_id == staff.id,
            Attendance.out_at.is_(None),
        )
    )


def _clock_in(session: Session, staff: Staff, punch: Punch, day: date) -> str | None:
    """Opens an attendance; one still open from an earlier day is closed first, as the
    tenant's rule would close it (the in-punch of a new day proves the old one over)."""
    current = open_attendance(session, staff)
    if current is not None:
        if current.day >= day or current.in_at >= punch.punched_at:
            return "already_clocked_in"
        close_forgotten(session, staff, current, before=punch.punched_at)
    attendance = Attendance(
        tenant_id=staff.tenant_id,
        id=uuid.uuid4(),
        staff_id=staff.id,
        day=day,
        in_punch_id=punch.id,
        in_at=punch.punched_at,
    )
    session.add(attendance)
    punch.attendance_id = attendance.id
    return None


def _clock_out(session: Session, staff: Staff, punch: Punch) -> str | None:
    """Closes the open attendance; a later clock-out of a closed one counts instead of the
    earlier one (the last out counts), and a real one replaces an automatic close."""
    current = open_attendance(session, staff)
    if current is None or current.in_at > punch.punched_at:
        current = session.scalar(
            select(Attendance)
            .where(
                Attendance.tenant_id == staff.tenant_id,
                Attendance.staff_id == staff.id,
                Attendance.in_at <= punch.punched_at,
                Attendance.in_at > punch.punched_at - timedelta(hours=24),
                Attendance.out_at.is_not(None),
            )
            .order_by(Attendance.in_at.desc())
            .limit(1)
        )
        if current is None:
            return "not_clocked_in"
        assert current.out_at is not None
        if not current.closed_automatically and current.out_at >= punch.punched_at:
            return "already_clocked_out"
    current.out_punch_id = punch.id
    current.out_at = punch.punched_at
    current.closed_automatically = False
    current.close_rule = None
    punch.attendance_id = current.id
    return None


def punch(
    session: Session, actor: Actor, data: PunchIn, *, now: datetime | None = None
) -> PunchResult:
    """The caller's own punch, judged, refused or accepted, and applied."""
    actor.require_module(Module.ATTENDANCE.value)
    _check(data)
    now = now or datetime.now(UTC)
    staff = session.get(Staff, (actor.tenant_id, actor.staff_id))
    tenant = session.get(Tenant, actor.tenant_id)
    assert staff is not None
    assert tenant is not None
    lock_for_transaction(session, f"attendance:{staff.tenant_id}:{staff.id}")
    existing = session.get(Punch, (actor.tenant_id, data.id))
    if existing is not None:
        if existing.staff_id != staff.id:
            raise Conflict("this punch id is taken", code="id_in_use")
        return PunchResult(existing, duplicate=True)
    settings = tenant.effective_settings
    day = data.time.astimezone(ZoneInfo(tenant.timezone)).date()
    judged = _judge(session, settings, _zones(session, staff, day), data)
    policy = policy_for(session, staff, settings)
    if periods.closed_period(session, staff.tenant_id, day) is not None:
        reason: str | None = "period_closed"  # whatever else: only a correction gets in
    else:
        reason = _refusal(data, judged, policy, now, settings.future_tolerance_s)
    row = Punch(
        tenant_id=staff.tenant_id,
        id=data.id,
        staff_id=staff.id,
        kind=data.kind,
        status=PunchStatus.ACCEPTED.value,
        punched_at=data.time,
        received_at=now,
        geom=None if data.lon is None else WKTElement(f"POINT({data.lon} {data.lat})", srid=4326),
        accuracy_m=data.accuracy_m,
        mock=data.mock,
        verdict=judged.verdict.value,
        basis=judged.basis.value,
        zone_id=judged.zone.id if judged.zone is not None else None,
        distance_m=judged.distance_m,
        wifi_bssid=judged.bssid,
        field=data.field,
        note=(data.note or "").strip() or None,
        photo_id=data.photo_id,
        flags=_flags(data, judged, now),
        source=Source.APP.value,
        device_id=data.device_id,
    )
    if reason is None:
        if data.kind == PunchKind.IN:
            reason = _clock_in(session, staff, row, day)
        else:
            reason = _clock_out(session, staff, row)
    if reason is not None:
        row.status, row.reason, row.attendance_id = PunchStatus.REFUSED.value, reason, None
    session.add(row)
    session.flush()
    if reason is None:  # the day it belongs to (or the night shift's day before)
        sheets.mark_stale(
            session, staff.tenant_id, staff_id=staff.id, first=day - timedelta(days=1), last=day
        )
    if data.photo_id is not None:
        attachments.attach(session, actor, data.photo_id, SubjectKind.ATTENDANCE_PUNCH, row.id)
    return PunchResult(row, duplicate=False)


def may_see_punch(session: Session, actor: Actor, punch_id: uuid.UUID) -> bool:
    """The person and those whose scope holds them: who may see a punch's photo."""
    found = session.scalar(
        select(Punch.id).where(
            Punch.tenant_id == actor.tenant_id,
            Punch.id == punch_id,
            Punch.staff_id.in_(select(Staff.id).where(actor.staff_clause())),
        )
    )
    return found is not None


def punches_in_scope(
    session: Session,
    actor: Actor,
    *,
    staff_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    field_only: bool = False,
    status: str | None = None,
) -> Select[Punch]:
    """The punches of the people in the caller's scope (oneself for a rep), filtered."""
    actor.require_module(Module.ATTENDANCE.value)
    people = select(Staff.id).where(actor.staff_clause())
    if org_unit_id is not None:
        unit = actor.visible_unit(session, org_unit_id)
        people = people.where(Staff.org_unit_id.in_(units_below(unit.tenant_id, unit.path)))
    stmt = select(Punch).where(Punch.tenant_id == actor.tenant_id, Punch.staff_id.in_(people))
    if staff_id is not None:
        actor.visible_staff(session, staff_id)
        stmt = stmt.where(Punch.staff_id == staff_id)
    if start is not None:
        stmt = stmt.where(Punch.punched_at >= start)
    if end is not None:
        stmt = stmt.where(Punch.punched_at < end)
    if field_only:
        stmt = stmt.where(Punch.field.is_(True))
    if status is not None:
        stmt = stmt.where(Punch.status == status)
    return stmt


def list_punches(
    session: Session,
    actor: Actor,
    *,
    staff_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    field_only: bool = False,
    status: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Punch]:
    """Newest first, of the people in the caller's scope (oneself for a rep)."""
    stmt = punches_in_scope(
        session,
        actor,
        staff_id=staff_id,
        org_unit_id=org_unit_id,
        start=start,
        end=end,
        field_only=field_only,
        status=status,
    )
    return paginate(
        session, stmt, [Punch.punched_at, Punch.id], limit=limit, cursor=cursor, descending=True
    )
