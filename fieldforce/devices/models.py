"""Phones and tracker apps bound to a staff member."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    ColumnElement,
    DateTime,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
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


def hash_identifier(identifier: str) -> str:
    """Identifiers are 160 random bits, so a plain SHA-256 is enough to keep them secret
    at rest while still finding a device by the identifier it presents."""
    return hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint_of(identifier: str) -> str:
    """What lists and logs show of an identifier: its first and last four characters."""
    return f"{identifier[:4]}…{identifier[-4:]}"


class Device(TenantOwned, Timestamps, Base):
    __tablename__ = "device"

    staff_id: Mapped[uuid.UUID]
    name: Mapped[str | None] = mapped_column(String(120))
    platform: Mapped[str] = mapped_column(String(16))
    protocol: Mapped[str] = mapped_column(String(16))
    # the identifier itself is shown once, at registration or rotation, and never stored
    identifier_hash: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(255))
    fcm_token: Mapped[str | None] = mapped_column(String(4096))
    fcm_token_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "staff_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("tenant_id", "identifier_hash"),
        # tracker apps present only the identifier, without their tenant
        Index("ix_device_identifier_hash", "identifier_hash"),
        Index("ix_device_tenant_id_staff_id", "tenant_id", "staff_id"),
    )

    @classmethod
    def identified_by(cls, identifier: str) -> ColumnElement[bool]:
        return cls.identifier_hash == hash_identifier(identifier)

    @property
    def identifier(self) -> str:
        raise AttributeError("a device's identifier is not stored, only its hash")

    @identifier.setter
    def identifier(self, identifier: str) -> None:
        self.identifier_hash = hash_identifier(identifier)
        self.fingerprint = fingerprint_of(identifier)

    @property
    def has_push_token(self) -> bool:
        return self.fcm_token is not None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
