from __future__ import annotations

import csv
import io
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from api.deps import ActorDep, CursorQ, LimitQ, SessionDep, SettingsDep
from api.formats.tables import spreadsheet_text
from api.routers.approvals import _out as approval_out
from api.schemas.common import Page
from api.schemas.travel import (
    ClaimDetail,
    ClaimIn,
    ClaimOut,
    ClaimPatch,
    ClaimStatusName,
    LegIn,
    LegOut,
    LineIn,
    LineOut,
    PayIn,
    SanctionIn,
    verification_out,
)
from api.schemas.types import Day
from fieldforce.changes import unless_none
from fieldforce.travel import service as travel
from fieldforce.travel.service import Claim

router = APIRouter(prefix="/api/v1", tags=["travel claims"])
CLAIMS = "/travel-claims"


def _out(loaded: Claim) -> ClaimOut:
    c = loaded.claim
    legs = []
    for leg in loaded.legs:
        point = to_shape(leg.geom)
        legs.append(
            LegOut(
                id=leg.id,
                place=leg.place,
                lon=point.x,
                lat=point.y,
                date=leg.day,
                mode=leg.mode,
                city_tier=leg.city_tier,
            )
        )
    lines = [
        LineOut(
            id=line.id,
            category=line.category,
            date=line.day,
            amount=line.amount,
            currency=line.currency,
            claimed_km=line.claimed_km,
            limit=line.limit_amount,
            over_limit=line.over_limit,
            sanctioned_amount=line.sanctioned_amount,
            sanction_reason=line.sanction_reason,
            sanctioned_by_id=line.sanctioned_by_id,
            receipt_attachment_id=line.receipt_attachment_id,
        )
        for line in loaded.lines
    ]
    return ClaimOut(
        id=c.id,
        requester_id=c.requester_id,
        purpose=c.purpose,
        start=c.start_date,
        end=c.end_date,
        status=c.status,
        currency=c.currency,
        total=loaded.total,
        payable=loaded.payable,
        claimed_km=loaded.claimed_km,
        legs=legs,
        lines=lines,
        verification=verification_out(c.verification, c.verification_computed_at),
        approval_id=c.approval_id,
        submitted_at=c.submitted_at,
        paid_at=c.paid_at,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


def _detail(session: Session, loaded: Claim) -> ClaimDetail:
    request = travel.approval_of(session, loaded.claim)
    return ClaimDetail(
        **_out(loaded).model_dump(),
        approval=None if request is None else approval_out(session, request),
    )


def _legs(legs: list[LegIn]) -> list[travel.LegIn]:
    return [travel.LegIn(x.place, x.lon, x.lat, x.date, x.mode, x.city_tier) for x in legs]


def _lines(lines: list[LineIn]) -> list[travel.LineIn]:
    return [
        travel.LineIn(
            x.category, x.date, x.amount, x.currency, x.claimed_km, x.receipt_attachment_id
        )
        for x in lines
    ]


@router.post(CLAIMS, response_model=ClaimDetail, status_code=201)
def create_claim(body: ClaimIn, actor: ActorDep, session: SessionDep) -> ClaimDetail:
    """A draft claim of the caller's: the trip (days in the tenant's time zone, at most
    31), its legs and its expense lines (in the tenant's claim currency). Lines over the
    tenant's daily limits are marked `over_limit`, not refused."""
    data = travel.ClaimIn(body.purpose, body.start, body.end, _legs(body.legs), _lines(body.lines))
    return _detail(session, travel.create_claim(session, actor, data))


@router.get(CLAIMS, response_model=Page[ClaimOut])
def list_claims(
    actor: ActorDep,
    session: SessionDep,
    mine: Annotated[bool, Query(description="only the caller's own claims")] = False,
    status: ClaimStatusName | None = None,
    staff_id: uuid.UUID | None = None,
    start: Annotated[
        Day | None, Query(alias="from", description="trips ending on or after")
    ] = None,
    end: Annotated[Day | None, Query(alias="to", description="trips starting on or before")] = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> Page[ClaimOut]:
    """Claims the caller may see, newest first: their own; their subtree's (supervisors,
    managers, finance); those their approval involves them in; all (administrators)."""
    page = travel.list_claims(
        session,
        actor,
        mine=mine,
        status=status,
        staff_id=staff_id,
        start=start,
        end=end,
        limit=limit,
        cursor=cursor,
    )
    return Page[ClaimOut](items=[_out(c) for c in page.items], next_cursor=page.next_cursor)


@router.get(
    f"{CLAIMS}/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_claims(
    actor: ActorDep,
    session: SessionDep,
    status: ClaimStatusName = "paid",
    start: Annotated[
        Day | None, Query(alias="from", description="first day (paid on, for paid)")
    ] = None,
    end: Annotated[Day | None, Query(alias="to", description="last day")] = None,
) -> Response:
    """Claims in scope with a status as CSV (finance or administrators), one row per
    claim: for `paid`, those paid in the days given, oldest first."""
    rows = travel.export_claims(session, actor, status=status, start=start, end=end)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "claim_id",
            "login",
            "name",
            "purpose",
            "start",
            "end",
            "currency",
            "claimed",
            "payable",
            "claimed_km",
            "tracked_km",
            "flags",
            "status",
            "paid_at",
            "batch_id",
        ]
    )
    for row in rows:
        c = row.claim.claim
        v = c.verification or {}
        writer.writerow(
            [
                c.id,
                row.requester.login,
                spreadsheet_text(row.requester.name),
                spreadsheet_text(c.purpose),
                c.start_date,
                c.end_date,
                c.currency,
                row.claim.total,
                row.claim.payable,
                row.claim.claimed_km,
                v.get("tracked_km", ""),
                " ".join(v.get("flags", [])),
                c.status,
                c.paid_at.isoformat() if c.paid_at else "",
                c.paid_batch_id or "",
            ]
        )
    name = f"travel-claims-{status}-{start or 'all'}-{end or 'all'}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(f"{CLAIMS}/pay", response_model=Page[ClaimOut])
def pay_claims(body: PayIn, actor: ActorDep, session: SessionDep) -> Page[ClaimOut]:
    """Approved claims marked paid in one batch (finance or administrators); none when
    any is not approved (409 `not_approved`) or not visible (404)."""
    paid = travel.pay_claims(session, actor, body.claim_ids)
    return Page[ClaimOut](items=[_out(c) for c in paid], next_cursor=None)


@router.get(f"{CLAIMS}/{{claim_id}}", response_model=ClaimDetail)
def get_claim(claim_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> ClaimDetail:
    """A claim with its verification and the state of its approval."""
    return _detail(session, travel.get_claim(session, actor, claim_id))


@router.patch(f"{CLAIMS}/{{claim_id}}", response_model=ClaimDetail)
def update_claim(
    claim_id: uuid.UUID, body: ClaimPatch, actor: ActorDep, session: SessionDep
) -> ClaimDetail:
    """The requester changes a draft or returned claim; `legs` and `lines` replace all."""
    changes = travel.ClaimChanges(
        purpose=unless_none(body.purpose),
        start=unless_none(body.start),
        end=unless_none(body.end),
        legs=unless_none(None if body.legs is None else _legs(body.legs)),
        lines=unless_none(None if body.lines is None else _lines(body.lines)),
    )
    return _detail(session, travel.update_claim(session, actor, claim_id, changes))


@router.post(f"{CLAIMS}/{{claim_id}}/submit", response_model=ClaimDetail)
def submit_claim(
    claim_id: uuid.UUID, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> ClaimDetail:
    """The GPS verification computed from the caller's pings in the trip period, then
    the claim into approval (kind `travel_claim`; again, when it was returned)."""
    loaded = travel.submit_claim(session, actor, claim_id, push=settings.push_enabled)
    return _detail(session, loaded)


@router.patch(f"{CLAIMS}/{{claim_id}}/lines/{{line_id}}", response_model=ClaimDetail)
def sanction_line(
    claim_id: uuid.UUID, line_id: uuid.UUID, body: SanctionIn, actor: ActorDep, session: SessionDep
) -> ClaimDetail:
    """An approver the claim waits on sets what a line is worth (at most the claimed
    amount, with a reason), or clears it with null."""
    loaded = travel.sanction_line(
        session, actor, claim_id, line_id, body.sanctioned_amount, body.reason
    )
    return _detail(session, loaded)
