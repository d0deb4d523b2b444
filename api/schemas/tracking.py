from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from geojson_pydantic import Feature, FeatureCollection, LineString, Point
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from api.schemas.geojson import GivenTime, UtcMicros, UtcTime
from api.schemas.types import (
    AccuracyM,
    AltitudeM,
    BatteryPct,
    BearingDeg,
    Finite,
    JsonObject,
    SpeedMps,
    Time,
)
from fieldforce.monitoring.machine import Status
from fieldforce.tracking.ingest import MAX_BATCH
from fieldforce.tracking.models import Source


class CellIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    radio: Annotated[str, StringConstraints(pattern=r"^(?i:gsm|umts|wcdma|cdma|lte|nr)$")]
    mcc: int = Field(ge=0, le=999)
    mnc: int = Field(ge=0, le=9999)
    area: int = Field(ge=0, le=2**31 - 1, description="LAC or TAC")
    cell: int = Field(ge=0, le=2**53, description="the cell id (LTE: the ECI)")
    signal_dbm: float | None = Field(default=None, ge=-150, le=0)


class WifiIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bssid: Annotated[
        str,
        StringConstraints(pattern=r"^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$"),
        AfterValidator(lambda v: v.lower().replace("-", ":")),
    ]
    signal_dbm: float | None = Field(default=None, ge=-150, le=0)


class PingItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(description="client-made UUID; re-sending it stores nothing twice")
    fix_time: Time = Field(description="when the fix was taken, with its offset")
    lon: Finite | None = Field(
        default=None,
        description="out of -180..180: the item is rejected, not the batch; left out (with "
        "lat) when the phone has no GPS position and sends `cells` or `wifi` instead",
    )
    lat: Finite | None = Field(
        default=None, description="out of -90..90: the item is rejected, not the batch"
    )
    cells: list[CellIn] | None = Field(
        default=None, max_length=32, description="cells heard, for a fix without lon/lat"
    )
    wifi: list[WifiIn] | None = Field(
        default=None, max_length=64, description="access points heard, for a fix without lon/lat"
    )
    accuracy_m: AccuracyM | None = None
    altitude_m: AltitudeM | None = None
    speed_mps: SpeedMps | None = None
    bearing_deg: BearingDeg | None = None
    battery_pct: BatteryPct | None = None
    source: Source | None = None
    mock: bool = False
    attributes: JsonObject | None = Field(default=None, max_length=50)

    @model_validator(mode="after")
    def _a_position_or_what_was_heard(self) -> PingItem:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("lon and lat come together")
        if self.lon is None and not (self.cells or self.wifi):
            raise ValueError("a fix has lon and lat, or the cells or Wi-Fi it heard")
        return self


class PingBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pings: list[PingItem] = Field(min_length=1, max_length=MAX_BATCH)


class PingResultOut(BaseModel):
    id: uuid.UUID
    status: str
    reason: str | None = None
    flags: list[str] | None = None


class PingBatchResult(BaseModel):
    results: list[PingResultOut]
    accepted: int
    duplicate: int
    rejected: int
    discarded: int


class StoredPing(BaseModel):
    id: uuid.UUID
    fix_time: datetime
    received_at: datetime
    device_id: uuid.UUID | None
    lon: float
    lat: float
    accuracy_m: float | None
    altitude_m: float | None
    speed_mps: float | None
    bearing_deg: float | None
    battery_pct: float | None
    source: str | None
    flags: list[str] = Field(description="empty for a good fix; otherwise why it is not used")
    attributes: dict[str, Any] | None


class DeviceReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    received_at: datetime
    kind: str
    payload: dict[str, Any]


class LocatedFix(BaseModel):
    ping_id: uuid.UUID
    fix_time: datetime
    lon: float
    lat: float
    accuracy_m: float | None


class LbsAsked(BaseModel):
    status: str = Field(description="pending, sending, located, failed, timeout or refused")
    error: str | None


class LocateRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    staff_id: uuid.UUID
    device_id: uuid.UUID | None = Field(description="none for the operator's LBS platform")
    channel: str = Field(
        description="push, next_reply (OwnTracks), unavailable (push off or no token) or "
        "lbs (the operator's platform)"
    )
    requested_at: datetime
    delivered_at: datetime | None
    answered_at: datetime | None
    ping_id: uuid.UUID | None
    fix: LocatedFix | None = None
    lbs: LbsAsked | None = None


class LocateRequests(BaseModel):
    requests: list[LocateRequestOut]


class PositionProperties(BaseModel):
    staff_id: uuid.UUID
    name: str
    org_unit_id: uuid.UUID
    fix_time: UtcMicros
    accuracy_m: float | None
    speed_mps: float | None
    bearing_deg: float | None
    battery_pct: float | None
    source: str | None = Field(
        default=None, description="where the fix came from: gps, network, cell, wifi or lbs"
    )
    good: bool = Field(
        default=True,
        description="false: placed by the network (cells, Wi-Fi, the operator's LBS) and too "
        "coarse to count as a good fix: shown with its accuracy, used for nothing else",
    )
    status: Status


PositionFeature = Feature[Point, PositionProperties]
PositionCollection = FeatureCollection[PositionFeature]


class TrackLineProperties(BaseModel):
    kind: Literal["track"]
    fixes: int = Field(description="good fixes in the period")
    points: int = Field(description="points of the line, once simplified")
    distance_m: float


class StopProperties(BaseModel):
    kind: Literal["stop"]
    start: UtcTime
    end: UtcTime
    duration_s: int
    customer_id: uuid.UUID | None = Field(
        default=None, description="the customer in scope the stop was at (within its radius)"
    )
    customer_name: str | None = None


class TripProperties(BaseModel):
    kind: Literal["trip"]
    start: UtcTime
    end: UtcTime
    duration_s: int
    distance_m: float


TrackProperties = Annotated[
    TrackLineProperties | StopProperties | TripProperties, Field(discriminator="kind")
]
TrackFeature = Feature[LineString | Point, TrackProperties]


class TrackCollection(FeatureCollection[TrackFeature]):
    """The track (a LineString), its stops (Points) and the trips between them (LineStrings)."""

    model_config = ConfigDict(populate_by_name=True)
    staff_id: uuid.UUID
    start: GivenTime = Field(alias="from")
    end: GivenTime = Field(alias="to")
    distance_m: float = Field(description="moving distance, good fixes only")
