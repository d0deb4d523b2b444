"""Visits (走访): routine visits to partners (客户走访), cold visits to prospects (陌生拜访) and
follow-ups with interested customers (二次回访), each checked in and out where the customer
is, verified by distance and accuracy."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned
from fieldforce.org.models import staff_fk


class VisitType(StrEnum):
    ROUTINE = "routine"  # a partner
    COLD = "cold"  # a prospect, perhaps made at the door
    FOLLOW_UP = "follow_up"  # an intended customer, after an earlier visit


# the stage a customer is in for each kind of visit
STAGE_OF: dict[str, str] = {
    VisitType.ROUTINE: "partner",
    VisitType.COLD: "prospect",
    VisitType.FOLLOW_UP: "intended",
}


class VisitStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    AUTO_CLOSED = "auto_closed"  # never checked out: closed by the tenant's limit


class Verification(StrEnum):
    VERIFIED = "verified"
    UNVERIFIED = "unverified"


class Visit(TenantOwned, Base):
    __tablename__ = "visit"

    staff_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    type: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12))
    previous_visit_id: Mapped[uuid.UUID | None]  # the visit a follow-up follows
    in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the phone's time
    in_received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    in_geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    in_accuracy_m: Mapped[float | None] = mapped_column(Float)
    in_distance_m: Mapped[float] = mapped_column(Float)
    in_verification: Mapped[str] = mapped_column(String(10))
    mock: Mapped[bool] = mapped_column(Boolean, default=False)
    out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    out_geom: Mapped[Any | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=True
    )
    out_accuracy_m: Mapped[float | None] = mapped_column(Float)
    out_distance_m: Mapped[float | None] = mapped_column(Float)
    out_verification: Mapped[str | None] = mapped_column(String(10))
    duration_s: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    stage_to: Mapped[str | None] = mapped_column(String(10))  # the stage the visit moved it to
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    follow_up_task_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        staff_fk(),
        ForeignKeyConstraint(
            ["tenant_id", "customer_id"], ["customer.tenant_id", "customer.id"], ondelete="CASCADE"
        ),
        CheckConstraint("type IN ('routine', 'cold', 'follow_up')", name="type_known"),
        CheckConstraint("out_at IS NULL OR out_at >= in_at", name="out_after_in"),
        Index(
            "uq_visit_one_open",
            "tenant_id",
            "staff_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_visit_tenant_id_staff_id_in_at", "tenant_id", "staff_id", "in_at"),
        Index("ix_visit_tenant_id_customer_id_in_at", "tenant_id", "customer_id", "in_at"),
    )
