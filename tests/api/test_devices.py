from __future__ import annotations

import hashlib
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from fieldforce.devices.models import Device
from fieldforce.devices.service import TrackerLogin, authenticate_owntracks
from fieldforce.errors import Unauthorized
from fieldforce.settings import Settings
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


def login(device: dict[str, str], secret: str | None = None) -> TrackerLogin:
    return TrackerLogin(device["identifier"], secret or device["secret"], "192.0.2.1")


def test_register_shows_the_credentials_once_and_stores_only_their_hashes(
    client: TestClient, world: World, db: Session
) -> None:
    device = register(client, world)
    identifier = device["identifier"]
    assert len(identifier) == 40
    assert len(device["secret"]) >= 32
    assert device["fingerprint"] == f"{identifier[:4]}…{identifier[-4:]}"
    stored = db.scalar(select(Device).where(Device.identified_by(identifier)))
    assert stored is not None
    assert stored.identifier_hash == hashlib.sha256(identifier.encode()).hexdigest()
    assert stored.secret_hash.startswith("$argon2")
    row = db.execute(text("SELECT row_to_json(d)::text FROM device d")).scalar_one()
    assert identifier not in row
    assert device["secret"] not in row
    listed = client.get(DEVICES, headers=world.headers("north.rep")).json()["items"]
    shown = client.get(f"{DEVICES}/{device['id']}", headers=world.headers("north.manager")).json()
    assert [d["id"] for d in listed] == [device["id"]]
    for answer in (listed[0], shown):
        assert answer["fingerprint"] == device["fingerprint"]
        assert "identifier" not in answer
        assert "secret" not in answer
        assert identifier not in json.dumps(answer)


def test_tracker_credentials_rotate_and_revoke(
    client: TestClient, world: World, db: Session, settings: Settings
) -> None:
    device = register(client, world)
    assert authenticate_owntracks(db, settings, login(device)).id is not None
    with pytest.raises(Unauthorized):
        authenticate_owntracks(db, settings, login(device, "wrong"))
    rotated = client.post(
        f"{DEVICES}/{device['id']}/secret", headers=world.headers("north.manager")
    ).json()
    assert rotated["id"] == device["id"]
    assert rotated["identifier"] != device["identifier"]
    assert rotated["fingerprint"] != device["fingerprint"]
    db.expire_all()
    with pytest.raises(Unauthorized):  # the old identifier and secret stop working
        authenticate_owntracks(db, settings, login(device))
    with pytest.raises(Unauthorized):
        authenticate_owntracks(db, settings, login(rotated, device["secret"]))
    authenticate_owntracks(db, settings, login(rotated))
    r = client.post(f"{DEVICES}/{device['id']}/revoke", headers=world.headers("north.manager"))
    assert r.status_code == 200
    assert r.json()["revoked_at"] is not None
    db.expire_all()
    with pytest.raises(Unauthorized) as err:  # revocation is seen even with a remembered secret
        authenticate_owntracks(db, settings, login(rotated))
    assert err.value.code == "invalid_client"
    assert client.get(DEVICES, headers=world.headers("north.rep")).json()["items"] == []
    listed = client.get(
        DEVICES, headers=world.headers("north.rep"), params={"include_revoked": "true"}
    ).json()["items"]
    assert [d["id"] for d in listed] == [device["id"]]


def test_tracker_of_disabled_staff_is_refused(
    client: TestClient, world: World, db: Session, settings: Settings
) -> None:
    device = register(client, world)
    authenticate_owntracks(db, settings, login(device))
    client.patch(
        f"/api/v1/staff/{world.staff_id('north.rep')}",
        headers=world.headers("admin"),
        json={"active": False},
    )
    db.expire_all()
    with pytest.raises(Unauthorized) as err:
        authenticate_owntracks(db, settings, login(device))
    assert err.value.code == "invalid_client"


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


def test_answers_carrying_credentials_are_not_cached(client: TestClient, world: World) -> None:
    headers = world.headers("north.rep")
    r = client.post(
        DEVICES,
        headers=headers,
        json={"staff_id": world.staff_id("north.rep"), "platform": "android", "protocol": "app"},
    )
    rotated = client.post(f"{DEVICES}/{r.json()['id']}/secret", headers=headers)
    for answer in (r, rotated):
        assert answer.status_code in (200, 201), answer.text
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["pragma"] == "no-cache"
    shown = client.get(f"{DEVICES}/{r.json()['id']}", headers=headers)
    assert "pragma" not in shown.headers  # answers without credentials are left alone
