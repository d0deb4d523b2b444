"""Tracker apps talking to /ingest/osmand and /ingest/owntracks the way real apps do."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.devices.models import Device
from fieldforce.tracking.models import DeviceReport, LatestPosition, Ping
from tests.world import World


@pytest.fixture
def tracker(client: TestClient, world: World) -> dict[str, str]:
    r = client.post(
        "/api/v1/devices",
        headers=world.headers("north.rep"),
        json={"staff_id": world.staff_id("north.rep"), "platform": "android", "protocol": "osmand"},
    )
    assert r.status_code == 201
    return r.json()


def pings(db: Session, world: World) -> list[Ping]:
    db.expire_all()
    return list(
        db.scalars(
            select(Ping).where(Ping.staff_id == world.staff["north.rep"].id).order_by(Ping.fix_time)
        )
    )


def epoch(minutes_ago: float) -> int:
    return int(time.time() - minutes_ago * 60)


def test_osmand_query_string_form_and_json(
    client: TestClient, world: World, db: Session, tracker: dict[str, str]
) -> None:
    ident = tracker["identifier"]
    r = client.get(
        "/ingest/osmand",
        params={
            "id": ident,
            "lat": "31.2304",
            "lon": "121.4737",
            "timestamp": str(epoch(3)),
            "speed": "10",
            "bearing": "45",
            "accuracy": "8",
            "batt": "81",
            "hdop": "0.8",
        },
    )
    assert r.status_code == 200
    assert r.content == b""
    when = (datetime.now(UTC) - timedelta(minutes=2)).strftime("%Y-%m-%d %H:%M:%S")
    r = client.post(
        "/ingest/osmand",
        data={
            "deviceid": ident,
            "location": "31.2310,121.4740",
            "timestamp": when,
            "notificationToken": "fcm-" + "t" * 40,
        },
    )
    assert r.status_code == 200
    r = client.post(
        "/ingest/osmand",
        json={
            "device_id": ident,
            "location": {
                "timestamp": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
                "coords": {
                    "latitude": 31.2315,
                    "longitude": 121.4745,
                    "accuracy": 5,
                    "speed": 2.5,
                    "heading": -1,
                    "altitude": 10,
                },
                "battery": {"level": 0.5, "is_charging": True},
                "is_moving": True,
            },
        },
    )
    assert r.status_code == 200
    stored = pings(db, world)
    assert len(stored) == 3
    assert stored[0].speed_mps == pytest.approx(5.1444, abs=1e-3)
    assert stored[0].attributes == {"hdop": "0.8"}
    assert stored[2].speed_mps == pytest.approx(2.5)
    assert stored[2].battery_pct == pytest.approx(50)
    assert stored[2].bearing_deg is None
    device = db.scalar(select(Device).where(Device.identified_by(ident)))
    assert device is not None
    assert {p.device_id for p in stored} == {device.id}
    assert device.last_seen_at is not None
    position = db.get(LatestPosition, (world.tenant.id, world.staff["north.rep"].id))
    assert position is not None
    assert position.ping_id == stored[2].id


def test_osmand_resend_is_a_duplicate_and_invalid_fix_is_flagged(
    client: TestClient, world: World, db: Session, tracker: dict[str, str]
) -> None:
    params = {
        "id": tracker["identifier"],
        "lat": "31.2304",
        "lon": "121.4737",
        "timestamp": str(epoch(5) * 1000),
    }
    client.get("/ingest/osmand", params=params)
    client.get("/ingest/osmand", params=params)  # the app retries after a lost answer
    client.get("/ingest/osmand", params={**params, "timestamp": str(epoch(4)), "valid": "false"})
    stored = pings(db, world)
    assert len(stored) == 2
    assert [p.flags for p in stored] == [0, 8]


def test_osmand_unknown_or_missing_device_is_400_and_stores_nothing(
    client: TestClient, world: World, db: Session, tracker: dict[str, str]
) -> None:
    for params in (
        {"id": "nope", "lat": "31.2", "lon": "121.4"},
        {"lat": "31.2", "lon": "121.4"},
        {"id": tracker["identifier"], "lat": "x", "lon": "121.4"},
    ):
        r = client.get("/ingest/osmand", params=params)
        assert r.status_code == 400, params
        assert r.json()["error"]["code"] in ("unknown_device", "bad_request")
    client.post(f"/api/v1/devices/{tracker['id']}/revoke", headers=world.headers("north.rep"))
    r = client.get(
        "/ingest/osmand", params={"id": tracker["identifier"], "lat": "31.2", "lon": "121.4"}
    )
    assert r.status_code == 400
    assert pings(db, world) == []


def register(client: TestClient, world: World, protocol: str) -> dict[str, str]:
    r = client.post(
        "/api/v1/devices",
        headers=world.headers("north.rep"),
        json={"staff_id": world.staff_id("north.rep"), "platform": "android", "protocol": protocol},
    )
    assert r.status_code == 201
    return r.json()


def test_osmand_takes_only_osmand_devices(
    client: TestClient, world: World, db: Session, tracker: dict[str, str]
) -> None:
    """An app or OwnTracks device's identifier is no way around its secret or its token."""
    for protocol in ("app", "owntracks"):
        other = register(client, world, protocol)
        for r in (
            client.get("/ingest/osmand", params={"id": other["identifier"], "lat": 31, "lon": 121}),
            client.post(
                "/ingest/osmand",
                json={
                    "device_id": other["identifier"],
                    "location": {"coords": {"latitude": 31.2, "longitude": 121.4}},
                },
            ),
        ):
            assert r.status_code == 400
            assert r.json()["error"]["code"] == "unknown_device"
    assert pings(db, world) == []


def test_osmand_cannot_change_the_push_token(
    client: TestClient, world: World, db: Session, tracker: dict[str, str]
) -> None:
    url = f"/api/v1/devices/{tracker['id']}/push-token"
    token = "fcm-set-through-the-api-" + "a" * 40
    assert client.put(url, headers=world.headers("north.rep"), json={"fcm_token": token}).is_success
    for request in (
        lambda extra: client.get("/ingest/osmand", params=extra),
        lambda extra: client.post("/ingest/osmand", data=extra),
    ):
        r = request(
            {
                "id": tracker["identifier"],
                "lat": "31.2304",
                "lon": "121.4737",
                "timestamp": str(epoch(len(pings(db, world)) + 1)),
                "notificationToken": "fcm-of-an-attacker-" + "z" * 40,
            }
        )
        assert r.status_code == 200
    db.expire_all()
    device = db.scalar(select(Device).where(Device.identified_by(tracker["identifier"])))
    assert device is not None
    assert device.fcm_token == token
    assert [p.attributes for p in pings(db, world)] == [None, None]


@pytest.fixture
def owntracks_device(client: TestClient, world: World) -> dict[str, str]:
    r = client.post(
        "/api/v1/devices",
        headers=world.headers("north.rep"),
        json={"staff_id": world.staff_id("north.rep"), "platform": "ios", "protocol": "owntracks"},
    )
    return r.json()


def test_owntracks_location_and_other_types(
    client: TestClient, world: World, db: Session, owntracks_device: dict[str, str]
) -> None:
    auth = (owntracks_device["identifier"], owntracks_device["secret"])
    headers = {"X-Limit-U": "zhang", "X-Limit-D": "phone"}
    r = client.post(
        "/ingest/owntracks",
        auth=auth,
        headers=headers,
        json={
            "_type": "location",
            "lat": 31.2304,
            "lon": 121.4737,
            "tst": epoch(2),
            "acc": 12,
            "alt": 9,
            "vel": 18,
            "batt": 76,
            "bs": 1,
            "tid": "zl",
            "t": "p",
            "conn": "m",
            "topic": "owntracks/zhang/phone",
        },
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json() == []
    stored = pings(db, world)
    assert len(stored) == 1
    assert stored[0].speed_mps == pytest.approx(5.0)  # 18 km/h
    assert stored[0].attributes is not None
    assert stored[0].attributes["tid"] == "zl"
    for kind in ("transition", "waypoint", "waypoints", "lwt", "card", "status"):
        r = client.post("/ingest/owntracks", auth=auth, json={"_type": kind, "event": "enter"})
        assert r.status_code == 200
        assert r.json() == []
    kinds = db.scalars(select(DeviceReport.kind).order_by(DeviceReport.received_at)).all()
    assert sorted(kinds) == sorted(["transition", "waypoint", "waypoints", "lwt", "card", "status"])
    r = client.post("/ingest/owntracks", auth=auth, content=b"")
    assert r.status_code == 200
    assert r.json() == []


def test_owntracks_credentials_are_required(
    client: TestClient, world: World, db: Session, owntracks_device: dict[str, str]
) -> None:
    msg = {"_type": "location", "lat": 31.2, "lon": 121.4, "tst": epoch(1)}
    r = client.post(
        "/ingest/owntracks",
        json=msg,
        headers={"X-Limit-U": "x", "X-Limit-D": owntracks_device["identifier"]},
    )
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Basic")
    r = client.post(
        "/ingest/owntracks", json=msg, auth=(owntracks_device["identifier"], "wrong-secret")
    )
    assert r.status_code == 401
    assert db.scalar(select(func.count()).select_from(Ping)) == 0


def test_tracker_apps_of_a_tenant_without_tracking_are_refused(
    client: TestClient, world: World, db: Session, owntracks_device: dict[str, str]
) -> None:
    client.patch("/api/v1/tenant", headers=world.headers("admin"), json={"modules": ["visits"]})
    auth = (owntracks_device["identifier"], owntracks_device["secret"])
    r = client.post(
        "/ingest/owntracks",
        auth=auth,
        json={"_type": "location", "lat": 31.2, "lon": 121.4, "tst": epoch(1)},
    )
    assert r.status_code == 403
    assert db.scalar(select(func.count()).select_from(Ping)) == 0


def test_tracker_uploads_keep_attributes_bounded_like_the_phone_api(
    client: TestClient,
    world: World,
    db: Session,
    tracker: dict[str, str],
    owntracks_device: dict[str, str],
) -> None:
    extra = {f"x{n}": "v" for n in range(20_000)}
    big = {"big": "b" * 5_000, "k" * 100: "long name"}
    r = client.post(
        "/ingest/osmand",
        data={
            "id": tracker["identifier"],
            "lat": "31.2304",
            "lon": "121.4737",
            "timestamp": str(epoch(3)),
            **big,
            **extra,
        },
    )
    assert r.status_code == 200
    [stored] = pings(db, world)
    assert stored.attributes is not None
    assert len(stored.attributes) == 50
    assert "big" not in stored.attributes
    assert "k" * 100 not in stored.attributes
    auth = (owntracks_device["identifier"], owntracks_device["secret"])
    r = client.post(
        "/ingest/owntracks",
        auth=auth,
        json=[{"_type": "t" * 100_000}, {"_type": "card", "face": "f" * 20_000}, {"_type": "lwt"}],
    )
    assert r.status_code == 200
    reports = db.scalars(select(DeviceReport).order_by(DeviceReport.kind)).all()
    assert [(d.kind, d.payload) for d in reports] == [
        ("lwt", {"_type": "lwt"}),
        ("oversized", {"_type": "t" * 32, "bytes": 100_013}),
        ("oversized", {"_type": "card", "bytes": 20_029}),
    ]
