"""GPS attendance (考勤): punches with their verdict against the person's zones, the
attendances they open and close, the Wi-Fi access points that prove presence indoors, and
the punch policies of org units."""

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
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned, tenant_fk
from fieldforce.org.models import staff_fk, unit_fk


class PunchKind(StrEnum):
    IN = "in"
    OUT = "out"


class PunchStatus(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"


class Verdict(StrEnum):
    """Where the punch stood: its accuracy circle wholly inside one of the person's zones
    (or a registered access point seen), wholly outside all of them, or across a border."""

    INSIDE = "inside"
    OUTSIDE = "outside"
    UNCERTAIN = "uncertain"


class Basis(StrEnum):
    """What the verdict rests on."""

    GPS = "gps"
    WIFI = "wifi"
    NO_ZONE = "no_zone"  # nobody assigned the person a zone that day: nothing to judge by
    MANUAL = "manual"  # an approved correction: no location


class Source(StrEnum):
    APP = "app"  # the person's punch
    AUTO = "auto"  # a forgotten clock-out closed by the tenant's rule
    CORRECTION = "correction"  # an approved correction (补卡)


class Flag(StrEnum):
    OUTSIDE = "outside"  # accepted outside by policy
    UNCERTAIN = "uncertain"
    MOCK = "mock"  # the phone said its location was mocked; accepted by policy
    OFFLINE = "offline"  # punched offline: received well after it was made
    FIELD = "field"  # 外勤打卡: outside work, with a note
    NO_ZONE = "no_zone"


class ZoneWifi(TenantOwned, Base):
    """An access point of a zone: a punch that sees it counts as inside that zone."""

    __tablename__ = "zone_wifi"

    zone_id: Mapped[uuid.UUID]
    bssid: Mapped[str] = mapped_column(String(17))  # aa:bb:cc:dd:ee:ff
    ssid: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "zone_id"], ["zone.tenant_id", "zone.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("tenant_id", "zone_id", "bssid"),
        Index("ix_zone_wifi_tenant_id_bssid", "tenant_id", "bssid"),
    )


class AttendancePolicy(Base):
    """An org unit's punch rules (``fieldforce.attendance.policy.Rules``); what a unit
    leaves unset comes from the units above it, then from the tenant's settings."""

    __tablename__ = "attendance_policy"

    tenant_id: Mapped[uuid.UUID] = mapped_column(tenant_fk(), primary_key=True)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    updated_by: Mapped[uuid.UUID | None]
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (unit_fk(),)


class Punch(TenantOwned, Base):
    """One clock-in or clock-out as the phone made it (``id`` is the phone's, so a retried
    punch is a duplicate), with the verdict and what the policy made of it. Refused punches
    are kept too: who tried, where and why not."""

    __tablename__ = "attendance_punch"

    staff_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(32))  # why refused
    punched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the device's time
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    geom: Mapped[Any | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=True
    )
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    mock: Mapped[bool] = mapped_column(Boolean, default=False)
    verdict: Mapped[str] = mapped_column(String(9))
    basis: Mapped[str] = mapped_column(String(8))
    zone_id: Mapped[uuid.UUID | None]  # the zone it was judged in, or nearest to
    distance_m: Mapped[float | None] = mapped_column(Float)  # signed: inside > 0
    wifi_bssid: Mapped[str | None] = mapped_column(String(17))  # the access point that decided
    field: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    photo_id: Mapped[uuid.UUID | None]
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(16)), default=list)
    source: Mapped[str] = mapped_column(String(10), default=Source.APP.value)
    attendance_id: Mapped[uuid.UUID | None]
    device_id: Mapped[uuid.UUID | None]

    __table_args__ = (
        staff_fk(),
        CheckConstraint("kind IN ('in', 'out')", name="kind"),
        CheckConstraint("status IN ('accepted', 'refused')", name="status"),
        CheckConstraint("verdict IN ('inside', 'outside', 'uncertain')", name="verdict"),
        Index("ix_attendance_punch_tenant_id_staff_id", "tenant_id", "staff_id", "punched_at"),
        Index(
            "ix_attendance_punch_tenant_id_field",
            "tenant_id",
            "punched_at",
            postgresql_where=text("field"),
        ),
    )


class Attendance(TenantOwned, Base):
    """A stretch of work from a clock-in to its clock-out: at most one per person is open.
    ``day`` is the local date of the clock-in (the shift's day for a night shift)."""

    __tablename__ = "attendance"

    staff_id: Mapped[uuid.UUID]
    day: Mapped[date] = mapped_column(Date)
    in_punch_id: Mapped[uuid.UUID]
    in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    out_punch_id: Mapped[uuid.UUID | None]
    out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_automatically: Mapped[bool] = mapped_column(Boolean, default=False)
    close_rule: Mapped[str | None] = mapped_column(String(16))  # the tenant rule that closed it

    __table_args__ = (
        staff_fk(),
        CheckConstraint("out_at IS NULL OR out_at >= in_at", name="period"),
        Index(
            "uq_attendance_open",
            "tenant_id",
            "staff_id",
            unique=True,
            postgresql_where=text("out_at IS NULL"),
        ),
        Index("ix_attendance_tenant_id_staff_id_day", "tenant_id", "staff_id", "day"),
    )


class DayStatus(StrEnum):
    PRESENT = "present"
    LATE = "late"
    EARLY_LEAVE = "early_leave"
    HALF_DAY = "half_day"
    ABSENT = "absent"
    ON_LEAVE = "on_leave"
    HOLIDAY = "holiday"
    REST_DAY = "rest_day"
    BUSINESS_TRIP = "business_trip"


class AttendanceDay(TenantOwned, Base):
    """A person's day on the sheet (local date, the tenant's time zone), computed from
    their shifts, punches, leave, trips and monitoring; ``stale`` when something it was
    computed from changed since ``computed_at``."""

    __tablename__ = "attendance_day"

    staff_id: Mapped[uuid.UUID]
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(24)), default=list)
    shift_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shift_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_in: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_out: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    worked_minutes: Mapped[int] = mapped_column(Integer, default=0)
    late_minutes: Mapped[int] = mapped_column(Integer, default=0)
    early_minutes: Mapped[int] = mapped_column(Integer, default=0)
    in_zone_minutes: Mapped[int] = mapped_column(Integer, default=0)
    off_zone_minutes: Mapped[int] = mapped_column(Integer, default=0)
    no_signal_minutes: Mapped[int] = mapped_column(Integer, default=0)
    leave_type: Mapped[str | None] = mapped_column(String(64))
    leave_part: Mapped[str | None] = mapped_column(String(4))  # full, am, pm
    claim_id: Mapped[uuid.UUID | None]
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)  # its month is closed
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        staff_fk(),
        UniqueConstraint("tenant_id", "staff_id", "day"),
        Index("ix_attendance_day_tenant_id_day", "tenant_id", "day"),
    )


class CorrectionStatus(StrEnum):
    IN_APPROVAL = "in_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class Correction(TenantOwned, Base):
    """A correction (补卡): a punch the person asks to add to a day, with a reason, through
    the approval engine; approved, it becomes a punch with source ``correction``."""

    __tablename__ = "attendance_correction"

    staff_id: Mapped[uuid.UUID]
    day: Mapped[date] = mapped_column(Date)  # the local date of ``at``
    kind: Mapped[str] = mapped_column(String(3))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    approval_id: Mapped[uuid.UUID | None]
    punch_id: Mapped[uuid.UUID | None]  # the punch it made, once approved
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        staff_fk(),
        CheckConstraint("kind IN ('in', 'out')", name="kind"),
        Index("ix_attendance_correction_tenant_id_staff_id", "tenant_id", "staff_id", "day"),
    )


class AttendancePeriod(TenantOwned, Base):
    """A month closed by an administrator: its days are locked on the sheet. Reopening
    (with a reason) unlocks them; closing again locks them anew."""

    __tablename__ = "attendance_period"

    month: Mapped[date] = mapped_column(Date)  # its first day
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[uuid.UUID]
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopened_by: Mapped[uuid.UUID | None]
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("tenant_id", "month"),
        CheckConstraint("extract(day FROM month) = 1", name="first_of_month"),
    )

    @property
    def closed(self) -> bool:
        return self.reopened_at is None
