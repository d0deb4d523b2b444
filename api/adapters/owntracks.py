"""OwnTracks in HTTP mode."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.adapters.common import (
    ACCURACY_M,
    ALTITUDE_M,
    BATTERY_PCT,
    BEARING_DEG,
    KMH_MPS,
    SPEED_MPS,
    ProtocolError,
    optional_float,
    parse_float,
    ping_id,
    storable_attributes,
)
from api.schemas.types import check_time
from fieldforce.tracking.ingest import PingIn

SPEED_KMH = (SPEED_MPS[0] / KMH_MPS, SPEED_MPS[1] / KMH_MPS)
LOCATION_FIELDS = {"_type", "lat", "lon", "tst", "acc", "alt", "vel", "cog", "batt"}


class Command(BaseModel):
    """A command for the phone in the answer to an upload (OwnTracks' `cmd` message)."""

    model_config = ConfigDict(populate_by_name=True)
    type: Literal["cmd"] = Field(alias="_type")
    action: Literal["reportLocation"] = Field(description="send a fix now")


MAX_REPORT_BYTES = 16 * 1024  # a non-location message kept whole up to this size


def report(msg: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The kind and payload to keep of a message that is not a location: the message
    itself, or, when it is too large to keep, only its kind and size."""
    kind = str(msg.get("_type", "unknown"))[:32]
    size = len(json.dumps(msg))
    if size > MAX_REPORT_BYTES:
        return "oversized", {"_type": kind, "bytes": size}
    return kind, dict(msg)


def parse_location(identifier: str, msg: Mapping[str, Any]) -> PingIn:
    """A ``_type: location`` message: tst in epoch seconds, vel in km/h; fields that are
    zero may be left out. Everything else is kept as attributes."""
    if "lat" not in msg or "lon" not in msg or "tst" not in msg:
        raise ProtocolError("a location needs 'lat', 'lon' and 'tst'")
    lat, lon = parse_float(msg["lat"], "lat"), parse_float(msg["lon"], "lon")
    try:
        fix_time = check_time(datetime.fromtimestamp(int(msg["tst"]), UTC))
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise ProtocolError(f"'tst' is not epoch seconds: {msg['tst']!r}") from exc
    vel = optional_float(msg.get("vel"), "vel", SPEED_KMH, negative_is_unknown=True)
    attributes = storable_attributes({k: v for k, v in msg.items() if k not in LOCATION_FIELDS})
    return PingIn(
        id=ping_id(identifier, fix_time, lat, lon),
        fix_time=fix_time,
        lon=lon,
        lat=lat,
        accuracy_m=optional_float(msg.get("acc"), "acc", ACCURACY_M, negative_is_unknown=True),
        altitude_m=optional_float(msg.get("alt"), "alt", ALTITUDE_M),
        speed_mps=vel * KMH_MPS if vel is not None else None,
        bearing_deg=optional_float(msg.get("cog"), "cog", BEARING_DEG, negative_is_unknown=True),
        battery_pct=optional_float(msg.get("batt"), "batt", BATTERY_PCT, negative_is_unknown=True),
        attributes=attributes,
    )
