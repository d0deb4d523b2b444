"""Reminders and escalation: a step that has waited longer than the tenant's
``approval_remind_after_h`` reminds its approvers once; one that has waited
``approval_escalate_after_h`` goes one level up the manager chain (to the tenant's
administrators when there is nobody above), and waits there afresh."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, and_, func, literal, or_, select
from sqlalchemy.orm import Session

from fieldforce.approvals.models import Action, ApprovalRequest, RequestStatus
from fieldforce.approvals.service import Run
from fieldforce.audit import service as audit
from fieldforce.tenancy.models import Tenant, TenantSettings

BATCH = 200


def _hours(name: str) -> object:
    """The tenant's setting (stored overrides only) or its default, as an interval."""
    default = TenantSettings.model_fields[name].default
    hours = func.coalesce(Tenant.settings[name].astext.cast(Integer), literal(default))
    return func.make_interval(0, 0, 0, 0, hours)


def remind_and_escalate(session: Session, now: datetime, *, push: bool) -> int:
    """Everything due, in batches of rows locked with SKIP LOCKED: safe with several
    processes, and each row leaves the due set in the transaction that handled it, so a
    run repeated finds nothing more to do. Returns how many requests were handled."""
    remind_at = ApprovalRequest.waiting_since + _hours("approval_remind_after_h")
    escalate_at = ApprovalRequest.waiting_since + _hours("approval_escalate_after_h")
    due = or_(escalate_at <= now, and_(ApprovalRequest.reminded_at.is_(None), remind_at <= now))
    handled = 0
    while True:
        rows = session.execute(
            select(ApprovalRequest, escalate_at <= now)
            .join(Tenant, Tenant.id == ApprovalRequest.tenant_id)
            .where(ApprovalRequest.status == RequestStatus.IN_APPROVAL.value, due)
            .order_by(ApprovalRequest.waiting_since)
            .limit(BATCH)
            .with_for_update(of=ApprovalRequest, skip_locked=True)
        ).all()
        for request, escalate in rows:
            run = Run.of(session, request, now, push)
            if escalate:
                _escalate(run)
            else:
                _remind(run)
            run.send()
        handled += len(rows)
        if len(rows) < BATCH:
            return handled


def _remind(run: Run, data: dict[str, object] | None = None) -> None:
    r = run.request
    r.reminded_at = run.now
    asked = [str(i) for i in r.approver_ids]
    run.event(Action.REMIND, data={"approver_ids": asked, **(data or {})})
    run.tell_approvers(
        f"Still waiting for your approval: {run.label}",
        f"Step {r.step} of {len(run.steps)} has waited since {r.waiting_since:%Y-%m-%d %H:%M} UTC.",
    )


def _escalate(run: Run) -> None:
    r = run.request
    waiting = [p for p in (run.finder.person(i) for i in r.approver_ids) if p is not None]
    passed = run.finder.up_from(waiting, "escalation")
    if set(passed.to) == set(r.approver_ids):  # nobody above: remind them again instead
        _remind(run, {"escalation": "nobody_above"})
        r.waiting_since = run.now
        return
    before = list(r.approver_ids)
    run.event(
        Action.ESCALATE,
        data={**passed.as_json(), "from_ids": [str(i) for i in before]},
    )
    run.wait_on(passed.to)
    run.tell(
        before,
        f"Escalated: {run.label}",
        f"Step {r.step} waited too long and has gone one level up.",
    )
    audit.record(
        run.session,
        tenant_id=r.tenant_id,
        actor_id=None,
        action="approval.escalate",
        entity="approval_request",
        entity_id=r.id,
        changes={"from": before, "to": passed.to},
    )
