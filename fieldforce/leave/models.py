"""Leave (请假): the tenant's leave types, yearly allocations, the balance ledger (every
change to a balance is a row; the balance is their sum) and the requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned, Timestamps
from fieldforce.org.models import staff_fk

DAYS = Numeric(7, 2)


class LeaveStatus(StrEnum):
    DRAFT = "draft"
    IN_APPROVAL = "in_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"


# a request in one of these holds its days: another one may not overlap it
HOLDING = (LeaveStatus.DRAFT.value, LeaveStatus.IN_APPROVAL.value, LeaveStatus.APPROVED.value)


class EntryKind(StrEnum):
    ALLOCATION = "allocation"
    CARRY_OVER = "carry_over"
    TAKEN = "taken"
    RESTORED = "restored"
    ADJUSTMENT = "adjustment"


def _type_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", "leave_type_id"], ["leave_type.tenant_id", "leave_type.id"]
    )


class LeaveType(TenantOwned, Timestamps, Base):
    """A kind of leave the tenant grants, with its rules."""

    __tablename__ = "leave_type"

    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    paid: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    max_consecutive_days: Mapped[Decimal | None] = mapped_column(DAYS)
    counts_holidays_and_rest_days: Mapped[bool] = mapped_column(Boolean, default=False)
    # a certificate is asked for above this many days (attachments link it)
    attachment_required_above_days: Mapped[Decimal | None] = mapped_column(DAYS)
    half_days_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("tenant_id", "code"),)


class LeaveAllocation(TenantOwned, Base):
    """Days of a type granted to a person for a year, with what they carry from the
    previous year and when that lapses. Written to the ledger as it is made."""

    __tablename__ = "leave_allocation"

    staff_id: Mapped[uuid.UUID]
    leave_type_id: Mapped[uuid.UUID]
    year: Mapped[int] = mapped_column(Integer)
    days: Mapped[Decimal] = mapped_column(DAYS)
    carried_days: Mapped[Decimal] = mapped_column(DAYS, default=Decimal(0))
    carry_expires_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )

    __table_args__ = (
        staff_fk(),
        _type_fk(),
        UniqueConstraint("tenant_id", "staff_id", "leave_type_id", "year"),
    )


class LeaveEntry(TenantOwned, Base):
    """One change to a balance (days signed: + granted or given back, - taken). ``on_day``
    is the first day of the leave taken or restored (carried days lapse by it)."""

    __tablename__ = "leave_ledger"

    staff_id: Mapped[uuid.UUID]
    leave_type_id: Mapped[uuid.UUID]
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    days: Mapped[Decimal] = mapped_column(DAYS)
    reason: Mapped[str] = mapped_column(String(500), default="")
    request_id: Mapped[uuid.UUID | None]
    allocation_id: Mapped[uuid.UUID | None]
    on_day: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[uuid.UUID | None]
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )

    __table_args__ = (
        staff_fk(),
        _type_fk(),
        CheckConstraint(
            "kind IN ('allocation', 'carry_over', 'taken', 'restored', 'adjustment')",
            name="kind",
        ),
        Index(
            "ix_leave_ledger_tenant_id_staff_id",
            "tenant_id",
            "staff_id",
            "leave_type_id",
            "year",
            "at",
        ),
    )


class LeaveRequest(TenantOwned, Timestamps, Base):
    """A person's request for leave from ``start`` to ``end`` (local dates, inclusive;
    ``start_half`` "pm" starts at noon, ``end_half`` "am" ends at noon). ``parts`` are
    the days it counts: ``[{"day", "part": "full" | "am" | "pm", "days"}]``."""

    __tablename__ = "leave_request"

    staff_id: Mapped[uuid.UUID]
    leave_type_id: Mapped[uuid.UUID]
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    start_half: Mapped[str | None] = mapped_column(String(2))
    end_half: Mapped[str | None] = mapped_column(String(2))
    days: Mapped[Decimal] = mapped_column(DAYS)
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    approval_id: Mapped[uuid.UUID | None]
    # the requester's cancellation of approved leave, while it goes through the engine
    cancel_approval_id: Mapped[uuid.UUID | None]
    attachment_id: Mapped[uuid.UUID | None]  # a certificate, once attachments link it
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        staff_fk(),
        _type_fk(),
        CheckConstraint(
            "status IN ('draft', 'in_approval', 'approved', 'rejected', 'returned', "
            "'withdrawn', 'cancelled')",
            name="status",
        ),
        CheckConstraint('"end" >= start', name="period"),
        Index("ix_leave_request_tenant_id_staff_id", "tenant_id", "staff_id", "start"),
        Index("ix_leave_request_tenant_id_created_at", "tenant_id", "created_at", "id"),
    )
