from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.devices.models import Device
from fieldforce.devices.service import authenticate_tracker
from fieldforce.errors import Unauthorized
from tests.world import World

DEVICES = "/api/v1/devices"


def register(
    client: TestClient, world: World, who: str = "north.rep", protocol: str = "owntracks"
) -> dict[str, str]:
    r = client.post(
        DEVICES,
        headers=world.headers(who),
        json={
            "staff_id": world.staff_id(who),
            "platform": "android",
            "protocol": protocol,
            "name": "Work phone",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_register_shows_the_secret_once_and_stores_it_hashed(
    client: TestClient, world: World, db: Session
) -> None:
    device = register(client, world)
    assert len(device["identifier"]) == 40
    assert len(device["secret"]) >= 32
    stored = db.scalar(select(Device).where(Device.identifier == device["identifier"]))
    assert stored is not None
    assert device["secret"] not in stored.secret_hash
    assert stored.secret_hash.startswith("$argon2")
    listed = client.get(DEVICES, headers=world.headers("north.rep")).json()["items"]
    assert [d["id"] for d in listed] == [device["id"]]
    assert "secret" not in listed[0]
    assert (
        "secret"
        not in client.get(f"{DEVICES}/{device['id']}", headers=world.headers("north.rep")).json()
    )


def test_tracker_credentials_rotate_and_revoke(
    client: TestClient, world: World, db: Session
) -> None:
    device = register(client, world)
    assert authenticate_tracker(db, device["identifier"], device["secret"]).id is not None
    with pytest.raises(Unauthorized):
        authenticate_tracker(db, device["identifier"], "wrong")
    rotated = client.post(
        f"{DEVICES}/{device['id']}/secret", headers=world.headers("north.manager")
    ).json()
    assert rotated["identifier"] == device["identifier"]
    with pytest.raises(Unauthorized):
        authenticate_tracker(db, device["identifier"], device["secret"])
    authenticate_tracker(db, device["identifier"], rotated["secret"])
    r = client.post(f"{DEVICES}/{device['id']}/revoke", headers=world.headers("north.manager"))
    assert r.status_code == 200
    assert r.json()["revoked_at"] is not None
    db.expire_all()
    with pytest.raises(Unauthorized) as err:
        authenticate_tracker(db, device["identifier"], rotated["secret"])
    assert err.value.code == "device_revoked"
    assert client.get(DEVICES, headers=world.headers("north.rep")).json()["items"] == []
    listed = client.get(
        DEVICES, headers=world.headers("north.rep"), params={"include_revoked": "true"}
    ).json()["items"]
    assert [d["id"] for d in listed] == [device["id"]]


def test_tracker_of_disabled_staff_is_refused(
    client: TestClient, world: World, db: Session
) -> None:
    device = register(client, world)
    client.patch(
        f"/api/v1/staff/{world.staff_id('north.rep')}",
        headers=world.headers("admin"),
        json={"active": False},
    )
    db.expire_all()
    with pytest.raises(Unauthorized) as err:
        authenticate_tracker(db, device["identifier"], device["secret"])
    assert err.value.code == "account_disabled"


def test_push_token_is_set_by_the_phone_owner_only(client: TestClient, world: World) -> None:
    device = register(client, world, protocol="app")
    url = f"{DEVICES}/{device['id']}/push-token"
    token = "fcm-token-" + "x" * 140
    r = client.put(url, headers=world.headers("north.manager"), json={"fcm_token": token})
    assert r.status_code == 403
    r = client.put(url, headers=world.headers("north.rep"), json={"fcm_token": token})
    assert r.status_code == 200
    assert r.json()["has_push_token"] is True
    r = client.put(url, headers=world.headers("north.rep"), json={"fcm_token": "short"})
    assert r.status_code == 422
    r = client.put(url, headers=world.headers("north.rep"), json={"fcm_token": None})
    assert r.json()["has_push_token"] is False


def test_bad_device_input_writes_nothing(client: TestClient, world: World, db: Session) -> None:
    headers = world.headers("admin")
    for body in (
        {"staff_id": world.staff_id("north.rep"), "platform": "nokia", "protocol": "app"},
        {"staff_id": world.staff_id("north.rep"), "platform": "ios", "protocol": "gt06"},
        {"staff_id": "x", "platform": "ios", "protocol": "app"},
        {"platform": "ios", "protocol": "app"},
    ):
        assert client.post(DEVICES, headers=headers, json=body).status_code == 422
    client.patch(
        f"/api/v1/staff/{world.staff_id('north.rep')}", headers=headers, json={"active": False}
    )
    r = client.post(
        DEVICES,
        headers=headers,
        json={"staff_id": world.staff_id("north.rep"), "platform": "ios", "protocol": "app"},
    )
    assert r.json()["error"]["code"] == "inactive_staff"
    assert db.scalar(select(func.count()).select_from(Device)) == 0


def test_tracker_apps_need_the_tracking_module(client: TestClient, world: World) -> None:
    r = client.patch(
        "/api/v1/tenant",
        headers=world.headers("admin"),
        json={"modules": ["visits", "leave", "notices"]},
    )
    assert r.status_code == 200
    assert r.json()["modules"] == ["visits", "leave", "notices"]
    r = client.post(
        DEVICES,
        headers=world.headers("north.rep"),
        json={"staff_id": world.staff_id("north.rep"), "platform": "android", "protocol": "osmand"},
    )
    assert r.status_code == 403
    assert r.json()["error"] == {
        "code": "module_disabled",
        "message": "the 'tracking' module is not enabled for this tenant",
        "details": {"module": "tracking"},
        "request_id": r.headers["x-request-id"],
    }
    # a phone for notices still registers
    r = client.post(
        DEVICES,
        headers=world.headers("north.rep"),
        json={"staff_id": world.staff_id("north.rep"), "platform": "android", "protocol": "app"},
    )
    assert r.status_code == 201
