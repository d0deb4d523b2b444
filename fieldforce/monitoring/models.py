"""Where off-zone monitoring stands for each person, and the events it raised."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned, tenant_fk
from fieldforce.org.models import staff_fk


class MonitorState(Base):
    """Where off-zone monitoring stands for one person: the current window of constant duty
    (a shift, or the gap to the next one), the zones and rules of the shift, the state
    machine (``machine``, see ``monitoring.machine``) and when a timer next needs a look."""

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
    # the first look at the person: shifts are watched from then, never before (null for
    # people looked at before this was recorded)
    watched_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        staff_fk(),
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
        staff_fk(),
        UniqueConstraint("tenant_id", "staff_id", "type", "started_at"),
        CheckConstraint("type IN ('off_zone', 'no_signal', 'late_arrival')", name="type"),
        Index("ix_zone_event_tenant_id_started_at", "tenant_id", "started_at"),
    )
