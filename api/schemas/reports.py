from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.leave import DaysOut

ReportFormat = Literal["json", "csv", "xlsx"]


class LeaveReportRow(BaseModel):
    """One person's balance of one leave type in the year, as `/leave-balances` counts it;
    with `group=unit`, a unit's total per leave type has `staff_id`, `login` and `name`
    null."""

    org_unit_id: uuid.UUID
    org_unit: str
    staff_id: uuid.UUID | None
    login: str | None
    name: str | None
    leave_type_id: uuid.UUID
    leave_type: str = Field(description="the leave type's code")
    year: int
    allocated: DaysOut
    carried: DaysOut
    lapsed: DaysOut = Field(description="carried days that lapsed unused at their expiry")
    taken: DaysOut = Field(description="net of days given back by cancelled leave")
    adjusted: DaysOut
    balance: DaysOut
    pending: DaysOut = Field(description="in requests waiting for approval")
    available: DaysOut = Field(description="balance less pending")


class ClaimsReportRow(BaseModel):
    """Expense lines of one person in one category and month (`YYYY-MM`, tenant time)."""

    org_unit_id: uuid.UUID
    org_unit: str
    staff_id: uuid.UUID
    login: str
    name: str
    category: str
    month: str
    currency: str
    lines: int
    claimed: Decimal
    sanctioned: Decimal = Field(
        description="lines of approved and paid claims, at the amount an approver sanctioned"
    )
    paid: Decimal


class LeaveReport(BaseModel):
    year: int
    items: list[LeaveReportRow]
    next_cursor: None = None


class ClaimsReport(BaseModel):
    items: list[ClaimsReportRow]
    next_cursor: None = None


class VisitReportRow(BaseModel):
    org_unit: str
    staff_id: uuid.UUID
    login: str
    name: str
    routine: int
    cold: int
    follow_up: int
    total: int
    verified: int
    verified_share: float
    minutes_on_site: float | None = Field(description="the mean, of visits checked out")


class CoverageRow(BaseModel):
    org_unit_id: uuid.UUID
    org_unit: str
    partners: int
    visited: int = Field(description="partner outlets with a visit in the period")
    share: float


class FunnelOut(BaseModel):
    prospect: int
    intended: int
    partner: int
    lost: int


class OutletScoreRow(BaseModel):
    customer_id: uuid.UUID
    customer: str
    org_unit: str
    inspections: int
    mean_score: float | None
    first_score: float | None
    last_score: float | None
    trend: float | None = Field(description="last score minus first, in the period")
    last_grade: str | None
    open_actions: int


class TeamWeekRow(BaseModel):
    org_unit_id: uuid.UUID
    org_unit: str
    week: date = Field(description="its Monday, in the tenant's time")
    inspections: int
    mean_score: float | None
    critical_failed: int = Field(description="inspections that failed a critical item")
