from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import ORM
from api.schemas.types import Text, Time
from fieldforce.approvals.rules import Facts, FlowSpec, Step

Comment = Annotated[Text, StringConstraints(strip_whitespace=True, max_length=2000)]


class ApprovalOut(BaseModel):
    id: uuid.UUID
    kind: str
    subject_id: uuid.UUID
    requester_id: uuid.UUID
    status: str = Field(description="in_approval, approved, rejected, returned or withdrawn")
    round: int = Field(description="1, then one more for each resubmission")
    step: int | None = Field(
        description="the step (from 1) it waits at, or where it stopped; null once approved"
    )
    steps: int = Field(description="how many steps its flow version has")
    flow_version: int
    waiting_on: list[uuid.UUID] = Field(description="whom the step waits on now")
    facts: Facts
    waiting_since: datetime | None
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None


class ApprovalEventOut(BaseModel):
    at: datetime
    action: str = Field(
        description="submit, resubmit, wait, skip, pass_up, approve, reject, return, "
        "complete, withdraw, comment, remind or escalate"
    )
    round: int
    step: int | None
    level: int = Field(description="authority levels passed in the step (limits)")
    actor_id: uuid.UUID | None = Field(description="null: the engine")
    on_behalf_of_id: uuid.UUID | None = Field(description="the delegator a delegate acted for")
    comment: str | None
    approver_ids: list[uuid.UUID] = Field(description="whom it waits on after this")
    reason: str | None = Field(
        description="why a step was skipped (condition) or passed up (vacant, nobody, "
        "own_request, limit, escalation)"
    )
    to_admins: bool = False


class ApprovalDetail(ApprovalOut):
    history: list[ApprovalEventOut]
    names: dict[str, str] = Field(description="the name of everyone in the request, by id")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["approve", "reject", "return"]
    comment: Comment | None = Field(default=None, description="required to reject or return")
    step: int | None = Field(
        default=None, ge=1, le=100, description="the step the approver saw (409 if it moved on)"
    )
    round: int | None = Field(default=None, ge=1, le=10_000)


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: Annotated[Comment, StringConstraints(min_length=1)]


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: Comment | None = None


class CountsOut(BaseModel):
    total: int
    by_kind: dict[str, int]


class FlowOut(ORM):
    kind: str
    version: int
    steps: list[Step]
    restart: str
    created_by: uuid.UUID | None = Field(description="null: the default")
    created_at: datetime


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requester_id: uuid.UUID
    facts: Facts = Field(default_factory=Facts)
    draft: FlowSpec | None = Field(
        default=None, description="preview these steps instead of the current version"
    )


class PassOut(BaseModel):
    reason: str
    approver_ids: list[uuid.UUID]
    to_admins: bool


class PreviewStepOut(BaseModel):
    step: int
    applies: bool
    approver_ids: list[uuid.UUID]
    passes: list[PassOut]
    above_limit: bool = Field(description="their approval would pass it one level up")
    above_limit_ids: list[uuid.UUID] = Field(description="to whom")


class PreviewOut(BaseModel):
    kind: str
    version: int | None = Field(description="null for a draft")
    steps: list[PreviewStepOut]
    names: dict[str, str]


class DelegationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delegate_id: uuid.UUID
    starts_at: Time
    ends_at: Time
    delegator_id: uuid.UUID | None = Field(
        default=None, description="administrators only: someone else's delegation"
    )


class DelegationOut(ORM):
    id: uuid.UUID
    delegator_id: uuid.UUID
    delegate_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    created_by: uuid.UUID
    created_at: datetime
    delegator_name: str | None = None
    delegate_name: str | None = None
