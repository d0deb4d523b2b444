"""Work plans (工作计划): a person's day of planned visits and inspections, in order."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned
from fieldforce.org.models import staff_fk


class StopKind(StrEnum):
    VISIT = "visit"
    INSPECTION = "inspection"


class WorkPlan(TenantOwned, Base):
    __tablename__ = "work_plan"

    staff_id: Mapped[uuid.UUID]
    day: Mapped[date] = mapped_column(Date)  # the tenant's local date
    start_lon: Mapped[float | None] = mapped_column(Float)
    start_lat: Mapped[float | None] = mapped_column(Float)
    ordered_by: Mapped[str] = mapped_column(String(10))  # as_given or shortest
    updated_by: Mapped[uuid.UUID | None]
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (staff_fk(), UniqueConstraint("tenant_id", "staff_id", "day"))


class PlanStop(TenantOwned, Base):
    __tablename__ = "work_plan_stop"

    plan_id: Mapped[uuid.UUID]
    position: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(10))

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "plan_id"], ["work_plan.tenant_id", "work_plan.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["tenant_id", "customer_id"], ["customer.tenant_id", "customer.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("tenant_id", "plan_id", "position"),
        CheckConstraint("kind IN ('visit', 'inspection')", name="kind_known"),
    )
