"""Location pings (time-partitioned), the latest good position per staff, and events that
tracker apps report about themselves."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import IntFlag, StrEnum
from functools import lru_cache
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    REAL,
    Boolean,
    DateTime,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned, tenant_fk


class PingFlag(IntFlag):
    """Why a stored ping is left out of every decision and distance (0 = a good fix)."""

    INACCURATE = 1
    JUMP = 2
    MOCK = 4
    INVALID = 8

    @classmethod
    def names(cls, value: int) -> list[str]:
        return list(_flag_names(value))


@lru_cache(maxsize=64)
def _flag_names(value: int) -> tuple[str, ...]:
    return tuple(f.name.lower() for f in PingFlag if f.name and value & f)


class Source(StrEnum):
    GPS = "gps"
    NETWORK = "network"
    CELL = "cell"
    WIFI = "wifi"
    LBS = "lbs"  # the operator's LBS platform, asked by the server


class Ping(Base):
    """One fix. Partitioned by day of ``fix_time`` (UTC); retention drops partitions.
    ``id`` is the client's UUID, which makes uploads idempotent."""

    __tablename__ = "ping"

    tenant_id: Mapped[uuid.UUID] = mapped_column(tenant_fk())
    id: Mapped[uuid.UUID]
    fix_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID | None]
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    accuracy_m: Mapped[float | None] = mapped_column(REAL)
    altitude_m: Mapped[float | None] = mapped_column(REAL)
    speed_mps: Mapped[float | None] = mapped_column(REAL)
    bearing_deg: Mapped[float | None] = mapped_column(REAL)
    battery_pct: Mapped[float | None] = mapped_column(REAL)
    source: Mapped[str | None] = mapped_column(String(8))
    flags: Mapped[int] = mapped_column(SmallInteger, default=0)
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id", "fix_time"),
        ForeignKeyConstraint(
            ["tenant_id", "staff_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
        ),
        Index("ix_ping_tenant_id_staff_id_fix_time", "tenant_id", "staff_id", "fix_time"),
        {"postgresql_partition_by": "RANGE (fix_time)"},
    )


class LatestPosition(Base):
    """The newest good fix of each staff member: what the map reads."""

    __tablename__ = "latest_position"

    tenant_id: Mapped[uuid.UUID] = mapped_column(tenant_fk(), primary_key=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    ping_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID | None]
    fix_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    accuracy_m: Mapped[float | None] = mapped_column(REAL)
    speed_mps: Mapped[float | None] = mapped_column(REAL)
    bearing_deg: Mapped[float | None] = mapped_column(REAL)
    battery_pct: Mapped[float | None] = mapped_column(REAL)
    source: Mapped[str | None] = mapped_column(String(8))  # gps, network, cell, wifi, lbs
    # false: a fix the server placed that is too coarse to be good (shown, never used)
    good: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "staff_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
        ),
        Index("ix_latest_position_geom", "geom", postgresql_using="gist"),
    )


class DeviceReport(TenantOwned, Base):
    """What a tracker app says about itself besides fixes (OwnTracks transitions, waypoints,
    last-will messages...). Kept for audit; never trusted over our own evaluation."""

    __tablename__ = "device_report"

    device_id: Mapped[uuid.UUID]
    staff_id: Mapped[uuid.UUID]
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "device_id"], ["device.tenant_id", "device.id"], ondelete="CASCADE"
        ),
        Index(
            "ix_device_report_tenant_id_device_id_received_at",
            "tenant_id",
            "device_id",
            "received_at",
        ),
    )


class LocateRequest(TenantOwned, Base):
    """A supervisor's "locate now": a command to one phone, and the first fix after it."""

    __tablename__ = "locate_request"

    requester_id: Mapped[uuid.UUID]
    staff_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID | None]  # none when the operator's LBS platform is asked
    channel: Mapped[str] = mapped_column(String(16))  # push, next_reply, unavailable, lbs
    requested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ping_id: Mapped[uuid.UUID | None]
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "device_id"], ["device.tenant_id", "device.id"], ondelete="CASCADE"
        ),
        Index("ix_locate_request_tenant_id_staff_id", "tenant_id", "staff_id", "requested_at"),
        Index(
            "ix_locate_request_waiting",
            "tenant_id",
            "device_id",
            postgresql_where=text("delivered_at IS NULL AND channel = 'next_reply'"),
        ),
    )
