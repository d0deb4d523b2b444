"""Tracker-protocol parsing: every timestamp form and unit conversion, checked numerically."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.adapters import osmand, owntracks
from api.adapters.common import ProtocolError, parse_timestamp

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
T = datetime(2025, 11, 22, 8, 26, 40, tzinfo=UTC)  # epoch 1763800000


@pytest.mark.parametrize(
    "value",
    [
        "1763800000",
        "1763800000000",
        "2025-11-22T08:26:40Z",
        "2025-11-22T08:26:40.000Z",
        "2025-11-22T16:26:40+08:00",
        "2025-11-22T08:26:40",
        "2025-11-22 08:26:40",
    ],
)
def test_every_timestamp_form_means_the_same_moment(value: str) -> None:
    assert parse_timestamp(value) == T


@pytest.mark.parametrize("value", ["yesterday", "2025-13-45 99:00:00", "12:00", ""])
def test_unreadable_timestamps_are_protocol_errors(value: str) -> None:
    with pytest.raises(ProtocolError):
        parse_timestamp(value)


def test_osmand_query_parameters() -> None:
    report = osmand.parse_params(
        {
            "id": "7f3c9a",
            "lat": "31.2304",
            "lon": "121.4737",
            "timestamp": "1763800000",
            "speed": "10",
            "bearing": "90",
            "altitude": "12",
            "accuracy": "8",
            "batt": "81",
            "hdop": "0.9",
            "charge": "true",
            "notificationToken": "tok-123",
        },
        NOW,
    )
    p = report.ping
    assert report.identifier == "7f3c9a"
    assert (p.lon, p.lat, p.fix_time) == (121.4737, 31.2304, T)
    assert p.speed_mps == pytest.approx(5.14444, abs=1e-4)  # 10 knots
    assert (p.bearing_deg, p.altitude_m, p.accuracy_m, p.battery_pct) == (90, 12, 8, 81)
    assert p.attributes == {"hdop": "0.9", "charge": "true"}
    assert report.notification_token == "tok-123"
    assert p.valid is True
    assert p.mock is False


def test_osmand_variants() -> None:
    report = osmand.parse_params(
        {
            "deviceid": "abc",
            "location": "31.5,121.5",
            "heading": "-1",
            "valid": "0",
            "mock": "true",
        },
        NOW,
    )
    p = report.ping
    assert (p.lat, p.lon) == (31.5, 121.5)
    assert p.fix_time == NOW  # no timestamp: server time
    assert p.bearing_deg is None
    assert p.valid is False
    assert p.mock is True
    again = osmand.parse_params(
        {"deviceid": "abc", "location": "31.5,121.5", "timestamp": "2026-11-22 12:00:00"}, NOW
    )
    assert (
        again.ping.id
        == osmand.parse_params(
            {"id": "abc", "lat": "31.5", "lon": "121.5", "timestamp": str(int(NOW.timestamp()))},
            NOW,
        ).ping.id
    )
    for bad in (
        {"lat": "1", "lon": "2"},
        {"id": "x", "lat": "1"},
        {"id": "x", "lat": "a", "lon": "2"},
    ):
        with pytest.raises(ProtocolError):
            osmand.parse_params(bad, NOW)


def test_osmand_json_body_of_traccar_client_9() -> None:
    body = {
        "device_id": "7f3c9a",
        "location": {
            "timestamp": "2025-11-22T08:26:40.000Z",
            "coords": {
                "latitude": 31.2304,
                "longitude": 121.4737,
                "accuracy": 8,
                "speed": 3.5,
                "heading": -1,
                "altitude": 12,
            },
            "is_moving": False,
            "odometer": 0,
            "event": "motionchange",
            "battery": {"level": 0.81, "is_charging": False},
            "activity": {"type": "still"},
            "mock": False,
            "extras": {},
        },
    }
    p = osmand.parse_json(body, NOW).ping
    assert p.fix_time == T
    assert p.speed_mps == 3.5  # already m/s
    assert p.bearing_deg is None  # -1: unknown
    assert p.battery_pct == pytest.approx(81)
    assert p.attributes == {
        "is_moving": False,
        "odometer": 0,
        "event": "motionchange",
        "activity": "still",
        "charge": False,
    }
    body["location"]["coords"]["speed"] = -1  # type: ignore[index]
    assert osmand.parse_json(body, NOW).ping.speed_mps is None
    with pytest.raises(ProtocolError):
        osmand.parse_json({"device_id": "x", "location": {}}, NOW)


def test_owntracks_location() -> None:
    p = owntracks.parse_location(
        "dev",
        {
            "_type": "location",
            "lat": 31.2304,
            "lon": 121.4737,
            "tst": 1763800000,
            "acc": 12,
            "alt": 9,
            "vel": 36,
            "cog": 270,
            "batt": 76,
            "bs": 1,
            "tid": "zl",
            "t": "p",
            "conn": "m",
            "topic": "owntracks/zhang/phone",
            "inregions": ["office"],
        },
    )
    assert p.fix_time == T
    assert p.speed_mps == pytest.approx(10.0)  # 36 km/h
    assert (p.accuracy_m, p.altitude_m, p.bearing_deg, p.battery_pct) == (12, 9, 270, 76)
    assert p.attributes == {
        "bs": 1,
        "tid": "zl",
        "t": "p",
        "conn": "m",
        "topic": "owntracks/zhang/phone",
        "inregions": ["office"],
    }
    zeros_left_out = owntracks.parse_location(
        "dev", {"_type": "location", "lat": 1.5, "lon": 2.5, "tst": 1763800000}
    )
    assert zeros_left_out.speed_mps is None
    with pytest.raises(ProtocolError):
        owntracks.parse_location("dev", {"_type": "location", "lat": 1, "lon": 2})
