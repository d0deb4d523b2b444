from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import ActorDep, CursorQ, LimitQ, SessionDep, SettingsDep
from api.schemas.approvals import (
    ApprovalDetail,
    ApprovalEventOut,
    ApprovalOut,
    CommentIn,
    CountsOut,
    DecisionIn,
    DelegationIn,
    DelegationOut,
    FlowOut,
    PassOut,
    PreviewIn,
    PreviewOut,
    PreviewStepOut,
    WithdrawIn,
)
from api.schemas.common import Page
from fieldforce import flows
from fieldforce.approvals import definitions, delegation
from fieldforce.approvals import service as approvals
from fieldforce.approvals.models import (
    Action,
    ApprovalRequest,
    Delegation,
    RequestKind,
    RequestStatus,
)
from fieldforce.approvals.rules import Facts, FlowSpec
from fieldforce.org.models import Staff

router = APIRouter(prefix="/api/v1", tags=["approvals"])


def _out(session: Session, request: ApprovalRequest) -> ApprovalOut:
    flow = approvals.flow_of(session, request)
    return ApprovalOut(
        id=request.id,
        kind=request.kind,
        subject_id=request.subject_id,
        requester_id=request.requester_id,
        status=request.status,
        round=request.round,
        step=request.step,
        steps=len(flow.steps),
        flow_version=flow.version,
        waiting_on=request.approver_ids,
        facts=Facts.model_validate(request.facts),
        waiting_since=request.waiting_since,
        created_at=request.created_at,
        updated_at=request.updated_at,
        decided_at=request.decided_at,
    )


# the request's state, as other domains' routers show it beside their subject
approval_out = _out


def _names(session: Session, tenant_id: uuid.UUID, ids: Iterable[uuid.UUID]) -> dict[str, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Staff.id, Staff.name).where(Staff.tenant_id == tenant_id, Staff.id.in_(wanted))
    )
    return {str(staff_id): name for staff_id, name in rows}


def _detail(session: Session, request: ApprovalRequest) -> ApprovalDetail:
    history = []
    people = {request.requester_id, *request.involved_ids}
    for e in approvals.history(session, request):
        asked = [uuid.UUID(i) for i in e.data.get("approver_ids") or []]
        people.update(asked)
        people.update(p for p in (e.actor_id, e.on_behalf_of_id) if p is not None)
        history.append(
            ApprovalEventOut(
                at=e.at,
                action=e.action,
                round=e.round,
                step=e.step,
                level=e.level,
                actor_id=e.actor_id,
                on_behalf_of_id=e.on_behalf_of_id,
                comment=e.comment,
                approver_ids=asked,
                reason=e.data.get("reason"),
                to_admins=bool(e.data.get("to_admins")),
            )
        )
    return ApprovalDetail(
        **_out(session, request).model_dump(),
        history=history,
        names=_names(session, request.tenant_id, people),
    )


@router.get("/approvals/counts", response_model=CountsOut)
def count_waiting(
    actor: ActorDep,
    session: SessionDep,
    waiting_on: Annotated[Literal["me"], Query(description="only `me`")] = "me",
) -> CountsOut:
    """How many requests wait on the caller (or on someone they stand in for), per kind."""
    by_kind = approvals.waiting_counts(session, actor)
    return CountsOut(total=sum(by_kind.values()), by_kind=by_kind)


@router.get("/approvals", response_model=Page[ApprovalOut])
def list_approvals(
    actor: ActorDep,
    session: SessionDep,
    waiting_on: Annotated[
        Literal["me"] | None,
        Query(description="`me`: what waits on the caller or on whom they stand in for"),
    ] = None,
    mine: Annotated[bool, Query(description="only the caller's own requests")] = False,
    kind: RequestKind | None = None,
    status: RequestStatus | None = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> Page[ApprovalOut]:
    """Requests the caller may see, newest first: their own, those waiting or having
    waited on them (or on whom they stand in for), and, for administrators, all."""
    page = approvals.list_requests(
        session,
        actor,
        waiting_on_me=waiting_on == "me",
        mine=mine,
        kind=kind.value if kind else None,
        status=status.value if status else None,
        limit=limit,
        cursor=cursor,
    )
    return Page[ApprovalOut](
        items=[_out(session, r) for r in page.items], next_cursor=page.next_cursor
    )


@router.get("/approvals/{approval_id}", response_model=ApprovalDetail)
def get_approval(approval_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> ApprovalDetail:
    """A request with its whole history: every step, decision, comment, skip, pass-up,
    reminder and escalation, with who and when."""
    return _detail(session, approvals.get_request(session, actor, approval_id))


@router.post("/approvals/{approval_id}/decisions", response_model=ApprovalDetail)
def decide(
    approval_id: uuid.UUID,
    body: DecisionIn,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> ApprovalDetail:
    """Approve, reject (a comment saying why is required) or return for changes (a
    comment too) the step the request waits at. 403 `own_request` for one's own request,
    403 `not_an_approver` when it does not wait on the caller, 409 `already_decided` when
    the step has been decided (or, with `step`/`round`, has moved on since)."""
    request = flows.decide_approval(
        session,
        actor,
        approval_id,
        Action(body.action),
        body.comment,
        step=body.step,
        round_=body.round,
        push=settings.push_enabled,
    )
    return _detail(session, request)


@router.post("/approvals/{approval_id}/comments", response_model=ApprovalDetail)
def comment(
    approval_id: uuid.UUID,
    body: CommentIn,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> ApprovalDetail:
    """A comment in the history, by anyone who may see the request; nothing changes."""
    request = approvals.add_comment(
        session, actor, approval_id, body.comment, push=settings.push_enabled
    )
    return _detail(session, request)


@router.post("/approvals/{approval_id}/withdraw", response_model=ApprovalDetail)
def withdraw(
    approval_id: uuid.UUID,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
    body: WithdrawIn | None = None,
) -> ApprovalDetail:
    """The requester takes back a request in approval or returned for changes."""
    request = flows.withdraw_approval(
        session, actor, approval_id, body.comment if body else None, push=settings.push_enabled
    )
    return _detail(session, request)


# flows ----------------------------------------------------------------------------------


@router.get("/approval-flows", response_model=Page[FlowOut])
def list_flows(actor: ActorDep, session: SessionDep) -> Page[FlowOut]:
    """Administrators: the current flow of every request kind (one page)."""
    flows_now = definitions.list_flows(session, actor)
    return Page[FlowOut](items=[FlowOut.model_validate(f) for f in flows_now], next_cursor=None)


@router.get("/approval-flows/{kind}", response_model=FlowOut)
def get_flow(
    kind: RequestKind,
    actor: ActorDep,
    session: SessionDep,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> FlowOut:
    """Administrators: the kind's current flow, or an earlier `version`."""
    return FlowOut.model_validate(definitions.get_flow(session, actor, kind, version))


@router.put("/approval-flows/{kind}", response_model=FlowOut)
def put_flow(kind: RequestKind, body: FlowSpec, actor: ActorDep, session: SessionDep) -> FlowOut:
    """Administrators: write the next version of the kind's flow. Requests under way keep
    the version they started with."""
    return FlowOut.model_validate(definitions.put_flow(session, actor, kind, body))


@router.post("/approval-flows/{kind}/preview", response_model=PreviewOut)
def preview_flow(
    kind: RequestKind, body: PreviewIn, actor: ActorDep, session: SessionDep
) -> PreviewOut:
    """Administrators: who would approve each step for a request by `requester_id` with
    these `facts`, under the current flow or a `draft`. Nothing is written."""
    steps = definitions.preview(
        session, actor, kind, requester_id=body.requester_id, facts=body.facts, spec=body.draft
    )
    version = None if body.draft else definitions.current(session, actor.tenant_id, kind).version
    people = {body.requester_id}
    for s in steps:
        people.update(s.approver_ids, s.above_limit_ids, *(p.to for p in s.passes))
    return PreviewOut(
        kind=kind.value,
        version=version,
        steps=[
            PreviewStepOut(
                step=s.step,
                applies=s.applies,
                approver_ids=s.approver_ids,
                passes=[
                    PassOut(reason=p.reason, approver_ids=p.to, to_admins=p.admins)
                    for p in s.passes
                ],
                above_limit=s.above_limit,
                above_limit_ids=s.above_limit_ids,
            )
            for s in steps
        ],
        names=_names(session, actor.tenant_id, people),
    )


# delegations ----------------------------------------------------------------------------


@router.post("/delegations", response_model=DelegationOut, status_code=201)
def create_delegation(body: DelegationIn, actor: ActorDep, session: SessionDep) -> object:
    """While away from `starts_at` to `ends_at`, the delegate sees the requests waiting
    on the delegator (the caller, or for administrators `delegator_id`) and decides them
    on their behalf."""
    made = delegation.create(
        session,
        actor,
        delegate_id=body.delegate_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        delegator_id=body.delegator_id,
    )
    return _delegations_out(session, actor.tenant_id, [made])[0]


def _delegations_out(
    session: Session, tenant_id: uuid.UUID, rows: list[Delegation]
) -> list[DelegationOut]:
    """With the names of both people (a delegate may be outside the delegator's scope)."""
    names = _names(session, tenant_id, [x for d in rows for x in (d.delegator_id, d.delegate_id)])
    return [
        DelegationOut.model_validate(d).model_copy(
            update={
                "delegator_name": names.get(str(d.delegator_id)),
                "delegate_name": names.get(str(d.delegate_id)),
            }
        )
        for d in rows
    ]


@router.get("/delegations", response_model=Page[DelegationOut])
def list_delegations(
    actor: ActorDep,
    session: SessionDep,
    current: Annotated[bool, Query(description="only those not over yet")] = False,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> object:
    """Delegations the caller gives or takes (administrators: all), newest first."""
    page = delegation.list_delegations(
        session, actor, current_only=current, now=datetime.now(UTC), limit=limit, cursor=cursor
    )
    return Page[DelegationOut](
        items=_delegations_out(session, actor.tenant_id, page.items), next_cursor=page.next_cursor
    )


@router.delete("/delegations/{delegation_id}", status_code=204)
def delete_delegation(delegation_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> None:
    """The delegator, whoever set it, or an administrator ends a delegation."""
    delegation.delete(session, actor, delegation_id)
