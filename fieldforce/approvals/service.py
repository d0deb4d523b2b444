"""The approvals engine: a request starts, goes step by step through the version of its
flow it started with, and is approved, rejected, returned for changes (and resubmitted)
or withdrawn. Every action is in the request's history, audited, and told to the
requester and to whoever it now waits on (and their delegates) through the inbox.

One decision per step: every action locks the request's row (``SELECT … FOR UPDATE``)
and checks that it still waits on the caller (and, when the caller names it, at the step
they saw); a unique index on decisions per step and authority level holds it too.
The subject's domain starts requests (``start``, ``resubmit``) and acts on their outcome
through ``fieldforce.flows``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Uuid, func, or_, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session

from fieldforce.approvals import definitions
from fieldforce.approvals.delegation import delegates_of, delegators_of
from fieldforce.approvals.models import (
    KIND_MODULES,
    Action,
    ApprovalEvent,
    ApprovalFlow,
    ApprovalRequest,
    RequestKind,
    RequestStatus,
)
from fieldforce.approvals.rules import Facts, Finder, Pass, Step, applies, steps_of
from fieldforce.audit import service as audit
from fieldforce.errors import Conflict, Forbidden, Invalid, NotFound
from fieldforce.notify.models import ItemKind
from fieldforce.notify.service import Message, deliver_many
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate

OPEN = (RequestStatus.IN_APPROVAL.value, RequestStatus.RETURNED.value)
LABELS = {
    RequestKind.LEAVE.value: "Leave request",
    RequestKind.TRAVEL_CLAIM.value: "Travel claim",
    RequestKind.ATTENDANCE_CORRECTION.value: "Attendance correction",
}


@dataclass
class Run:
    """One action on one request: what it needs to move on, and the messages it sends
    (delivered together at the end, in the same transaction)."""

    session: Session
    request: ApprovalRequest
    requester: Staff
    steps: list[Step]
    now: datetime
    push: bool
    messages: list[Message] = field(default_factory=list)

    @classmethod
    def of(cls, session: Session, request: ApprovalRequest, now: datetime, push: bool) -> Run:
        flow = session.get(ApprovalFlow, (request.tenant_id, request.flow_id))
        requester = session.get(Staff, (request.tenant_id, request.requester_id))
        assert flow is not None
        assert requester is not None
        return cls(session, request, requester, steps_of(flow.steps), now, push)

    @property
    def finder(self) -> Finder:
        return Finder(self.session, self.requester)

    @property
    def facts(self) -> Facts:
        return Facts.model_validate(self.request.facts)

    @property
    def label(self) -> str:
        return f"{LABELS.get(self.request.kind, self.request.kind)} from {self.requester.name}"

    def event(
        self,
        action: Action,
        *,
        actor_id: uuid.UUID | None = None,
        on_behalf_of_id: uuid.UUID | None = None,
        comment: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        r = self.request
        self.session.add(
            ApprovalEvent(
                tenant_id=r.tenant_id,
                request_id=r.id,
                round=r.round,
                step=r.step,
                level=r.level,
                action=action.value,
                actor_id=actor_id,
                on_behalf_of_id=on_behalf_of_id,
                comment=comment,
                data=data or {},
            )
        )
        self.session.flush()

    def tell(self, recipients: Iterable[uuid.UUID], title: str, body: str) -> None:
        ids = sorted(set(recipients))
        if ids:
            r = self.request
            self.messages.append(
                Message(
                    ids,
                    kind=ItemKind.APPROVAL.value,
                    title=title,
                    body=body,
                    data={
                        "approval_id": str(r.id),
                        "kind": r.kind,
                        "subject_id": str(r.subject_id),
                        "status": r.status,
                        "step": "" if r.step is None else str(r.step),
                    },
                    source_id=r.id,
                )
            )

    def tell_approvers(self, title: str, body: str, *, but: uuid.UUID | None = None) -> None:
        """Whom the request waits on, and whoever stands in for them now."""
        ids = self.request.approver_ids
        everyone = {*ids, *delegates_of(self.session, self.request.tenant_id, ids, self.now)}
        everyone.discard(but)
        everyone.discard(self.requester.id)
        self.tell(everyone, title, body)

    def send(self) -> None:
        if self.messages:
            deliver_many(self.session, self.request.tenant_id, self.messages, push=self.push)
            self.messages = []

    # moving on ------------------------------------------------------------------------

    def wait_on(self, approver_ids: list[uuid.UUID], passes: Iterable[Pass] = ()) -> None:
        r = self.request
        for passed in passes:
            self.event(Action.PASS_UP, data=passed.as_json())
        r.approver_ids = list(approver_ids)
        r.involved_ids = sorted({*r.involved_ids, *approver_ids})
        r.waiting_since = self.now
        r.reminded_at = None
        self.event(Action.WAIT, data={"approver_ids": [str(i) for i in approver_ids]})
        self.tell_approvers(
            f"Waiting for your approval: {self.label}",
            f"Step {r.step} of {len(self.steps)}.",
        )

    def advance(self, position: int) -> None:
        """The first step from ``position`` on whose conditions hold waits on its
        approvers; with none left the request is approved."""
        r = self.request
        facts = self.facts
        for number in range(position, len(self.steps) + 1):
            step = self.steps[number - 1]
            r.step, r.level = number, 0
            if not applies(self.session, self.requester, facts, step):
                self.event(Action.SKIP, data={"reason": "condition"})
                continue
            found = self.finder.find(step.rule)
            self.wait_on(found.approver_ids, found.passes)
            return
        self.finish(RequestStatus.APPROVED)
        self.event(Action.COMPLETE)
        self.tell([r.requester_id], f"Approved: {self.label}", "Every step approved it.")

    def finish(self, status: RequestStatus) -> None:
        r = self.request
        r.status = status.value
        if status is RequestStatus.APPROVED:
            r.step = None
        r.approver_ids = []
        r.waiting_since = None
        r.reminded_at = None
        if status is not RequestStatus.RETURNED:
            r.decided_at = self.now


# reading --------------------------------------------------------------------------------


def _me_and_delegators(session: Session, actor: Actor, now: datetime) -> list[uuid.UUID]:
    return [actor.staff_id, *delegators_of(session, actor.tenant_id, actor.staff_id, now)]


def _ids(values: list[uuid.UUID]) -> Any:
    return array(values, type_=Uuid)


def _visible(session: Session, actor: Actor, now: datetime) -> ColumnElement[bool]:
    """The requester, those it waits on or has waited on (and who acted on it), whoever
    stands in for them now, and administrators."""
    same = ApprovalRequest.tenant_id == actor.tenant_id
    if actor.is_admin:
        return same
    people = _ids(_me_and_delegators(session, actor, now))
    return same & or_(
        ApprovalRequest.requester_id == actor.staff_id,
        ApprovalRequest.involved_ids.overlap(people),
    )


def visible_ids(session: Session, actor: Actor, kind: RequestKind) -> Select[uuid.UUID]:
    """The ids of the requests of a kind the caller may read (as ``get_request`` decides):
    for the subject's domain, whose records their approvers and delegates may read too."""
    return select(ApprovalRequest.id).where(
        ApprovalRequest.kind == kind.value, _visible(session, actor, datetime.now(UTC))
    )


def _waiting_on(session: Session, actor: Actor, now: datetime) -> ColumnElement[bool]:
    people = _ids(_me_and_delegators(session, actor, now))
    on_them: ColumnElement[bool] = ApprovalRequest.approver_ids.overlap(people)
    return (
        (ApprovalRequest.tenant_id == actor.tenant_id)
        & (ApprovalRequest.status == RequestStatus.IN_APPROVAL.value)
        & on_them
    )


def get_request(
    session: Session,
    actor: Actor,
    request_id: uuid.UUID,
    *,
    lock: bool = False,
    now: datetime | None = None,
) -> ApprovalRequest:
    stmt = select(ApprovalRequest).where(
        ApprovalRequest.id == request_id, _visible(session, actor, now or datetime.now(UTC))
    )
    if lock:  # and read what the previous lock holder left, not what this session had
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    request = session.scalar(stmt)
    if request is None:
        raise NotFound("no such approval request", details={"approval_id": str(request_id)})
    return request


def list_requests(
    session: Session,
    actor: Actor,
    *,
    waiting_on_me: bool = False,
    mine: bool = False,
    kind: str | None = None,
    status: str | None = None,
    limit: int,
    cursor: str | None,
    now: datetime | None = None,
) -> Page[ApprovalRequest]:
    """Newest first. ``waiting_on_me``: what waits on the caller or on someone they stand
    in for; ``mine``: the caller's own requests; else everything they may see."""
    now = now or datetime.now(UTC)
    if waiting_on_me:
        stmt = select(ApprovalRequest).where(_waiting_on(session, actor, now))
    else:
        stmt = select(ApprovalRequest).where(_visible(session, actor, now))
    if mine:
        stmt = stmt.where(ApprovalRequest.requester_id == actor.staff_id)
    if kind is not None:
        stmt = stmt.where(ApprovalRequest.kind == kind)
    if status is not None:
        stmt = stmt.where(ApprovalRequest.status == status)
    return paginate(
        session,
        stmt,
        [ApprovalRequest.created_at, ApprovalRequest.id],
        limit=limit,
        cursor=cursor,
        descending=True,
    )


def waiting_counts(session: Session, actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """How many requests wait on the caller (or whom they stand in for), per kind."""
    rows = session.execute(
        select(ApprovalRequest.kind, func.count())
        .where(_waiting_on(session, actor, now or datetime.now(UTC)))
        .group_by(ApprovalRequest.kind)
    )
    return {kind: int(n) for kind, n in rows}


def history(session: Session, request: ApprovalRequest) -> list[ApprovalEvent]:
    return list(
        session.scalars(
            select(ApprovalEvent)
            .where(
                ApprovalEvent.tenant_id == request.tenant_id,
                ApprovalEvent.request_id == request.id,
            )
            .order_by(ApprovalEvent.at, ApprovalEvent.id)
        )
    )


def flow_of(session: Session, request: ApprovalRequest) -> ApprovalFlow:
    flow = session.get(ApprovalFlow, (request.tenant_id, request.flow_id))
    if flow is None:  # flows are versioned and never deleted; a request keeps its version
        raise NotFound("the request's flow version is gone", code="flow_missing")
    return flow


# starting -------------------------------------------------------------------------------


def start(
    session: Session,
    actor: Actor,
    *,
    kind: RequestKind,
    subject_id: uuid.UUID,
    facts: Facts,
    push: bool,
    now: datetime | None = None,
) -> ApprovalRequest:
    """The caller asks for approval of a subject of theirs (their leave, their claim),
    under the current version of the kind's flow."""
    actor.require_module(KIND_MODULES[kind])
    already = session.scalar(
        select(ApprovalRequest.id).where(
            ApprovalRequest.tenant_id == actor.tenant_id,
            ApprovalRequest.kind == kind.value,
            ApprovalRequest.subject_id == subject_id,
            ApprovalRequest.status.in_(OPEN),
        )
    )
    if already is not None:
        raise Conflict(
            "this is already in approval",
            code="already_in_approval",
            details={"approval_id": str(already)},
        )
    flow = definitions.current(session, actor.tenant_id, kind)
    request = ApprovalRequest(
        tenant_id=actor.tenant_id,
        kind=kind.value,
        subject_id=subject_id,
        requester_id=actor.staff_id,
        flow_id=flow.id,
        facts=facts.model_dump(mode="json", exclude_none=True),
        status=RequestStatus.IN_APPROVAL.value,
        round=1,
        level=0,
        approver_ids=[],
        involved_ids=[],
    )
    session.add(request)
    session.flush()
    run = Run.of(session, request, now or datetime.now(UTC), push)
    run.event(Action.SUBMIT, actor_id=actor.staff_id, data={"flow_version": flow.version})
    run.advance(1)
    run.send()
    audit.record_by(
        session,
        actor,
        "approval.start",
        "approval_request",
        request.id,
        {"kind": kind.value, "subject_id": subject_id, "flow_version": flow.version},
    )
    return request


def resubmit(
    session: Session,
    actor: Actor,
    request_id: uuid.UUID,
    facts: Facts,
    *,
    push: bool,
    now: datetime | None = None,
) -> ApprovalRequest:
    """The requester sends a returned request again, with the subject's facts as they are
    now; it starts from the first step or from the step that returned it, as its flow
    says."""
    now = now or datetime.now(UTC)
    request = get_request(session, actor, request_id, lock=True, now=now)
    if request.requester_id != actor.staff_id:
        raise Forbidden("only the requester resubmits", code="not_requester")
    if request.status != RequestStatus.RETURNED.value:
        raise Conflict(
            "only a request returned for changes can be resubmitted",
            code="not_returned",
            details={"status": request.status},
        )
    restart = definitions.spec_of(flow_of(session, request)).restart
    from_step = request.step if restart == "returning_step" and request.step else 1
    request.round += 1
    request.status = RequestStatus.IN_APPROVAL.value
    request.facts = facts.model_dump(mode="json", exclude_none=True)
    run = Run.of(session, request, now, push)
    request.step, request.level = from_step, 0
    run.event(Action.RESUBMIT, actor_id=actor.staff_id, data={"from_step": from_step})
    run.advance(from_step)
    run.send()
    changes = {"round": request.round}
    audit.record_by(session, actor, "approval.resubmit", "approval_request", request.id, changes)
    return request


# deciding -------------------------------------------------------------------------------


def deciding_as(
    session: Session, actor: Actor, request: ApprovalRequest, now: datetime | None = None
) -> uuid.UUID | None:
    """Whom the caller decides the request's current step as: themselves when it waits on
    them, the person they stand in for when it waits on someone who delegated to them;
    None when it waits on neither (or is not in approval)."""
    if request.status != RequestStatus.IN_APPROVAL.value:
        return None
    if actor.staff_id == request.requester_id:
        return None
    if actor.staff_id in request.approver_ids:
        return actor.staff_id
    now = now or datetime.now(UTC)
    for delegator in delegators_of(session, actor.tenant_id, actor.staff_id, now):
        if delegator in request.approver_ids:
            return delegator
    return None


def _acting_for(
    session: Session, actor: Actor, request: ApprovalRequest, now: datetime
) -> uuid.UUID | None:
    """None when the request waits on the caller; the person they stand in for when it
    waits on someone who delegated to them; else why they cannot decide."""
    if actor.staff_id in request.approver_ids:
        return None
    delegators = delegators_of(session, actor.tenant_id, actor.staff_id, now)
    for delegator in delegators:
        if delegator in request.approver_ids:
            return delegator
    if {actor.staff_id, *delegators} & set(request.involved_ids):
        raise Conflict(
            "this step has been decided, or no longer waits on you", code="already_decided"
        )
    raise Forbidden("this request does not wait on you", code="not_an_approver")


def _decidable(
    session: Session,
    actor: Actor,
    request_id: uuid.UUID,
    now: datetime,
    *,
    step: int | None,
    round_: int | None,
) -> ApprovalRequest:
    request = get_request(session, actor, request_id, lock=True, now=now)
    if request.requester_id == actor.staff_id:
        raise Forbidden("nobody approves their own request", code="own_request")
    stale = (step is not None and step != request.step) or (
        round_ is not None and round_ != request.round
    )
    if request.status != RequestStatus.IN_APPROVAL.value or stale:
        raise Conflict(
            "this step has been decided already",
            code="already_decided",
            details={"status": request.status, "step": request.step, "round": request.round},
        )
    return request


def decide(
    session: Session,
    actor: Actor,
    request_id: uuid.UUID,
    action: Action,
    comment: str | None = None,
    *,
    step: int | None = None,
    round_: int | None = None,
    push: bool,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Approve, reject or return the step the request waits at. ``step`` and ``round_``,
    when given, are what the approver saw: a request that has moved on since answers
    409 ``already_decided``, as does one whose step someone else decided first."""
    if action not in (Action.APPROVE, Action.REJECT, Action.RETURN):
        raise Invalid("the action is approve, reject or return", code="invalid_action")
    if action is not Action.APPROVE and not (comment or "").strip():
        raise Invalid("say why: a comment is required", code="comment_required")
    now = now or datetime.now(UTC)
    request = _decidable(session, actor, request_id, now, step=step, round_=round_)
    on_behalf = _acting_for(session, actor, request, now)
    run = Run.of(session, request, now, push)
    decider = on_behalf or actor.staff_id
    run.event(action, actor_id=actor.staff_id, on_behalf_of_id=on_behalf, comment=comment)
    request.involved_ids = sorted({*request.involved_ids, actor.staff_id})
    at = f"Step {request.step} of {len(run.steps)}"
    who = _name(session, actor.tenant_id, actor.staff_id)
    if on_behalf is not None:
        who += f" on behalf of {_name(session, actor.tenant_id, on_behalf)}"
    if action is Action.APPROVE:
        current = run.steps[(request.step or 1) - 1]
        amount = run.facts.amount
        if (
            request.level == 0
            and current.limit is not None
            and amount is not None
            and (amount > current.limit)
        ):
            decided_by = session.get(Staff, (actor.tenant_id, decider))
            assert decided_by is not None
            request.level = 1
            passed = run.finder.up_from([decided_by], "limit")
            run.wait_on(passed.to, [passed])
            run.tell(
                [request.requester_id],
                f"{at} passed up: {run.label}",
                f"{who} approved up to their limit of {current.limit}; the amount goes to "
                "the next manager up.",
            )
        else:
            run.advance((request.step or 0) + 1)
            if request.status == RequestStatus.IN_APPROVAL.value:  # the last says "Approved"
                run.tell(
                    [request.requester_id], f"{at} approved: {run.label}", f"Approved by {who}."
                )
    else:
        status = RequestStatus.REJECTED if action is Action.REJECT else RequestStatus.RETURNED
        verb = "Rejected" if action is Action.REJECT else "Returned for changes"
        run.finish(status)
        run.tell([request.requester_id], f"{verb}: {run.label}", f"{who}: {comment}")
    run.send()
    audit.record_by(
        session,
        actor,
        f"approval.{action.value}",
        "approval_request",
        request.id,
        {"step": request.step, "on_behalf_of": on_behalf, "comment": comment},
    )
    return request


def _name(session: Session, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> str:
    person = session.get(Staff, (tenant_id, staff_id))
    return person.name if person else str(staff_id)


def withdraw(
    session: Session,
    actor: Actor,
    request_id: uuid.UUID,
    comment: str | None = None,
    *,
    push: bool,
    now: datetime | None = None,
) -> ApprovalRequest:
    """The requester takes the request back before the last decision."""
    now = now or datetime.now(UTC)
    request = get_request(session, actor, request_id, lock=True, now=now)
    if request.requester_id != actor.staff_id:
        raise Forbidden("only the requester withdraws a request", code="not_requester")
    if request.status not in OPEN:
        raise Conflict(
            "this request has been decided already",
            code="already_decided",
            details={"status": request.status},
        )
    run = Run.of(session, request, now, push)
    run.tell_approvers(f"Withdrawn: {run.label}", comment or "The requester withdrew it.")
    run.finish(RequestStatus.WITHDRAWN)
    run.event(Action.WITHDRAW, actor_id=actor.staff_id, comment=comment)
    run.send()
    audit.record_by(session, actor, "approval.withdraw", "approval_request", request.id)
    return request


def add_comment(
    session: Session,
    actor: Actor,
    request_id: uuid.UUID,
    text: str,
    *,
    push: bool,
    now: datetime | None = None,
) -> ApprovalRequest:
    """A remark in the history, changing nothing; the requester and whom it waits on are
    told."""
    if not text.strip():
        raise Invalid("a comment needs text", code="comment_required")
    now = now or datetime.now(UTC)
    request = get_request(session, actor, request_id, lock=True, now=now)
    run = Run.of(session, request, now, push)
    run.event(Action.COMMENT, actor_id=actor.staff_id, comment=text)
    request.involved_ids = sorted({*request.involved_ids, actor.staff_id})
    title = f"Comment on {run.label}"
    body = f"{_name(session, actor.tenant_id, actor.staff_id)}: {text}"
    if request.status == RequestStatus.IN_APPROVAL.value:
        run.tell_approvers(title, body, but=actor.staff_id)
    if request.requester_id != actor.staff_id:
        run.tell([request.requester_id], title, body)
    run.send()
    audit.record_by(session, actor, "approval.comment", "approval_request", request.id)
    return request
