"""Tenants: one operator (or one customer of a hosted deployment) each."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Boolean, DateTime, String, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, new_id


class Module(StrEnum):
    TRACKING = "tracking"
    ATTENDANCE = "attendance"
    VISITS = "visits"
    INSPECTIONS = "inspections"
    LEAVE = "leave"
    TRAVEL = "travel"
    NOTICES = "notices"


ALL_MODULES = [m.value for m in Module]


class DutyPeriod(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weekday: int = Field(ge=0, le=6, description="Monday 0 … Sunday 6")
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")


def _default_week() -> list[DutyPeriod]:
    return [DutyPeriod(weekday=d, start="08:30", end="18:00") for d in range(6)]


CityTier = Annotated[int, Field(ge=1, le=9)]


class TravelLimit(BaseModel):
    """A daily limit of one expense category on a travel claim, for holders of a role
    (any role when unset) in cities of a tier (any tier when unset), in the claims'
    currency. Where several apply, the most specific decides (role and tier, then one of
    them, then neither), the highest amount among equally specific ones."""

    model_config = ConfigDict(extra="forbid")
    category: str = Field(pattern="^(transport|lodging|meals|mileage|other)$")
    amount: float = Field(gt=0, le=1_000_000)
    role: str | None = Field(default=None, pattern="^(admin|manager|supervisor|rep|finance)$")
    tier: int | None = Field(default=None, ge=1, le=9)


PunchAction = Literal["refuse", "flag"]
PUNCH_OUTSIDE_KEYS = ("default", "work_area", "office", "customer_site")


def _flag_outside() -> dict[str, PunchAction]:
    return {"default": "flag"}


class TenantSettings(BaseModel):
    """Thresholds of DESIGN §4/§5, per tenant. Unset keys take these defaults."""

    model_config = ConfigDict(extra="forbid")

    # tracking quality
    accuracy_limit_m: float = Field(default=150, gt=0, le=10_000)
    max_speed_mps: float = Field(default=70, gt=0, le=1_000)
    future_tolerance_s: int = Field(default=300, ge=0, le=86_400)
    upload_window_days: int = Field(default=7, ge=1, le=90)
    retention_days: int = Field(default=180, ge=1, le=3_650)
    track_off_duty: bool = False
    # off-zone monitoring
    offzone_margin_m: float = Field(default=20, ge=0, le=5_000)
    offzone_dwell_s: int = Field(default=600, ge=0, le=86_400)
    offzone_min_fixes: int = Field(default=2, ge=1, le=100)
    no_signal_after_s: int = Field(default=1200, ge=60, le=86_400)
    late_arrival_grace_s: int = Field(default=900, ge=0, le=86_400)
    default_duty_week: list[DutyPeriod] = Field(default_factory=_default_week)
    # tracks
    stop_min_duration_s: int = Field(default=300, ge=30, le=86_400)
    stop_radius_m: float = Field(default=100, gt=0, le=10_000)
    # visits and inspections
    visit_radius_m: float = Field(default=100, gt=0, le=10_000)
    visit_accuracy_cap_m: float = Field(default=50, ge=0, le=1_000)
    visit_policy: str = Field(default="store_unverified", pattern="^(store_unverified|refuse)$")
    visit_auto_close_h: int = Field(default=4, ge=1, le=24)  # a visit never checked out
    # tasks
    task_reminder_before_s: int = Field(default=3600, ge=0, le=7 * 86_400)
    # travel claims
    travel_destination_radius_m: float = Field(default=1000, gt=0, le=100_000)
    travel_overclaim_factor: float = Field(default=1.2, ge=1, le=10)
    travel_overclaim_slack_m: float = Field(default=5000, ge=0, le=1_000_000)
    travel_currency: str = Field(default="CNY", pattern="^[A-Z]{3}$")
    travel_mileage_rate: float | None = Field(default=None, gt=0, le=1_000)  # per km
    travel_daily_limits: list[TravelLimit] = Field(default_factory=list, max_length=500)
    travel_city_tiers: dict[str, CityTier] = Field(default_factory=dict, max_length=5000)
    # approvals: a step waiting this long reminds its approvers, then goes one level up
    approval_remind_after_h: int = Field(default=24, ge=1, le=720)
    approval_escalate_after_h: int = Field(default=72, ge=1, le=2160)
    # leave: the requester's cancellation of approved leave goes through the approval flow
    leave_cancel_needs_approval: bool = False
    # attendance punches (org units may set their own: fieldforce.attendance.policy)
    attendance_outside: dict[str, PunchAction] = Field(
        default_factory=_flag_outside,
        description="what a punch outside the person's zones gets, by the kind of zone it "
        "is nearest to ('default' for the rest): refuse, or accept and flag",
    )
    attendance_mock: PunchAction = "refuse"
    attendance_field_punches: bool = True  # 外勤打卡, with a note
    attendance_field_photo_required: bool = False
    attendance_offline_window_h: int = Field(default=72, ge=1, le=720)
    # a clock-out forgotten: closed at the shift's end, at a fixed local time, or at the last
    # good fix of the shift, once the shift's end is this long past
    attendance_auto_close: str = Field(default="shift_end", pattern="^(shift_end|fixed|last_fix)$")
    attendance_auto_close_at: str = Field(default="23:59", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    attendance_auto_close_after_min: int = Field(default=120, ge=0, le=24 * 60)
    # people without a punch button: their first and last good fix in a zone during the
    # shift count as clock-in and clock-out (fieldforce.attendance.fromfixes)
    attendance_from_fixes: Literal["off", "tracker_apps", "everyone"] = "off"
    # the daily sheet: minutes of grace before a day counts late or early, and the worked
    # minutes below which a shift day is a half day or an absence
    attendance_late_grace_min: int = Field(default=5, ge=0, le=240)
    attendance_early_grace_min: int = Field(default=5, ge=0, le=240)
    attendance_half_day_below_min: int = Field(default=240, ge=0, le=24 * 60)
    attendance_absent_below_min: int = Field(default=60, ge=0, le=24 * 60)

    @model_validator(mode="after")
    def _escalate_after_reminding(self) -> Self:
        if self.approval_escalate_after_h <= self.approval_remind_after_h:
            raise ValueError("approval_escalate_after_h must be more than approval_remind_after_h")
        return self

    @field_validator("attendance_outside")
    @classmethod
    def _outside_keys(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - set(PUNCH_OUTSIDE_KEYS)
        if unknown:
            raise ValueError(f"keys are {', '.join(PUNCH_OUTSIDE_KEYS)}; not {sorted(unknown)}")
        return value

    def merged(self, changes: dict[str, Any]) -> TenantSettings:
        return TenantSettings.model_validate({**self.model_dump(), **changes})


class Tenant(Base):
    __tablename__ = "tenant"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=new_id, server_default=text("gen_random_uuid()")
    )
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # the SMS gateway (fieldforce.notify.sms.SmsGateway), with its secret; never shown whole
    sms_gateway: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    lbs_gateway: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    modules: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=lambda: ALL_MODULES)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    @property
    def effective_settings(self) -> TenantSettings:
        return TenantSettings.model_validate(self.settings or {})
