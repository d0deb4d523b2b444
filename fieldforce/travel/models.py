"""Travel claims (差旅): a trip (purpose, dates in the tenant's time zone, itinerary legs)
and its expense lines, with the GPS verification computed from the requester's pings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned, Timestamps

MONEY = Numeric(12, 2)
KM = Numeric(9, 1)


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # verified, on its way into approval
    IN_APPROVAL = "in_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    PAID = "paid"


# a claim whose requester may still change it, and one whose verification follows late pings
EDITABLE = (ClaimStatus.DRAFT.value, ClaimStatus.RETURNED.value)
OPEN = (ClaimStatus.SUBMITTED.value, ClaimStatus.IN_APPROVAL.value, ClaimStatus.RETURNED.value)


class Mode(StrEnum):
    CAR = "car"
    TRAIN = "train"
    PLANE = "plane"
    BUS = "bus"
    TAXI = "taxi"
    OTHER = "other"


class Category(StrEnum):
    TRANSPORT = "transport"
    LODGING = "lodging"
    MEALS = "meals"
    MILEAGE = "mileage"
    OTHER = "other"


class TravelClaim(TenantOwned, Timestamps, Base):
    __tablename__ = "travel_claim"

    requester_id: Mapped[uuid.UUID]
    purpose: Mapped[str] = mapped_column(String(500))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ClaimStatus.DRAFT.value)
    currency: Mapped[str] = mapped_column(String(3))
    # the approval request of its latest submission (the engine keeps the history)
    approval_id: Mapped[uuid.UUID | None]
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the GPS verification (see fieldforce.travel.verification), and whether pings for the
    # trip period arrived after it was computed
    verification: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    verification_computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verification_stale: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_by_id: Mapped[uuid.UUID | None]
    paid_batch_id: Mapped[uuid.UUID | None]

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "requester_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["tenant_id", "approval_id"], ["approval_request.tenant_id", "approval_request.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "paid_by_id"], ["staff.tenant_id", "staff.id"]),
        # the ingest flow's look-up: a person's claims whose period contains new fixes
        Index(
            "ix_travel_claim_tenant_id_requester_id_period",
            "tenant_id",
            "requester_id",
            "start_date",
            "end_date",
        ),
        Index("ix_travel_claim_tenant_id_created_at", "tenant_id", "created_at", "id"),
        Index("ix_travel_claim_tenant_id_paid_at", "tenant_id", "paid_at"),
    )


class TravelLeg(TenantOwned, Base):
    """A place on the itinerary, which the verification looks for in the track."""

    __tablename__ = "travel_leg"

    claim_id: Mapped[uuid.UUID]
    position: Mapped[int] = mapped_column(Integer)
    place: Mapped[str] = mapped_column(String(200))
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    day: Mapped[date | None] = mapped_column(Date)
    mode: Mapped[str | None] = mapped_column(String(8))
    city_tier: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "claim_id"],
            ["travel_claim.tenant_id", "travel_claim.id"],
            ondelete="CASCADE",
        ),
        Index("ix_travel_leg_tenant_id_claim_id", "tenant_id", "claim_id", "position"),
    )


class TravelLine(TenantOwned, Base):
    """An expense: claimed amount, and the amount an approver sanctioned (≤ claimed)."""

    __tablename__ = "travel_line"

    claim_id: Mapped[uuid.UUID]
    position: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    claimed_km: Mapped[Decimal | None] = mapped_column(KM)
    # the daily limit (or km × rate for mileage) it was judged against, and whether it is over
    limit_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    over_limit: Mapped[bool] = mapped_column(Boolean, default=False)
    sanctioned_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    sanction_reason: Mapped[str | None] = mapped_column(Text)
    sanctioned_by_id: Mapped[uuid.UUID | None]
    # the receipt in the attachments store; no foreign key (that store is its own domain)
    receipt_attachment_id: Mapped[uuid.UUID | None]

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "claim_id"],
            ["travel_claim.tenant_id", "travel_claim.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["tenant_id", "sanctioned_by_id"], ["staff.tenant_id", "staff.id"]),
        Index("ix_travel_line_tenant_id_claim_id", "tenant_id", "claim_id", "position"),
    )
