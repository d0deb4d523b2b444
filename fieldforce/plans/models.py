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
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
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
    rule_id: Mapped[uuid.UUID | None]  # the recurring rule that put it there

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


class PlanRule(TenantOwned, Base):
    """A recurring stop: this customer in this person's plan every `every_weeks` weeks on
    the weekday of `starts_on`, from that date on, until the rule is stopped. The days up
    to `planned_until` have been written into plans already (each once)."""

    __tablename__ = "work_plan_rule"

    staff_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(10))
    every_weeks: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    stopped_on: Mapped[date | None] = mapped_column(Date)
    planned_until: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        staff_fk(),
        ForeignKeyConstraint(
            ["tenant_id", "customer_id"], ["customer.tenant_id", "customer.id"], ondelete="CASCADE"
        ),
        CheckConstraint("kind IN ('visit', 'inspection')", name="kind_known"),
        CheckConstraint("every_weeks BETWEEN 1 AND 52", name="every_weeks_range"),
        Index(
            "uq_work_plan_rule_running",
            "tenant_id",
            "staff_id",
            "customer_id",
            "kind",
            unique=True,
            postgresql_where=text("stopped_on IS NULL"),
        ),
        Index(
            "ix_work_plan_rule_due", "planned_until", postgresql_where=text("stopped_on IS NULL")
        ),
    )
