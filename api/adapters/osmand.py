"""The OsmAnd protocol as Traccar Client (and OsmAnd, and many GPS apps) speak it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.adapters.common import (
    ACCURACY_M,
    ALTITUDE_M,
    BATTERY_PCT,
    BEARING_DEG,
    KNOT_MPS,
    SPEED_MPS,
    ProtocolError,
    check_identifier,
    optional_float,
    parse_bool,
    parse_float,
    parse_timestamp,
    ping_id,
    storable_attributes,
)
from fieldforce.tracking.ingest import PingIn

SPEED_KNOTS = (SPEED_MPS[0] / KNOT_MPS, SPEED_MPS[1] / KNOT_MPS)
KNOWN = {
    "id",
    "deviceid",
    "lat",
    "lon",
    "location",
    "timestamp",
    "speed",
    "bearing",
    "heading",
    "altitude",
    "accuracy",
    "batt",
    "valid",
    "mock",
    "notificationToken",
}


@dataclass(frozen=True)
class OsmandReport:
    identifier: str
    ping: PingIn
    notification_token: str | None


def parse_params(params: Mapping[str, str], now: datetime) -> OsmandReport:
    """Query-string or form parameters."""
    identifier = check_identifier((params.get("id") or params.get("deviceid") or "").strip())
    if not identifier:
        raise ProtocolError("missing device id ('id' or 'deviceid')")
    if params.get("location"):
        lat_s, _, lon_s = params["location"].partition(",")
        lat, lon = parse_float(lat_s, "location"), parse_float(lon_s, "location")
    elif "lat" in params and "lon" in params:
        lat, lon = parse_float(params["lat"], "lat"), parse_float(params["lon"], "lon")
    else:
        raise ProtocolError("missing position ('lat' and 'lon', or 'location')")
    fix_time = parse_timestamp(params["timestamp"]) if params.get("timestamp") else now
    speed_knots = optional_float(
        params.get("speed"), "speed", SPEED_KNOTS, negative_is_unknown=True
    )
    attributes = storable_attributes({k: v for k, v in params.items() if k not in KNOWN})
    return OsmandReport(
        identifier=identifier,
        ping=PingIn(
            id=ping_id(identifier, fix_time, lat, lon),
            fix_time=fix_time,
            lon=lon,
            lat=lat,
            accuracy_m=optional_float(
                params.get("accuracy"), "accuracy", ACCURACY_M, negative_is_unknown=True
            ),
            altitude_m=optional_float(params.get("altitude"), "altitude", ALTITUDE_M),
            speed_mps=speed_knots * KNOT_MPS if speed_knots is not None else None,
            bearing_deg=optional_float(
                params.get("bearing") or params.get("heading"),
                "bearing",
                BEARING_DEG,
                negative_is_unknown=True,
            ),
            battery_pct=optional_float(params.get("batt"), "batt", BATTERY_PCT),
            mock=parse_bool(params.get("mock", "false")),
            valid=parse_bool(params.get("valid", "true")),
            attributes=attributes,
        ),
        notification_token=params.get("notificationToken") or None,
    )


def parse_json(body: Mapping[str, Any], now: datetime) -> OsmandReport:
    """Traccar Client 9.x: ``{"device_id", "location": {"timestamp", "coords": {...}}}``;
    speed in m/s, negative speed or heading meaning unknown, battery level 0–1."""
    identifier = check_identifier(str(body.get("device_id") or body.get("id") or "").strip())
    if not identifier:
        raise ProtocolError("missing 'device_id'")
    location = body.get("location")
    if not isinstance(location, Mapping) or not isinstance(location.get("coords"), Mapping):
        raise ProtocolError("missing 'location.coords'")
    coords = location["coords"]
    lat = parse_float(coords.get("latitude"), "latitude")
    lon = parse_float(coords.get("longitude"), "longitude")
    stamp = location.get("timestamp")
    fix_time = parse_timestamp(str(stamp)) if stamp not in (None, "") else now
    raw_battery = location.get("battery")
    battery: Mapping[str, Any] = raw_battery if isinstance(raw_battery, Mapping) else {}
    level = optional_float(
        battery.get("level"), "battery.level", (0.0, 1.0), negative_is_unknown=True
    )
    attributes: dict[str, Any] = {}
    for key in ("is_moving", "odometer", "event", "extras", "uuid"):
        if location.get(key) not in (None, {}, ""):
            attributes[key] = location[key]
    if isinstance(location.get("activity"), Mapping) and location["activity"].get("type"):
        attributes["activity"] = location["activity"]["type"]
    if "is_charging" in battery:
        attributes["charge"] = bool(battery["is_charging"])
    return OsmandReport(
        identifier=identifier,
        ping=PingIn(
            id=ping_id(identifier, fix_time, lat, lon),
            fix_time=fix_time,
            lon=lon,
            lat=lat,
            accuracy_m=optional_float(
                coords.get("accuracy"), "accuracy", ACCURACY_M, negative_is_unknown=True
            ),
            altitude_m=optional_float(coords.get("altitude"), "altitude", ALTITUDE_M),
            speed_mps=optional_float(
                coords.get("speed"), "speed", SPEED_MPS, negative_is_unknown=True
            ),
            bearing_deg=optional_float(
                coords.get("heading"), "heading", BEARING_DEG, negative_is_unknown=True
            ),
            battery_pct=level * 100 if level is not None else None,
            mock=bool(location.get("mock", False)),
            attributes=storable_attributes(attributes),
        ),
        notification_token=None,
    )
