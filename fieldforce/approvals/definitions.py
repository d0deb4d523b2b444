"""Flow definitions per tenant and request kind, kept as versions: a change writes the
next version, and a request keeps the version it started with.

Every tenant has a flow for every kind: the default (one step, the requester's manager)
is written as version 1 the first time the tenant's flows are read or a request of that
kind starts. That covers tenants made before the engine, tenants made by any means, and
kinds added to the code later, without a migration writing rows for them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fieldforce.approvals.models import ApprovalFlow, RequestKind
from fieldforce.approvals.rules import (
    DEFAULT_FLOW,
    Facts,
    Finder,
    FlowSpec,
    Pass,
    PersonRule,
    UnitWithin,
    applies,
)
from fieldforce.audit import service as audit
from fieldforce.db import lock_for_transaction
from fieldforce.errors import Invalid, NotFound
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor


def ensure_defaults(
    session: Session, tenant_id: uuid.UUID, kinds: list[RequestKind] | None = None
) -> None:
    """Version 1 of each kind's flow, where the tenant has none yet (safe when two
    transactions do it at once: the second finds the key taken and writes nothing)."""
    rows = [
        {
            "tenant_id": tenant_id,
            "kind": kind.value,
            "version": 1,
            "steps": DEFAULT_FLOW.model_dump(mode="json")["steps"],
            "restart": DEFAULT_FLOW.restart,
            "created_by": None,
        }
        for kind in (kinds or list(RequestKind))
    ]
    session.execute(
        insert(ApprovalFlow)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["tenant_id", "kind", "version"])
    )


def current(session: Session, tenant_id: uuid.UUID, kind: RequestKind) -> ApprovalFlow:
    """The kind's latest version (the default written first when there is none)."""
    latest = _latest(session, tenant_id, kind)
    if latest is None:
        ensure_defaults(session, tenant_id, [kind])
        latest = _latest(session, tenant_id, kind)
    assert latest is not None
    return latest


def _latest(session: Session, tenant_id: uuid.UUID, kind: RequestKind) -> ApprovalFlow | None:
    return session.scalar(
        select(ApprovalFlow)
        .where(ApprovalFlow.tenant_id == tenant_id, ApprovalFlow.kind == kind.value)
        .order_by(ApprovalFlow.version.desc())
        .limit(1)
    )


def spec_of(flow: ApprovalFlow) -> FlowSpec:
    return FlowSpec.model_validate({"steps": flow.steps, "restart": flow.restart})


def list_flows(session: Session, actor: Actor) -> list[ApprovalFlow]:
    """The current version of every kind's flow (administrators)."""
    actor.require_admin()
    ensure_defaults(session, actor.tenant_id)
    return [current(session, actor.tenant_id, kind) for kind in RequestKind]


def get_flow(
    session: Session, actor: Actor, kind: RequestKind, version: int | None = None
) -> ApprovalFlow:
    actor.require_admin()
    if version is None:
        return current(session, actor.tenant_id, kind)
    flow = session.scalar(
        select(ApprovalFlow).where(
            ApprovalFlow.tenant_id == actor.tenant_id,
            ApprovalFlow.kind == kind.value,
            ApprovalFlow.version == version,
        )
    )
    if flow is None:
        raise NotFound("no such flow version", details={"kind": kind.value, "version": version})
    return flow


def _check_references(session: Session, actor: Actor, spec: FlowSpec) -> None:
    """Named people and units must be the tenant's own."""
    for position, step in enumerate(spec.steps, start=1):
        rule = step.rule
        named = rule.staff_id if isinstance(rule, PersonRule) else None
        if named is not None and session.get(Staff, (actor.tenant_id, named)) is None:
            raise Invalid(
                f"step {position} names an unknown person",
                code="unknown_staff",
                details={"step": position, "staff_id": str(named)},
            )
        for cond in step.conditions:
            if (
                isinstance(cond, UnitWithin)
                and session.get(OrgUnit, (actor.tenant_id, cond.org_unit_id)) is None
            ):
                raise Invalid(
                    f"step {position} names an unknown org unit",
                    code="unknown_org_unit",
                    details={"step": position, "org_unit_id": str(cond.org_unit_id)},
                )


def put_flow(session: Session, actor: Actor, kind: RequestKind, spec: FlowSpec) -> ApprovalFlow:
    """Write the next version (administrators); requests under way keep theirs."""
    actor.require_admin()
    _check_references(session, actor, spec)
    lock_for_transaction(session, f"approval_flow/{actor.tenant_id}/{kind.value}")
    ensure_defaults(session, actor.tenant_id, [kind])
    latest = session.scalar(
        select(func.max(ApprovalFlow.version)).where(
            ApprovalFlow.tenant_id == actor.tenant_id, ApprovalFlow.kind == kind.value
        )
    )
    flow = ApprovalFlow(
        tenant_id=actor.tenant_id,
        kind=kind.value,
        version=(latest or 0) + 1,
        steps=spec.model_dump(mode="json")["steps"],
        restart=spec.restart,
        created_by=actor.staff_id,
    )
    session.add(flow)
    session.flush()
    audit.record_by(
        session,
        actor,
        "approval_flow.update",
        "approval_flow",
        flow.id,
        {"kind": kind.value, "version": flow.version, **spec.model_dump(mode="json")},
    )
    return flow


@dataclass(frozen=True)
class PreviewStep:
    step: int
    applies: bool
    approver_ids: list[uuid.UUID]
    passes: list[Pass]
    above_limit: bool  # their approval would pass it one level up
    above_limit_ids: list[uuid.UUID]  # who that would be


def preview(
    session: Session,
    actor: Actor,
    kind: RequestKind,
    *,
    requester_id: uuid.UUID,
    facts: Facts,
    spec: FlowSpec | None = None,
) -> list[PreviewStep]:
    """Who would approve each step of the current flow (or of ``spec``, a draft) for a
    request by ``requester_id`` with ``facts``, were it started now."""
    actor.require_admin()
    requester = actor.visible_staff(session, requester_id)
    if spec is None:
        spec = spec_of(current(session, actor.tenant_id, kind))
    else:
        _check_references(session, actor, spec)
    finder = Finder(session, requester)
    out = []
    for position, step in enumerate(spec.steps, start=1):
        if not applies(session, requester, facts, step):
            out.append(PreviewStep(position, False, [], [], False, []))
            continue
        found = finder.find(step.rule)
        above = step.limit is not None and facts.amount is not None and facts.amount > step.limit
        up: list[uuid.UUID] = []
        if above:
            people = [p for p in (finder.person(i) for i in found.approver_ids) if p is not None]
            up = finder.up_from(people, "limit").to
        out.append(PreviewStep(position, True, found.approver_ids, found.passes, above, up))
    return out
