"""Visits (走访): routine, cold and follow-up visits checked in and out where the customer
is, verified by distance and accuracy."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import names
from api.deps import ActorDep, CursorQ, LimitQ, SessionDep, SettingsDep
from api.schemas.common import Page
from api.schemas.types import Time
from api.schemas.visits import CheckOutIn, FixIn, VisitIn, VisitOut
from fieldforce import flows
from fieldforce.attachments.models import SubjectKind
from fieldforce.customers.service import CustomerDraft
from fieldforce.visits import service as visits
from fieldforce.visits.models import Verification, Visit, VisitStatus, VisitType

router = APIRouter(prefix="/api/v1/visits", tags=["visits"])


def fix_from(body: FixIn) -> visits.Fix:
    return visits.Fix(body.time, body.lon, body.lat, body.accuracy_m, body.crs.value, body.mock)


def _outs(session: SessionDep, rows: list[Visit], *, duplicate: bool = False) -> list[VisitOut]:
    if not rows:
        return []
    tenant_id = rows[0].tenant_id
    customer = names.customer_names(session, tenant_id, (v.customer_id for v in rows))
    staff = names.staff_names(session, tenant_id, (v.staff_id for v in rows))
    photos = names.photos(session, tenant_id, SubjectKind.VISIT, (v.id for v in rows))
    return [
        VisitOut(
            id=visit.id,
            staff_id=visit.staff_id,
            staff_name=staff.get(visit.staff_id, ""),
            customer_id=visit.customer_id,
            customer_name=customer.get(visit.customer_id, ""),
            type=visit.type,
            status=visit.status,
            previous_visit_id=visit.previous_visit_id,
            verification=visit.in_verification,
            distance_m=visit.in_distance_m,
            check_in_at=visit.in_at,
            received_at=visit.in_received_at,
            accuracy_m=visit.in_accuracy_m,
            mock=visit.mock,
            check_out_at=visit.out_at,
            check_out_verification=visit.out_verification,
            check_out_distance_m=visit.out_distance_m,
            duration_s=visit.duration_s,
            outcome=visit.outcome,
            notes=visit.notes,
            stage_to=visit.stage_to,
            follow_up_on=visit.follow_up_on,
            follow_up_task_id=visit.follow_up_task_id,
            photo_ids=photos.get(visit.id, []),
            duplicate=duplicate,
        )
        for visit in rows
    ]


def _out(session: SessionDep, visit: Visit, *, duplicate: bool = False) -> VisitOut:
    return _outs(session, [visit], duplicate=duplicate)[0]


@router.post("", status_code=201, response_model=VisitOut)
def check_in(body: VisitIn, actor: ActorDep, session: SessionDep, response: Response) -> VisitOut:
    """One's own check-in, opening a visit: `routine` (a partner), `cold` (a prospect; or
    `customer` describing one met at the door, made at the check-in's position) or
    `follow_up` (an intended customer; linked to the earlier visit). Verified when the fix
    is within the customer's radius plus its accuracy (counted up to the tenant's
    `visit_accuracy_cap_m`); otherwise `unverified` with the distance, or refused
    (`422 not_at_customer`) when the tenant's `visit_policy` is `refuse`. A mock location
    is never verified. The same `id` again answers `200` with the visit already made."""
    prospect = None
    if body.customer is not None:
        c = body.customer
        prospect = CustomerDraft(
            name=c.name,
            lon=body.check_in.lon,
            lat=body.check_in.lat,
            crs=body.check_in.crs.value,
            kind=c.kind.value,
            address=c.address,
            contacts=[x.model_dump(exclude_none=True) for x in c.contacts],
            tags=list(c.tags),
        )
    visit, duplicate = visits.check_in(
        session,
        actor,
        kind=VisitType(body.type),
        fix=fix_from(body.check_in),
        visit_id=body.id,
        customer_id=body.customer_id,
        prospect=prospect,
        previous_visit_id=body.previous_visit_id,
    )
    if duplicate:
        response.status_code = 200
    return _out(session, visit, duplicate=duplicate)


@router.post("/{visit_id}/check-out", response_model=VisitOut)
def check_out(
    visit_id: uuid.UUID,
    body: CheckOutIn,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> VisitOut:
    """The visitor checks out: verified as at check-in, the time on site, the outcome and
    notes, photos (uploaded attachments), the stage the customer moves to (recorded as made
    by this visit) and the next follow-up date (a task for that day at 09:00, where the
    customer is, when the tenant has tasks)."""
    result = visits.Outcome(
        body.outcome,
        body.notes,
        body.stage and body.stage.value,
        body.stage_reason,
        body.follow_up_on,
    )
    visit = flows.check_out_visit(
        session, actor, visit_id, fix_from(body), result, body.photo_ids, push=settings.push_enabled
    )
    return _out(session, visit)


@router.get("", response_model=Page[VisitOut])
def list_visits(
    actor: ActorDep,
    session: SessionDep,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    staff_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    type: VisitType | None = None,
    verification: Verification | None = None,
    status: VisitStatus | None = None,
    start: Annotated[Time | None, Query(alias="from")] = None,
    end: Annotated[Time | None, Query(alias="to")] = None,
) -> Page[VisitOut]:
    """Visits of the people in one's scope (one's own for a rep), newest first."""
    f = visits.VisitFilters(
        staff_id,
        customer_id,
        type and type.value,
        verification and verification.value,
        status and status.value,
        start,
        end,
    )
    page = visits.list_visits(session, actor, f, limit=limit, cursor=cursor)
    return Page[VisitOut](items=_outs(session, page.items), next_cursor=page.next_cursor)


@router.get("/{visit_id}", response_model=VisitOut)
def get_visit(visit_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> VisitOut:
    return _out(session, visits.get_visit(session, actor, visit_id))
