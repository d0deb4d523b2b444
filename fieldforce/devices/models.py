"""Phones and tracker apps bound to a staff member."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned, Timestamps


class Platform(StrEnum):
    ANDROID = "android"
    IOS = "ios"
    OTHER = "other"


class Protocol(StrEnum):
    APP = "app"
    OSMAND = "osmand"
    OWNTRACKS = "owntracks"


TRACKER_PROTOCOLS = {Protocol.OSMAND.value, Protocol.OWNTRACKS.value}


class Device(TenantOwned, Timestamps, Base):
    __tablename__ = "device"

    staff_id: Mapped[uuid.UUID]
    name: Mapped[str | None] = mapped_column(String(120))
    platform: Mapped[str] = mapped_column(String(16))
    protocol: Mapped[str] = mapped_column(String(16))
    identifier: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(255))
    fcm_token: Mapped[str | None] = mapped_column(String(4096))
    fcm_token_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "staff_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("tenant_id", "identifier"),
        # tracker apps present only the identifier; it is random, so this lookup is exact
        Index("ix_device_identifier", "identifier"),
        Index("ix_device_tenant_id_staff_id", "tenant_id", "staff_id"),
    )

    @property
    def has_push_token(self) -> bool:
        return self.fcm_token is not None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
