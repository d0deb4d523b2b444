"""The audit trail: who changed what, when, from which request."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned


class AuditEntry(TenantOwned, Base):
    __tablename__ = "audit_entry"

    # clock time, not transaction start: entries of one transaction keep their order
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    actor_id: Mapped[uuid.UUID | None]  # no FK: the trail outlives whoever acted
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[uuid.UUID | None]
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_entry_tenant_id_at", "tenant_id", "at", "id"),
        Index("ix_audit_entry_tenant_id_entity_id", "tenant_id", "entity_id"),
    )
