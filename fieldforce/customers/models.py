"""Customers and outlets (客户与网点): where they are (stored in WGS-84), what they are, how
far along they are (prospect → intended → partner, or lost), who owns them, and every
change of stage with who made it and when."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned, Timestamps
from fieldforce.org.models import unit_fk


class CustomerKind(StrEnum):
    PARTNER_OUTLET = "partner_outlet"  # 渠道网点
    SERVICE_HALL = "service_hall"  # 营业厅
    ENTERPRISE = "enterprise"
    INDIVIDUAL = "individual"


class Stage(StrEnum):
    PROSPECT = "prospect"
    INTENDED = "intended"
    PARTNER = "partner"
    LOST = "lost"


# where a customer may go from each stage (lost customers may be prospected again)
NEXT_STAGES: dict[str, frozenset[str]] = {
    Stage.PROSPECT: frozenset({Stage.INTENDED, Stage.PARTNER, Stage.LOST}),
    Stage.INTENDED: frozenset({Stage.PARTNER, Stage.LOST, Stage.PROSPECT}),
    Stage.PARTNER: frozenset({Stage.LOST}),
    Stage.LOST: frozenset({Stage.PROSPECT}),
}


class Customer(TenantOwned, Timestamps, Base):
    """A customer or outlet of an org unit, owned by a rep (or nobody yet)."""

    __tablename__ = "customer"

    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # the name folded, for duplicates
    code: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(10))
    lost_reason: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    visit_radius_m: Mapped[float] = mapped_column(Float)
    org_unit_id: Mapped[uuid.UUID]
    owner_id: Mapped[uuid.UUID | None]
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    created_by: Mapped[uuid.UUID | None]

    __table_args__ = (
        unit_fk(),
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint("visit_radius_m > 0 AND visit_radius_m <= 10000", name="visit_radius"),
        CheckConstraint("stage IN ('prospect', 'intended', 'partner', 'lost')", name="stage_known"),
        Index("ix_customer_geom", "geom", postgresql_using="gist"),
        Index("ix_customer_tenant_id_org_unit_id", "tenant_id", "org_unit_id"),
        Index("ix_customer_tenant_id_owner_id", "tenant_id", "owner_id"),
        Index("ix_customer_tenant_id_name_key", "tenant_id", "name_key"),
    )


class StageChange(TenantOwned, Base):
    """One change of a customer's stage: from, to, why, by whom and when (and the visit
    that made it, when a visit did)."""

    __tablename__ = "customer_stage_change"

    customer_id: Mapped[uuid.UUID]
    from_stage: Mapped[str | None] = mapped_column(String(10))  # None: the customer was made
    to_stage: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[uuid.UUID | None]
    visit_id: Mapped[uuid.UUID | None]
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "customer_id"], ["customer.tenant_id", "customer.id"], ondelete="CASCADE"
        ),
        Index("ix_customer_stage_change_customer", "tenant_id", "customer_id", "changed_at"),
    )
