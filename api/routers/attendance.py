"""Attendance (考勤): punches from the phone, the zones' Wi-Fi access points and the org
units' punch policies."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from geoalchemy2.shape import to_shape

from api.deps import ActorDep, CursorQ, LimitQ, SessionDep, SettingsDep
from api.schemas.attendance import (
    CorrectionIn,
    CorrectionOut,
    DayOut,
    PolicyOut,
    PunchIn,
    PunchOut,
    ResubmitIn,
    WifiIn,
    WifiOut,
)
from api.schemas.common import Page
from api.schemas.types import Day, Time
from fieldforce.attendance import corrections, policy, punches, sheets, wifi
from fieldforce.attendance.models import Punch
from fieldforce.attendance.policy import Rules

router = APIRouter(prefix="/api/v1", tags=["attendance"])


def punch_out(row: Punch, *, duplicate: bool = False) -> PunchOut:
    point = None if row.geom is None else to_shape(row.geom)
    return PunchOut(
        id=row.id,
        staff_id=row.staff_id,
        kind=row.kind,
        status="duplicate" if duplicate else row.status,
        reason=row.reason,
        verdict=row.verdict,
        basis=row.basis,
        zone_id=row.zone_id,
        distance_m=row.distance_m,
        wifi_bssid=row.wifi_bssid,
        field=row.field,
        note=row.note,
        photo_id=row.photo_id,
        flags=list(row.flags),
        source=row.source,
        time=row.punched_at,
        received_at=row.received_at,
        lon=None if point is None else point.x,
        lat=None if point is None else point.y,
        accuracy_m=row.accuracy_m,
        attendance_id=row.attendance_id,
    )


@router.post("/attendance/punches", response_model=PunchOut)
def punch(body: PunchIn, actor: ActorDep, session: SessionDep) -> PunchOut:
    """One's own clock-in or clock-out. Judged against one's zones of that day by the
    accuracy circle (inside / outside / uncertain), or by a registered access point the
    phone sees; the policy of one's org unit then accepts it (flagged where it says so) or
    refuses it with a reason. Offline punches are accepted within the policy's window and
    keep both the phone's and the server's time. Sending the same `id` again answers
    `duplicate` with the first answer's verdict: never a second punch."""
    result = punches.punch(
        session,
        actor,
        punches.PunchIn(
            id=body.id,
            kind=body.kind,
            time=body.time,
            lon=body.lon,
            lat=body.lat,
            accuracy_m=body.accuracy_m,
            mock=body.mock,
            wifi=[punches.normalise_bssid(w.bssid) for w in body.wifi],
            field=body.field,
            note=body.note,
            photo_id=body.photo_id,
        ),
    )
    return punch_out(result.punch, duplicate=result.duplicate)


@router.get("/attendance/punches", response_model=Page[PunchOut])
def list_punches(
    actor: ActorDep,
    session: SessionDep,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    staff_id: uuid.UUID | None = None,
    org_unit_id: Annotated[uuid.UUID | None, Query(description="this unit and below")] = None,
    start: Annotated[Time | None, Query(alias="from")] = None,
    end: Annotated[Time | None, Query(alias="to")] = None,
    field: Annotated[bool, Query(description="field punches (外勤) only")] = False,
    status: Literal["accepted", "refused"] | None = None,
) -> Page[PunchOut]:
    """Punches of the people in one's scope (one's own for a rep), newest first."""
    page = punches.list_punches(
        session,
        actor,
        staff_id=staff_id,
        org_unit_id=org_unit_id,
        start=start,
        end=end,
        field_only=field,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    return Page[PunchOut](items=[punch_out(p) for p in page.items], next_cursor=page.next_cursor)


@router.get("/attendance/days", response_model=Page[DayOut])
def list_days(
    actor: ActorDep,
    session: SessionDep,
    start: Annotated[Day, Query(alias="from")],
    end: Annotated[Day, Query(alias="to")],
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    staff_id: uuid.UUID | None = None,
    org_unit_id: Annotated[uuid.UUID | None, Query(description="this unit and below")] = None,
) -> Page[DayOut]:
    """The daily sheet of the people in one's scope (one's own for a rep): one item per
    person and local date from `from` to `to` (at most 62 days, today at the latest), by
    person then day. A page holds whole people (about `limit` items). Days are computed
    when first asked for and again when something they rest on changed; `computed_at`
    says when."""
    page = sheets.sheet(
        session,
        actor,
        start,
        end,
        staff_id=staff_id,
        org_unit_id=org_unit_id,
        limit=limit,
        cursor=cursor,
    )
    return Page[DayOut](
        items=[DayOut.model_validate(d) for d in page.items], next_cursor=page.next_cursor
    )


@router.post("/attendance/corrections", response_model=CorrectionOut, status_code=201)
def ask_correction(
    body: CorrectionIn, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> CorrectionOut:
    """补卡: one's own missing clock-in or clock-out, with the reason, into approval (kind
    `attendance_correction`). Approved, it becomes a punch (source `correction`) that opens,
    moves or closes that day's attendance; the day is marked `corrected` on the sheet."""
    correction, _ = corrections.ask(
        session,
        actor,
        kind=body.kind,
        at=body.time,
        reason=body.reason,
        push=settings.push_enabled,
    )
    return CorrectionOut.model_validate(correction)


@router.get("/attendance/corrections", response_model=Page[CorrectionOut])
def list_corrections(
    actor: ActorDep,
    session: SessionDep,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    mine: bool = False,
    staff_id: uuid.UUID | None = None,
    status: Literal["in_approval", "approved", "rejected", "returned", "withdrawn"] | None = None,
) -> Page[CorrectionOut]:
    """Corrections of the people in one's scope and those one decides, newest first."""
    page = corrections.list_corrections(
        session, actor, mine=mine, staff_id=staff_id, status=status, limit=limit, cursor=cursor
    )
    return Page[CorrectionOut](
        items=[CorrectionOut.model_validate(c) for c in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/attendance/corrections/{correction_id}", response_model=CorrectionOut)
def get_correction(correction_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> CorrectionOut:
    return CorrectionOut.model_validate(corrections.get_correction(session, actor, correction_id))


@router.post("/attendance/corrections/{correction_id}/resubmit", response_model=CorrectionOut)
def resubmit_correction(
    correction_id: uuid.UUID,
    body: ResubmitIn,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> CorrectionOut:
    """A returned correction, with a new time or reason if given, sent again."""
    correction, _ = corrections.resubmit(
        session, actor, correction_id, at=body.time, reason=body.reason, push=settings.push_enabled
    )
    return CorrectionOut.model_validate(correction)


@router.get("/zones/{zone_id}/wifi", response_model=Page[WifiOut])
def list_wifi(zone_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> Page[WifiOut]:
    """The zone's registered access points (one page)."""
    rows = wifi.list_access_points(session, actor, zone_id)
    return Page[WifiOut](items=[WifiOut.model_validate(r) for r in rows], next_cursor=None)


@router.post("/zones/{zone_id}/wifi", response_model=WifiOut, status_code=201)
def add_wifi(zone_id: uuid.UUID, body: WifiIn, actor: ActorDep, session: SessionDep) -> WifiOut:
    """Those who manage the zone register an access point of it (BSSID, optional SSID): a
    punch that sees it counts as inside the zone."""
    return WifiOut.model_validate(
        wifi.add_access_point(session, actor, zone_id, body.bssid, body.ssid)
    )


@router.delete("/zones/{zone_id}/wifi/{access_point_id}", status_code=204)
def remove_wifi(
    zone_id: uuid.UUID, access_point_id: uuid.UUID, actor: ActorDep, session: SessionDep
) -> None:
    wifi.remove_access_point(session, actor, zone_id, access_point_id)


@router.get("/attendance/policies/{org_unit_id}", response_model=PolicyOut)
def get_policy(org_unit_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> PolicyOut:
    """What the unit itself sets for punches (the rest comes from the units above it and
    then from the tenant's `attendance_*` settings)."""
    return PolicyOut(org_unit_id=org_unit_id, rules=policy.get_rules(session, actor, org_unit_id))


@router.put("/attendance/policies/{org_unit_id}", response_model=PolicyOut)
def put_policy(
    org_unit_id: uuid.UUID, body: Rules, actor: ActorDep, session: SessionDep
) -> PolicyOut:
    """Administrators (any unit) and managers (units below their own) set a unit's punch
    rules: outside punches refused or flagged by zone kind, mock locations, field punches
    and their photo, the offline window. `{}` removes the unit's own rules."""
    return PolicyOut(
        org_unit_id=org_unit_id, rules=policy.put_rules(session, actor, org_unit_id, body)
    )
