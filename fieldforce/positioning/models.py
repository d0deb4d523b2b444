"""The cell database: where each mobile network cell is, as OpenCelliD and Mozilla's
ichnaea publish it. Reference data shared by every tenant (no tenant_id)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned
from fieldforce.org.models import staff_fk


class Radio(StrEnum):
    GSM = "GSM"
    UMTS = "UMTS"
    CDMA = "CDMA"
    LTE = "LTE"
    NR = "NR"


class Cell(Base):
    __tablename__ = "cell"

    radio: Mapped[str] = mapped_column(String(5), primary_key=True)
    mcc: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    mnc: Mapped[int] = mapped_column(Integer, primary_key=True)  # "net" in the files
    area: Mapped[int] = mapped_column(Integer, primary_key=True)  # LAC or TAC
    cell: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    unit: Mapped[int | None] = mapped_column(Integer)  # PSC or PCI
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    range_m: Mapped[int] = mapped_column(Integer)
    samples: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_cell_region", "mcc", "mnc"),)


class LbsConsent(TenantOwned, Base):
    """A person's consent to be located through the operator's LBS platform (the operator
    requires it): when it was given and how. Withdrawing it deletes the row (the audit
    trail keeps both)."""

    __tablename__ = "lbs_consent"

    staff_id: Mapped[uuid.UUID]
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    method: Mapped[str] = mapped_column(String(16))  # sms_reply, written, in_app, call
    recorded_by: Mapped[uuid.UUID | None]
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )

    __table_args__ = (staff_fk(), UniqueConstraint("tenant_id", "staff_id"))


class LbsStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    LOCATED = "located"
    FAILED = "failed"  # the gateway answered, but with no position we could read
    TIMEOUT = "timeout"
    REFUSED = "refused"  # not sent: no consent, no phone, no gateway, the quota used up


class LbsRequest(TenantOwned, Base):
    """One question to the operator's LBS platform about one person, and its answer."""

    __tablename__ = "lbs_request"

    staff_id: Mapped[uuid.UUID]
    reason: Mapped[str] = mapped_column(String(8))  # locate (someone asked) or poll
    requested_by: Mapped[uuid.UUID | None]
    locate_request_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(8), default=LbsStatus.PENDING.value)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ping_id: Mapped[uuid.UUID | None]
    fix_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        staff_fk(),
        Index("ix_lbs_request_staff", "tenant_id", "staff_id", "created_at"),
        Index("ix_lbs_request_day", "tenant_id", "created_at"),
        Index(
            "ix_lbs_request_due",
            "created_at",
            postgresql_where=text("status IN ('pending', 'sending')"),
        ),
    )
