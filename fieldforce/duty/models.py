"""Duty schedules (weekly patterns) and the dated exceptions to them."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Date, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned, Timestamps
from fieldforce.org.models import staff_fk, unit_fk


class DutySchedule(TenantOwned, Timestamps, Base):
    """A weekly pattern of shifts for one staff member or for an org unit's subtree."""

    __tablename__ = "duty_schedule"

    staff_id: Mapped[uuid.UUID | None]
    org_unit_id: Mapped[uuid.UUID | None]
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    weekly: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)

    __table_args__ = (
        staff_fk(),
        unit_fk(),
        UniqueConstraint("tenant_id", "staff_id"),
        UniqueConstraint("tenant_id", "org_unit_id"),
        CheckConstraint("(staff_id IS NULL) <> (org_unit_id IS NULL)", name="one_target"),
    )


class ExceptionKind(StrEnum):
    OFF = "off"  # no duty that day (holiday, approved leave)
    WORK = "work"  # these shifts instead of the weekly ones (a make-up working day)


class DutyException(TenantOwned, Base):
    """One day that differs from the weekly pattern, for a staff member, an org unit's
    subtree, or (neither) the whole tenant. The nearest one to a person wins."""

    __tablename__ = "duty_exception"

    staff_id: Mapped[uuid.UUID | None]
    org_unit_id: Mapped[uuid.UUID | None]
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))
    periods: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    reason: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual, leave
    source_id: Mapped[uuid.UUID | None]
    created_by: Mapped[uuid.UUID | None]

    __table_args__ = (
        staff_fk(),
        unit_fk(),
        UniqueConstraint(
            "tenant_id", "day", "staff_id", "org_unit_id", postgresql_nulls_not_distinct=True
        ),
        CheckConstraint("staff_id IS NULL OR org_unit_id IS NULL", name="one_target"),
        CheckConstraint("kind IN ('off', 'work')", name="kind"),
        Index("ix_duty_exception_day", "tenant_id", "day"),
    )
