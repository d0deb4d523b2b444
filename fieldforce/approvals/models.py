"""Approval chains (审批): flow definitions per tenant and request kind, kept as versions;
the requests going through them, each step of their history, and delegations."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned
from fieldforce.tenancy.models import Module


class RequestKind(StrEnum):
    """What can be approved: a closed list that grows with the domains using the engine."""

    LEAVE = "leave"
    TRAVEL_CLAIM = "travel_claim"
    ATTENDANCE_CORRECTION = "attendance_correction"


# the module a kind belongs to: requests of a kind start only while its module is on
KIND_MODULES = {
    RequestKind.LEAVE: Module.LEAVE.value,
    RequestKind.TRAVEL_CLAIM: Module.TRAVEL.value,
    RequestKind.ATTENDANCE_CORRECTION: Module.ATTENDANCE.value,
}


class RequestStatus(StrEnum):
    IN_APPROVAL = "in_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    """What a history entry records. Decisions are made by people; the rest by the engine
    (``actor_id`` null) or by the requester."""

    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    WAIT = "wait"  # the step now waits on these approvers
    SKIP = "skip"  # the step's condition did not hold
    PASS_UP = "pass_up"  # noqa: S105 - nobody found, or an approver's authority limit: one level up
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"
    COMPLETE = "complete"  # the last step approved: the request is approved
    WITHDRAW = "withdraw"
    COMMENT = "comment"
    REMIND = "remind"
    ESCALATE = "escalate"


DECISIONS = (Action.APPROVE.value, Action.REJECT.value, Action.RETURN.value)


class ApprovalFlow(TenantOwned, Base):
    """One version of a tenant's flow for a kind; a change writes the next version and a
    request keeps the version it started with."""

    __tablename__ = "approval_flow"

    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    # [fieldforce.approvals.rules.Step, ...] as JSON
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    # where a returned request starts again: "first" step, or the step that "returned" it
    restart: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[uuid.UUID | None]  # null: the default every tenant starts with
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )

    __table_args__ = (UniqueConstraint("tenant_id", "kind", "version"),)


class ApprovalRequest(TenantOwned, Base):
    """A subject (a leave request, a travel claim…) known by kind and id, going through
    the steps of one flow version. ``round`` counts submissions (a returned request
    resubmitted starts the next); ``step`` (1-based) is where it waits, on
    ``approver_ids``, since ``waiting_since``."""

    __tablename__ = "approval_request"

    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID]
    requester_id: Mapped[uuid.UUID]
    flow_id: Mapped[uuid.UUID]
    facts: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16))
    round: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[int | None] = mapped_column(Integer)
    # authority levels passed in this step (an approval above the approvers' limit)
    level: Mapped[int] = mapped_column(Integer, default=0)
    approver_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    # everyone it has waited on or who acted on it: they keep seeing it
    involved_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    waiting_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), onupdate=func.now()
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "requester_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["tenant_id", "flow_id"], ["approval_flow.tenant_id", "approval_flow.id"]
        ),
        Index("ix_approval_request_tenant_id_created_at", "tenant_id", "created_at", "id"),
        Index("ix_approval_request_tenant_id_requester_id", "tenant_id", "requester_id"),
        Index("ix_approval_request_tenant_id_subject_id", "tenant_id", "subject_id"),
        Index("ix_approval_request_approver_ids", "approver_ids", postgresql_using="gin"),
        Index("ix_approval_request_involved_ids", "involved_ids", postgresql_using="gin"),
        Index(
            "ix_approval_request_waiting",
            "waiting_since",
            postgresql_where=text("status = 'in_approval'"),
        ),
    )


class ApprovalEvent(TenantOwned, Base):
    """One line of a request's history: who did what at which step, and when. A decision
    made for someone away names both (``actor_id`` on behalf of ``on_behalf_of_id``)."""

    __tablename__ = "approval_event"

    request_id: Mapped[uuid.UUID]
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    round: Mapped[int] = mapped_column(Integer)
    step: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer, default=0)
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None]  # null: the engine (skips, pass-ups, reminders)
    on_behalf_of_id: Mapped[uuid.UUID | None]
    comment: Mapped[str | None] = mapped_column(Text)
    # approver_ids, the reason of a skip or pass-up, …
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "request_id"],
            ["approval_request.tenant_id", "approval_request.id"],
            ondelete="CASCADE",
        ),
        Index("ix_approval_event_tenant_id_request_id", "tenant_id", "request_id", "at"),
        # one decision per step and authority level of a round, whatever the locks did
        Index(
            "uq_approval_event_decision",
            "tenant_id",
            "request_id",
            "round",
            "step",
            "level",
            unique=True,
            postgresql_where=text("action IN ('approve', 'reject', 'return')"),
        ),
    )


class Delegation(TenantOwned, Base):
    """While ``delegator_id`` is away (``starts_at`` to ``ends_at``), ``delegate_id``
    sees the requests waiting on them and decides on their behalf."""

    __tablename__ = "approval_delegation"

    delegator_id: Mapped[uuid.UUID]
    delegate_id: Mapped[uuid.UUID]
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "delegator_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["tenant_id", "delegate_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
        ),
        Index(
            "ix_approval_delegation_tenant_id_delegate_id", "tenant_id", "delegate_id", "ends_at"
        ),
        Index(
            "ix_approval_delegation_tenant_id_delegator_id", "tenant_id", "delegator_id", "ends_at"
        ),
    )
