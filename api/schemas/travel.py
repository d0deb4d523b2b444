from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.approvals import ApprovalOut
from api.schemas.common import Patch
from api.schemas.types import Day, Lat, Line, Lon, Text

Purpose = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Place = Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Money = Annotated[
    Decimal, Field(gt=0, le=Decimal("9999999999.99"), max_digits=12, decimal_places=2)
]
Km = Annotated[Decimal, Field(ge=0, le=Decimal("99999999.9"), max_digits=9, decimal_places=1)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. CNY")]
ModeName = Literal["car", "train", "plane", "bus", "taxi", "other"]
CategoryName = Literal["transport", "lodging", "meals", "mileage", "other"]
ClaimStatusName = Literal[
    "draft", "submitted", "in_approval", "approved", "rejected", "returned", "paid"
]


class LegIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    place: Place
    lon: Lon
    lat: Lat
    date: Day | None = None
    mode: ModeName | None = None
    city_tier: int | None = Field(
        default=None, ge=1, le=9, description="else the tenant's tier of the place, if any"
    )


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: CategoryName
    date: Day
    amount: Money
    currency: Currency
    claimed_km: Km | None = Field(default=None, description="required for mileage")
    receipt_attachment_id: uuid.UUID | None = Field(
        default=None,
        description="the receipt: one's own upload (POST /api/v1/attachments), attached to "
        "the claim and shown to whoever sees it",
    )


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: Purpose
    start: Day = Field(description="first day of the trip, in the tenant's time zone")
    end: Day = Field(description="last day of the trip (inclusive)")
    legs: list[LegIn] = Field(default_factory=list, max_length=50)
    lines: list[LineIn] = Field(default_factory=list, max_length=200)


class ClaimPatch(Patch):
    """A draft's or returned claim's changes; ``legs`` and ``lines`` replace all."""

    not_null = frozenset({"purpose", "start", "end", "legs", "lines"})
    purpose: Purpose | None = None
    start: Day | None = None
    end: Day | None = None
    legs: list[LegIn] | None = Field(default=None, max_length=50)
    lines: list[LineIn] | None = Field(default=None, max_length=200)


class SanctionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sanctioned_amount: (
        Annotated[
            Decimal, Field(ge=0, le=Decimal("9999999999.99"), max_digits=12, decimal_places=2)
        ]
        | None
    ) = Field(description="null clears it")
    reason: Reason | None = Field(default=None, description="required with an amount")


class PayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    claim_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class LegOut(BaseModel):
    id: uuid.UUID
    place: str
    lon: float
    lat: float
    date: date | None
    mode: str | None
    city_tier: int | None


class LineOut(BaseModel):
    id: uuid.UUID
    category: str
    date: date
    amount: Decimal
    currency: str
    claimed_km: Decimal | None
    limit: Decimal | None = Field(description="the daily limit (km × rate for mileage) it met")
    over_limit: bool
    sanctioned_amount: Decimal | None
    sanction_reason: str | None
    sanctioned_by_id: uuid.UUID | None
    receipt_attachment_id: uuid.UUID | None


class DestinationOut(BaseModel):
    place: str
    reached: bool
    reached_at: datetime | None = Field(description="the first good fix within the radius")
    nearest_m: float | None


class DayOut(BaseModel):
    date: date
    tracked_km: float


class VerificationOut(BaseModel):
    tracked_km: float
    claimed_km: float
    days: list[DayOut]
    destinations: list[DestinationOut]
    good_fixes: int
    mock_fixes: int
    flags: list[str] = Field(
        description="distance_overclaimed, destination_unverified, no_tracking, mock_location"
    )
    computed_at: datetime


class ClaimOut(BaseModel):
    id: uuid.UUID
    requester_id: uuid.UUID
    purpose: str
    start: date
    end: date
    status: ClaimStatusName
    currency: str
    total: Decimal = Field(description="the sum of the claimed amounts")
    payable: Decimal = Field(description="sanctioned where set, else claimed")
    claimed_km: Decimal
    legs: list[LegOut]
    lines: list[LineOut]
    verification: VerificationOut | None
    approval_id: uuid.UUID | None
    submitted_at: datetime | None
    paid_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ClaimDetail(ClaimOut):
    approval: ApprovalOut | None


def verification_out(data: dict[str, Any] | None, at: datetime | None) -> VerificationOut | None:
    if data is None or at is None:
        return None
    return VerificationOut(**data, computed_at=at)
