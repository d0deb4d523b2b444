"""Market inspections (市场检查): the tenant's checklists (versioned: an inspection keeps the
version it was made with), inspections of outlets with their answers, score and grade,
and the corrective actions a failed critical item opens."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned
from fieldforce.org.models import staff_fk


class InspectionTemplate(TenantOwned, Base):
    """One version of a checklist: sections of items, scoring and grades."""

    __tablename__ = "inspection_template"

    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[dict[str, str]] = mapped_column(JSONB)  # {"zh", "en"}
    scoring: Mapped[dict[str, Any]] = mapped_column(JSONB)
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("tenant_id", "key", "version"),)


class Inspection(TenantOwned, Base):
    __tablename__ = "inspection"

    template_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    staff_id: Mapped[uuid.UUID]
    in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float] = mapped_column(Float)
    verification: Mapped[str] = mapped_column(String(10))
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    score: Mapped[float | None] = mapped_column(Float)  # None: nothing applicable was scored
    grade: Mapped[str | None] = mapped_column(String(8))
    critical_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        staff_fk(),
        ForeignKeyConstraint(
            ["tenant_id", "template_id"],
            ["inspection_template.tenant_id", "inspection_template.id"],
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "customer_id"], ["customer.tenant_id", "customer.id"], ondelete="CASCADE"
        ),
        Index("ix_inspection_tenant_id_customer_id_in_at", "tenant_id", "customer_id", "in_at"),
        Index("ix_inspection_tenant_id_in_at", "tenant_id", "in_at"),
    )


class ActionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CorrectiveAction(TenantOwned, Base):
    """What a failed critical item asks of the outlet; a later inspection of the same outlet
    that passes the item closes it, one that fails it again keeps it open."""

    __tablename__ = "corrective_action"

    inspection_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    item_key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    assignee_id: Mapped[uuid.UUID]
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8))
    task_id: Mapped[uuid.UUID | None]
    closed_by_inspection_id: Mapped[uuid.UUID | None]
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "inspection_id"],
            ["inspection.tenant_id", "inspection.id"],
            ondelete="CASCADE",
        ),
        Index("ix_corrective_action_customer", "tenant_id", "customer_id", "item_key", "status"),
    )
