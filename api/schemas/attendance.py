from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import ORM
from api.schemas.types import AccuracyM, Lat, Line, Lon, Text, Time
from fieldforce.attendance.policy import Rules

Bssid = Annotated[Line, StringConstraints(strip_whitespace=True, min_length=12, max_length=17)]


class WifiSeen(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bssid: Bssid = Field(description="the access point's MAC, e.g. aa:bb:cc:dd:ee:ff")
    ssid: Annotated[Line, StringConstraints(max_length=64)] | None = None
    signal_dbm: Annotated[float, Field(ge=-150, le=0, allow_inf_nan=False)] | None = None


class PunchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(description="made by the phone; sending it again is a duplicate")
    kind: Literal["in", "out"]
    time: Time = Field(description="when the person punched, by the phone's clock")
    lon: Lon | None = None
    lat: Lat | None = None
    accuracy_m: AccuracyM | None = None
    mock: bool = Field(default=False, description="the phone says its location is mocked")
    wifi: list[WifiSeen] = Field(
        default_factory=list,
        max_length=50,
        description="access points the phone sees; one registered on the person's zone "
        "makes the punch inside whatever the GPS accuracy",
    )
    field: bool = Field(default=False, description="外勤打卡: work outside, with a note")
    note: Annotated[Text, StringConstraints(max_length=500)] | None = None
    photo_id: uuid.UUID | None = Field(
        default=None, description="one's own upload (POST /api/v1/attachments)"
    )


class PunchOut(ORM):
    id: uuid.UUID
    staff_id: uuid.UUID
    kind: str
    status: str = Field(description="accepted, duplicate (sent before) or refused")
    reason: str | None = Field(
        description="why refused: outside, mock_location, too_old, future_time, "
        "field_not_allowed, photo_required, already_clocked_in, already_clocked_out, "
        "not_clocked_in, period_closed"
    )
    verdict: str = Field(description="inside, outside or uncertain")
    basis: str = Field(description="gps, wifi or no_zone (nobody assigned a zone)")
    zone_id: uuid.UUID | None
    distance_m: float | None = Field(description="to the zone's border: inside > 0")
    wifi_bssid: str | None
    field: bool
    note: str | None
    photo_id: uuid.UUID | None
    flags: list[str]
    source: str
    time: datetime
    received_at: datetime
    lon: float | None
    lat: float | None
    accuracy_m: float | None
    attendance_id: uuid.UUID | None


class WifiIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bssid: Bssid
    ssid: Annotated[Line, StringConstraints(strip_whitespace=True, max_length=64)] | None = None


class WifiOut(ORM):
    id: uuid.UUID
    zone_id: uuid.UUID
    bssid: str
    ssid: str | None
    created_at: datetime


class DayOut(ORM):
    staff_id: uuid.UUID
    day: date
    status: str = Field(
        description="present, late, early_leave, half_day, absent, on_leave, holiday, "
        "rest_day or business_trip"
    )
    flags: list[str] = Field(
        description="in_progress, no_clock_out, auto_clock_out, field, half_day_leave, "
        "early_leave (on a late day), worked_day_off, corrected, from_fixes (clocked by the "
        "tracker app's fixes), after_closing (changed by a correction after its month was "
        "closed)"
    )
    shift_start: datetime | None
    shift_end: datetime | None
    first_in: datetime | None
    last_out: datetime | None
    worked_minutes: int
    late_minutes: int
    early_minutes: int
    in_zone_minutes: int
    off_zone_minutes: int
    no_signal_minutes: int
    leave_type: str | None
    leave_part: str | None = Field(description="full, am or pm")
    claim_id: uuid.UUID | None = Field(description="the approved trip of a business_trip day")
    locked: bool = Field(description="its month is closed: late data no longer changes it")
    computed_at: datetime


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["in", "out"] = Field(description="the punch that is missing")
    time: Time = Field(description="when it should have been")
    reason: Annotated[Text, StringConstraints(min_length=1, max_length=1000)]


class ResubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    time: Time | None = None
    reason: Annotated[Text, StringConstraints(min_length=1, max_length=1000)] | None = None


class CorrectionOut(ORM):
    id: uuid.UUID
    staff_id: uuid.UUID
    day: date
    kind: str
    time: datetime = Field(validation_alias="at")
    reason: str
    status: str = Field(description="in_approval, approved, rejected, returned or withdrawn")
    approval_id: uuid.UUID | None
    punch_id: uuid.UUID | None = Field(description="the punch it made, once approved")
    created_at: datetime
    decided_at: datetime | None


class LegendOut(BaseModel):
    code: str
    status: str
    zh: str
    en: str


class MonthlyRow(BaseModel):
    staff_id: uuid.UUID
    login: str
    name: str
    employee_code: str | None
    org_unit: str
    codes: list[str] = Field(description="a status code per day of the month (see legend)")
    present_days: Decimal
    late_days: int
    early_leave_days: int
    absent_days: Decimal
    business_trip_days: int
    leave_days: dict[str, Decimal] = Field(description="by leave type code")
    worked_hours: Decimal
    overtime_hours: Decimal = Field(description="worked beyond the shift, and on days off")
    corrected_days: int


class MonthlyOut(BaseModel):
    month: str
    days: list[date]
    leave_types: list[str]
    legend: list[LegendOut]
    items: list[MonthlyRow]
    next_cursor: None = None
    computed_at: datetime
    closed_at: datetime | None = Field(description="when the month was closed, if it is")


class ExceptionOut(BaseModel):
    day: date
    staff_id: uuid.UUID
    login: str
    name: str
    org_unit: str
    status: str
    flags: list[str]
    first_in: datetime | None
    last_out: datetime | None
    late_minutes: int
    early_minutes: int
    worked_minutes: int
    refused_punches: int
    flagged_punches: int = Field(description="accepted, but outside or by a mock location")


class PunchListRow(BaseModel):
    time: datetime
    received_at: datetime | None
    login: str
    name: str
    org_unit: str
    kind: str
    status: str
    reason: str | None
    verdict: str
    basis: str
    distance_m: float | None
    accuracy_m: float | None
    field: bool
    flags: list[str]
    note: str | None
    source: str


class PeriodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM, a month that is over")


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[Text, StringConstraints(min_length=1, max_length=1000)]


class PeriodOut(BaseModel):
    month: str
    closed: bool
    closed_at: datetime
    closed_by: uuid.UUID
    reopened_at: datetime | None
    reopened_by: uuid.UUID | None
    reopen_reason: str | None
    locked_days: int | None = Field(default=None, description="days locked by this closing")


class PolicyOut(BaseModel):
    org_unit_id: uuid.UUID
    rules: Rules = Field(description="what this unit sets; the rest comes from above")


__all__ = [
    "CorrectionIn",
    "CorrectionOut",
    "DayOut",
    "ExceptionOut",
    "PeriodIn",
    "PeriodOut",
    "PolicyOut",
    "PunchIn",
    "PunchListRow",
    "PunchOut",
    "ReopenIn",
    "ResubmitIn",
    "Rules",
    "WifiIn",
    "WifiOut",
    "WifiSeen",
]
