"""Zones (geofences), who is assigned to them, and duty schedules with their exceptions."""

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
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned, Timestamps, tenant_fk


class ZoneKind(StrEnum):
    WORK_AREA = "work_area"
    OFFICE = "office"
    CUSTOMER_SITE = "customer_site"
    RESTRICTED = "restricted"  # never counts as being where one should be


class ZoneShapeKind(StrEnum):
    POLYGON = "polygon"
    CIRCLE = "circle"


def _staff_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", "staff_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
    )


def _unit_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", "org_unit_id"], ["org_unit.tenant_id", "org_unit.id"], ondelete="CASCADE"
    )


class Zone(TenantOwned, Timestamps, Base):
    """A polygon or multipolygon, or a circle (``center`` + ``radius_m``, with ``geom`` a
    64-gon through the circle for maps and the spatial index). Owned by an org unit: those
    who oversee that unit manage it."""

    __tablename__ = "zone"

    org_unit_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    shape: Mapped[str] = mapped_column(String(8))
    geom: Mapped[Any] = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=False))
    center: Mapped[Any | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=True
    )
    radius_m: Mapped[float | None] = mapped_column(Float)
    area_m2: Mapped[float] = mapped_column(Float)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)  # threshold overrides
    properties: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)  # anything else
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID | None]

    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        _unit_fk(),
        CheckConstraint(
            "(shape = 'circle') = (center IS NOT NULL AND radius_m IS NOT NULL)",
            name="circle_has_center",
        ),
        Index("ix_zone_geom", "geom", postgresql_using="gist"),
        Index("ix_zone_tenant_id_org_unit_id", "tenant_id", "org_unit_id"),
    )


class ZoneAssignment(TenantOwned, Base):
    """A zone where a staff member, or everyone in an org unit's subtree, should be while on
    duty, from ``valid_from`` to ``valid_to`` (dates in the tenant's time zone, inclusive)."""

    __tablename__ = "zone_assignment"

    zone_id: Mapped[uuid.UUID]
    staff_id: Mapped[uuid.UUID | None]
    org_unit_id: Mapped[uuid.UUID | None]
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[uuid.UUID | None]

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "zone_id"], ["zone.tenant_id", "zone.id"], ondelete="CASCADE"
        ),
        _staff_fk(),
        _unit_fk(),
        CheckConstraint("(staff_id IS NULL) <> (org_unit_id IS NULL)", name="one_target"),
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="valid_range"
        ),
        Index("ix_zone_assignment_staff", "tenant_id", "staff_id"),
        Index("ix_zone_assignment_unit", "tenant_id", "org_unit_id"),
        Index("ix_zone_assignment_zone", "tenant_id", "zone_id"),
    )


class DutySchedule(TenantOwned, Timestamps, Base):
    """A weekly pattern of shifts for one staff member or for an org unit's subtree."""

    __tablename__ = "duty_schedule"

    staff_id: Mapped[uuid.UUID | None]
    org_unit_id: Mapped[uuid.UUID | None]
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    weekly: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)

    __table_args__ = (
        _staff_fk(),
        _unit_fk(),
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
        _staff_fk(),
        _unit_fk(),
        UniqueConstraint(
            "tenant_id", "day", "staff_id", "org_unit_id", postgresql_nulls_not_distinct=True
        ),
        CheckConstraint("staff_id IS NULL OR org_unit_id IS NULL", name="one_target"),
        CheckConstraint("kind IN ('off', 'work')", name="kind"),
        Index("ix_duty_exception_day", "tenant_id", "day"),
    )


class MonitorState(Base):
    """Where off-zone monitoring stands for one person: the current window of constant duty
    (a shift, or the gap to the next one), the zones and rules of the shift, the state
    machine (``machine``, see ``zones.machine``) and when a timer next needs a look."""

    __tablename__ = "monitor_state"

    tenant_id: Mapped[uuid.UUID] = mapped_column(tenant_fk(), primary_key=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    duty_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duty_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    zone_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    zone_key: Mapped[str | None] = mapped_column(String(64))
    machine: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    next_check_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stale: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        _staff_fk(),
        CheckConstraint(
            "status IN ('in_zone', 'off_zone', 'no_signal', 'off_duty', 'unknown')",
            name="status",
        ),
        Index("ix_monitor_state_next_check_at", "next_check_at"),
    )


class ZoneEvent(TenantOwned, Base):
    """An off_zone, no_signal or late_arrival event: open while ``ended_at`` is null.
    ``zone_id`` has no foreign key: events outlive the zones they name. An event that a
    late fix proved wrong is kept for the record with ``retracted_at`` set."""

    __tablename__ = "zone_event"

    staff_id: Mapped[uuid.UUID]
    type: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_s: Mapped[int | None] = mapped_column(Integer)
    zone_id: Mapped[uuid.UUID | None]
    shift_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    retracted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        _staff_fk(),
        UniqueConstraint("tenant_id", "staff_id", "type", "started_at"),
        CheckConstraint("type IN ('off_zone', 'no_signal', 'late_arrival')", name="type"),
        Index("ix_zone_event_tenant_id_started_at", "tenant_id", "started_at"),
    )
