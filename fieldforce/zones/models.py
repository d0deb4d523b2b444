"""Zones (geofences) and who is assigned to them."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned, Timestamps
from fieldforce.org.models import staff_fk, unit_fk


class ZoneKind(StrEnum):
    WORK_AREA = "work_area"
    OFFICE = "office"
    CUSTOMER_SITE = "customer_site"
    RESTRICTED = "restricted"  # never counts as being where one should be


class ZoneShapeKind(StrEnum):
    POLYGON = "polygon"
    CIRCLE = "circle"


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
        unit_fk(),
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
        staff_fk(),
        unit_fk(),
        CheckConstraint("(staff_id IS NULL) <> (org_unit_id IS NULL)", name="one_target"),
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="valid_range"
        ),
        Index("ix_zone_assignment_staff", "tenant_id", "staff_id"),
        Index("ix_zone_assignment_unit", "tenant_id", "org_unit_id"),
        Index("ix_zone_assignment_zone", "tenant_id", "zone_id"),
    )
