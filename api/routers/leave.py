from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from api.deps import ActorDep, CursorQ, LimitQ, SessionDep, SettingsDep
from api.routers.approvals import approval_out
from api.schemas.approvals import ApprovalOut
from api.schemas.common import Page
from api.schemas.leave import (
    AdjustmentIn,
    AllocationIn,
    AllocationOut,
    BalanceOut,
    CancelIn,
    DayPartOut,
    LeaveRequestDetail,
    LeaveRequestIn,
    LeaveRequestOut,
    LeaveRequestPatch,
    LeaveStatusName,
    LeaveTypeIn,
    LeaveTypeOut,
    LeaveTypePatch,
    LedgerEntryOut,
)
from fieldforce import flows
from fieldforce.approvals.models import ApprovalRequest
from fieldforce.changes import unless_none
from fieldforce.leave import service
from fieldforce.leave.models import LeaveRequest, LeaveType
from fieldforce.org.scope import Actor

router = APIRouter(prefix="/api/v1", tags=["leave"])

YearQ = Annotated[int | None, Query(ge=1970, le=2100, description="default: this year")]


# types ----------------------------------------------------------------------------------


@router.get("/leave-types", response_model=Page[LeaveTypeOut])
def list_types(
    actor: ActorDep,
    session: SessionDep,
    include_inactive: Annotated[bool, Query(description="administrators' view")] = False,
) -> Page[LeaveTypeOut]:
    """The tenant's leave types (one page); every tenant starts with annual, sick,
    personal, marriage, maternity, paternity and bereavement leave."""
    types = service.list_types(session, actor, include_inactive=include_inactive)
    return Page[LeaveTypeOut](
        items=[LeaveTypeOut.model_validate(t) for t in types], next_cursor=None
    )


def _type_changes(body: LeaveTypeIn | LeaveTypePatch) -> service.TypeChanges:
    if isinstance(body, LeaveTypeIn):
        return service.TypeChanges(**body.model_dump(exclude={"code"}))
    return service.TypeChanges(
        name=unless_none(body.name),
        paid=unless_none(body.paid),
        allow_negative=unless_none(body.allow_negative),
        max_consecutive_days=body.sent("max_consecutive_days", body.max_consecutive_days),
        counts_holidays_and_rest_days=unless_none(body.counts_holidays_and_rest_days),
        attachment_required_above_days=body.sent(
            "attachment_required_above_days", body.attachment_required_above_days
        ),
        half_days_allowed=unless_none(body.half_days_allowed),
        active=unless_none(body.active),
    )


@router.post("/leave-types", response_model=LeaveTypeOut, status_code=201)
def create_type(body: LeaveTypeIn, actor: ActorDep, session: SessionDep) -> LeaveTypeOut:
    """Administrators: a leave type of the tenant's own."""
    return LeaveTypeOut.model_validate(
        service.create_type(session, actor, body.code, _type_changes(body))
    )


@router.patch("/leave-types/{leave_type_id}", response_model=LeaveTypeOut)
def update_type(
    leave_type_id: uuid.UUID, body: LeaveTypePatch, actor: ActorDep, session: SessionDep
) -> LeaveTypeOut:
    """Administrators: change a type's rules, or deactivate it (`active: false`)."""
    return LeaveTypeOut.model_validate(
        service.update_type(session, actor, leave_type_id, _type_changes(body))
    )


# allocations, adjustments, balances, the ledger -----------------------------------------


@router.post("/leave-allocations", response_model=AllocationOut, status_code=201)
def allocate(body: AllocationIn, actor: ActorDep, session: SessionDep) -> AllocationOut:
    """Administrators and managers of the person: their days of a type for a year, with
    days carried from the year before and when those lapse. One per person, type and
    year (409 `duplicate_allocation`: adjust instead)."""
    allocation = service.allocate(
        session,
        actor,
        staff_id=body.staff_id,
        leave_type_id=body.leave_type_id,
        year=body.year,
        days=body.days,
        carried_days=body.carried_days,
        carry_expires_on=body.carry_expires_on,
    )
    return AllocationOut.model_validate(allocation)


@router.post("/leave-adjustments", response_model=LedgerEntryOut, status_code=201)
def adjust(body: AdjustmentIn, actor: ActorDep, session: SessionDep) -> LedgerEntryOut:
    """Administrators and managers of the person: a correction to a balance, with why."""
    entry = service.adjust(
        session,
        actor,
        staff_id=body.staff_id,
        leave_type_id=body.leave_type_id,
        year=body.year,
        days=body.days,
        reason=body.reason,
    )
    return LedgerEntryOut.model_validate(entry)


@router.get("/leave-balances", response_model=Page[BalanceOut])
def balances(
    staff_id: uuid.UUID, actor: ActorDep, session: SessionDep, year: YearQ = None
) -> Page[BalanceOut]:
    """One's own balances, or those of someone in scope, per type for a year (one page)."""
    rows = service.staff_balances(session, actor, staff_id, year=year)
    items = [
        BalanceOut(
            leave_type_id=t.id,
            code=t.code,
            name=t.name,
            year=b.year,
            allocated=b.allocated,
            carried=b.carried,
            carry_expires_on=b.carry_expires_on,
            lapsed=b.lapsed,
            taken=b.taken,
            adjusted=b.adjusted,
            balance=b.balance,
            pending=b.pending,
            available=b.available,
        )
        for t, b in rows
    ]
    return Page[BalanceOut](items=items, next_cursor=None)


@router.get("/leave-ledger", response_model=Page[LedgerEntryOut])
def ledger(
    staff_id: uuid.UUID,
    actor: ActorDep,
    session: SessionDep,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    leave_type_id: uuid.UUID | None = None,
    year: YearQ = None,
) -> Page[LedgerEntryOut]:
    """Every change to one's balances (or someone's in scope), oldest first."""
    page = service.ledger(
        session,
        actor,
        staff_id,
        leave_type_id=leave_type_id,
        year=year,
        limit=limit,
        cursor=cursor,
    )
    return Page[LedgerEntryOut](
        items=[LedgerEntryOut.model_validate(e) for e in page.items], next_cursor=page.next_cursor
    )


# requests -------------------------------------------------------------------------------


def _out(session: Session, request: LeaveRequest) -> LeaveRequestOut:
    leave_type = session.get(LeaveType, (request.tenant_id, request.leave_type_id))
    assert leave_type is not None
    return LeaveRequestOut(
        id=request.id,
        staff_id=request.staff_id,
        leave_type_id=request.leave_type_id,
        code=leave_type.code,
        start=request.start,
        end=request.end,
        start_half=request.start_half,
        end_half=request.end_half,
        days=request.days,
        parts=[DayPartOut.model_validate(p) for p in request.parts],
        reason=request.reason,
        status=request.status,
        approval_id=request.approval_id,
        attachment_id=request.attachment_id,
        created_at=request.created_at,
        updated_at=request.updated_at,
        decided_at=request.decided_at,
        cancelled_at=request.cancelled_at,
    )


def _detail(session: Session, actor: Actor, request: LeaveRequest) -> LeaveRequestDetail:
    session.flush()
    session.refresh(request)

    def state(approval_id: uuid.UUID | None) -> ApprovalOut | None:
        found = None
        if approval_id is not None:
            found = session.get(ApprovalRequest, (request.tenant_id, approval_id))
        return approval_out(session, found) if found is not None else None

    return LeaveRequestDetail(
        **_out(session, request).model_dump(),
        approval=state(request.approval_id),
        cancel_approval=state(request.cancel_approval_id),
    )


@router.post("/leave-requests", response_model=LeaveRequestDetail, status_code=201)
def create_request(
    body: LeaveRequestIn, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> LeaveRequestDetail:
    """One's own leave, submitted for approval at once (or kept with `draft: true`).
    The days count only those the person would work (their duty plan in the tenant's time
    zone), unless the type counts holidays and rest days; a half day counts 0.5.
    `attachment_id`: a certificate, one's own upload, attached to the request (404 when it
    is not one's own; 409 `already_attached` when it belongs to something else).
    409 `overlapping_leave`; 422 `insufficient_balance`, `too_many_days`,
    `no_working_days`, `half_days_not_allowed`, `attachment_required` (more days than the
    type's `attachment_required_above_days` and no certificate)."""
    period = service.Period(
        body.leave_type_id, body.start, body.end, body.start_half, body.end_half
    )
    request = flows.create_leave(
        session,
        actor,
        period,
        body.reason,
        draft=body.draft,
        push=settings.push_enabled,
        attachment_id=body.attachment_id,
    )
    return _detail(session, actor, request)


@router.get("/leave-requests", response_model=Page[LeaveRequestOut])
def list_requests(
    actor: ActorDep,
    session: SessionDep,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    mine: bool = False,
    staff_id: uuid.UUID | None = None,
    status: LeaveStatusName | None = None,
    start: Annotated[date | None, Query(alias="from", description="overlapping from")] = None,
    end: Annotated[date | None, Query(alias="to", description="overlapping until")] = None,
) -> Page[LeaveRequestOut]:
    """Newest first: one's own (`mine`), or everyone's in one's scope."""
    page = service.list_requests(
        session,
        actor,
        mine=mine,
        staff_id=staff_id,
        status=status,
        start=start,
        end=end,
        limit=limit,
        cursor=cursor,
    )
    return Page[LeaveRequestOut](
        items=[_out(session, r) for r in page.items], next_cursor=page.next_cursor
    )


@router.get("/leave-requests/{request_id}", response_model=LeaveRequestDetail)
def get_request(request_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> LeaveRequestDetail:
    """One request in scope, with its approval's state."""
    service.actor_may_use(actor)
    return _detail(session, actor, service.get_request(session, actor, request_id))


@router.patch("/leave-requests/{request_id}", response_model=LeaveRequestDetail)
def update_request(
    request_id: uuid.UUID, body: LeaveRequestPatch, actor: ActorDep, session: SessionDep
) -> LeaveRequestDetail:
    """The requester changes a draft or a request returned for changes; a new
    `attachment_id` replaces the certificate (the old one is detached, and the cleanup
    removes it after a day), null removes it."""
    changes = service.RequestChanges(
        leave_type_id=unless_none(body.leave_type_id),
        start=unless_none(body.start),
        end=unless_none(body.end),
        start_half=body.sent("start_half", body.start_half),
        end_half=body.sent("end_half", body.end_half),
        reason=unless_none(body.reason),
        attachment_id=body.sent("attachment_id", body.attachment_id),
    )
    request = service.update_request(session, actor, request_id, changes)
    return _detail(session, actor, request)


@router.post("/leave-requests/{request_id}/submit", response_model=LeaveRequestDetail)
def submit_request(
    request_id: uuid.UUID, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> LeaveRequestDetail:
    """The requester submits a draft, or resubmits a request returned for changes.
    422 `attachment_required` when its days exceed the type's
    `attachment_required_above_days` and it has no certificate."""
    request = flows.submit_leave(session, actor, request_id, push=settings.push_enabled)
    return _detail(session, actor, request)


@router.post("/leave-requests/{request_id}/cancel", response_model=LeaveRequestDetail)
def cancel_request(
    request_id: uuid.UUID,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
    body: CancelIn | None = None,
) -> LeaveRequestDetail:
    """The requester cancels a draft or withdraws a request in approval; a manager of the
    person (or an administrator) cancels approved leave: its days go back to the balance
    and its duty exceptions go."""
    request = flows.cancel_leave(
        session, actor, request_id, body.reason if body else None, push=settings.push_enabled
    )
    return _detail(session, actor, request)
