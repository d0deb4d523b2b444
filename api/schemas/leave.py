from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints

from api.schemas.approvals import ApprovalOut
from api.schemas.common import ORM, Patch
from api.schemas.types import Day, Line, Name, Text

LeaveCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
Days = Annotated[Decimal, Field(ge=0, le=3660, max_digits=7, decimal_places=2)]
SignedDays = Annotated[Decimal, Field(ge=-3660, le=3660, max_digits=7, decimal_places=2)]
# days on the wire: JSON numbers (1.5), whatever the stored scale
DaysOut = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Year = Annotated[int, Field(ge=1970, le=2100)]
Half = Literal["am", "pm"]
Reason = Annotated[Text, StringConstraints(strip_whitespace=True, max_length=2000)]
LeaveStatusName = Literal[
    "draft", "in_approval", "approved", "rejected", "returned", "withdrawn", "cancelled"
]


class LeaveTypeOut(ORM):
    id: uuid.UUID
    code: str
    name: str
    paid: bool
    allow_negative: bool
    max_consecutive_days: DaysOut | None
    counts_holidays_and_rest_days: bool
    attachment_required_above_days: DaysOut | None = Field(
        description="a certificate is asked for above this many days"
    )
    half_days_allowed: bool
    active: bool


class LeaveTypeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: LeaveCode
    name: Name
    paid: bool = True
    allow_negative: bool = False
    max_consecutive_days: Days | None = None
    counts_holidays_and_rest_days: bool = False
    attachment_required_above_days: Days | None = None
    half_days_allowed: bool = True
    active: bool = True


class LeaveTypePatch(Patch):
    name: Name | None = None
    paid: bool | None = None
    allow_negative: bool | None = None
    max_consecutive_days: Days | None = None
    counts_holidays_and_rest_days: bool | None = None
    attachment_required_above_days: Days | None = None
    half_days_allowed: bool | None = None
    active: bool | None = None
    not_null = frozenset(
        {
            "name",
            "paid",
            "allow_negative",
            "counts_holidays_and_rest_days",
            "half_days_allowed",
            "active",
        }
    )


class AllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: uuid.UUID
    leave_type_id: uuid.UUID
    year: Year
    days: Days
    carried_days: Days = Decimal(0)
    carry_expires_on: Day | None = Field(
        default=None, description="the carried days lapse after this date, unused"
    )


class AllocationOut(ORM):
    id: uuid.UUID
    staff_id: uuid.UUID
    leave_type_id: uuid.UUID
    year: int
    days: DaysOut
    carried_days: DaysOut
    carry_expires_on: date | None
    created_at: datetime


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: uuid.UUID
    leave_type_id: uuid.UUID
    year: Year
    days: SignedDays = Field(description="added to the balance (negative: taken off)")
    reason: Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class LedgerEntryOut(ORM):
    id: uuid.UUID
    staff_id: uuid.UUID
    leave_type_id: uuid.UUID
    year: int
    kind: str = Field(description="allocation, carry_over, taken, restored or adjustment")
    days: DaysOut
    reason: str
    request_id: uuid.UUID | None
    on_day: date | None
    expires_on: date | None
    created_by: uuid.UUID | None
    at: datetime


class BalanceOut(BaseModel):
    leave_type_id: uuid.UUID
    code: str
    name: str
    year: int
    allocated: DaysOut
    carried: DaysOut
    carry_expires_on: date | None
    lapsed: DaysOut = Field(description="carried days unused at their expiry")
    taken: DaysOut = Field(description="approved leave, less leave cancelled")
    adjusted: DaysOut
    balance: DaysOut
    pending: DaysOut = Field(description="days of requests waiting for approval")
    available: DaysOut = Field(description="balance less pending")


class LeaveRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leave_type_id: uuid.UUID
    start: Day = Field(description="the first day, in the tenant's time zone")
    end: Day = Field(description="the last day (inclusive)")
    start_half: Half | None = Field(default=None, description="pm: starts at noon")
    end_half: Half | None = Field(default=None, description="am: ends at noon")
    reason: Reason = ""
    draft: bool = Field(default=False, description="keep as a draft instead of submitting")
    attachment_id: uuid.UUID | None = Field(
        default=None,
        description="a certificate: one's own upload (POST /api/v1/attachments), attached to "
        "the request; required on submission when the days exceed the type's "
        "attachment_required_above_days",
    )


class LeaveRequestPatch(Patch):
    leave_type_id: uuid.UUID | None = None
    start: Day | None = None
    end: Day | None = None
    start_half: Half | None = None
    end_half: Half | None = None
    reason: Reason | None = None
    attachment_id: uuid.UUID | None = Field(
        default=None,
        description="another certificate (the one before is detached); null removes it",
    )
    not_null = frozenset({"leave_type_id", "start", "end", "reason"})


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason | None = None


class DayPartOut(BaseModel):
    day: date
    part: str = Field(description="full, am or pm")
    days: DaysOut


class LeaveRequestOut(BaseModel):
    id: uuid.UUID
    staff_id: uuid.UUID
    leave_type_id: uuid.UUID
    code: str
    start: date
    end: date
    start_half: str | None
    end_half: str | None
    days: DaysOut
    parts: list[DayPartOut]
    reason: str
    status: LeaveStatusName
    approval_id: uuid.UUID | None
    attachment_id: uuid.UUID | None = Field(
        description="its certificate, readable under /api/v1/attachments by whoever sees the "
        "request"
    )
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    cancelled_at: datetime | None


class LeaveRequestDetail(LeaveRequestOut):
    approval: ApprovalOut | None
    cancel_approval: ApprovalOut | None = Field(
        description="the requester's cancellation of approved leave, while it is approved "
        "(when the tenant's settings send cancellations through the leave flow)"
    )
