"""How tracker apps authenticate: one answer for every refusal, a backoff on failures that
never locks a phone out from elsewhere, identifiers kept out of the logs, and uploads and
bodies bounded like the phone API's."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from fieldforce.auth.models import LoginAttempt
from fieldforce.devices import service as devices
from fieldforce.devices.models import Device
from fieldforce.settings import Settings
from fieldforce.tracking.ingest import MAX_BATCH
from fieldforce.tracking.models import DeviceReport, Ping
from tests.logcapture import json_logs
from tests.world import World

OWNTRACKS = "/ingest/owntracks"


def register(client: TestClient, world: World, protocol: str, who: str = "north.rep") -> dict:
    r = client.post(
        "/api/v1/devices",
        headers=world.headers(who),
        json={"staff_id": world.staff_id(who), "platform": "android", "protocol": protocol},
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def location(minutes_ago: float = 1) -> dict[str, object]:
    return {
        "_type": "location",
        "lat": 31.23,
        "lon": 121.47,
        "tst": int(time.time() - 60 * minutes_ago),
    }


def stored_device(db: Session, device: dict[str, str]) -> Device:
    found = db.scalar(select(Device).where(Device.identified_by(device["identifier"])))
    assert found is not None
    return found


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def server_logs(capsys: pytest.CaptureFixture[str]) -> tuple[str, list[dict[str, object]]]:
    """What the service logged (the test's own HTTP client logs its URLs too)."""
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    server = [(line, e) for line, e in zip(lines, entries, strict=True) if e["logger"] != "httpx"]
    return "\n".join(line for line, _ in server), [e for _, e in server]


def test_every_refusal_answers_the_same_and_only_the_log_says_why(
    client: TestClient, world: World, db: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    good = register(client, world, "owntracks")
    revoked = register(client, world, "owntracks")
    client.post(f"/api/v1/devices/{revoked['id']}/revoke", headers=world.headers("north.rep"))
    disabled = register(client, world, "owntracks", who="north.rep2")
    client.patch(
        f"/api/v1/staff/{world.staff_id('north.rep2')}",
        headers=world.headers("admin"),
        json={"active": False},
    )
    osmand, app = register(client, world, "osmand"), register(client, world, "app")
    attempts = [
        ("unknown", ("a" * 40, good["secret"])),
        ("wrong_secret", (good["identifier"], "not-the-secret")),
        ("revoked", (revoked["identifier"], revoked["secret"])),
        ("account_disabled", (disabled["identifier"], disabled["secret"])),
        ("wrong_protocol", (osmand["identifier"], osmand["secret"])),
        ("wrong_protocol", (app["identifier"], app["secret"])),
    ]
    answers = set()
    with json_logs():
        for _, auth in attempts:
            r = client.post(OWNTRACKS, auth=auth, json=location())
            assert r.status_code == 401
            assert r.headers["www-authenticate"] == 'Basic realm="fieldforce"'
            error = r.json()["error"]
            answers.add((error["code"], error["message"], json.dumps(error.get("details"))))
    assert answers == {("invalid_client", "wrong device identifier or secret", "null")}
    assert count(db, Ping) == 0
    err, entries = server_logs(capsys)
    refused = [e for e in entries if e["event"] == "tracker_refused"]
    assert sorted(str(e["reason"]) for e in refused) == sorted(why for why, _ in attempts)
    assert {e["fingerprint"] for e in refused if e["reason"] == "revoked"} == {
        revoked["fingerprint"]
    }
    for _, (identifier, secret) in attempts:
        assert identifier not in err
        assert secret not in err


def test_tracker_identifiers_stay_out_of_the_logs(
    client: TestClient, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    osmand, owntracks = register(client, world, "osmand"), register(client, world, "owntracks")
    auth = (owntracks["identifier"], owntracks["secret"])
    too_old = str(int(time.time()) - 30 * 24 * 3600)  # refused, which is logged
    with json_logs():
        for extra in ({}, {"timestamp": too_old}):
            params = {"id": osmand["identifier"], "lat": "31.2", "lon": "121.4", **extra}
            assert client.get("/ingest/osmand", params=params).is_success
        upload = [location(), {**location(), "tst": too_old}]
        assert client.post(OWNTRACKS, auth=auth, json=upload).is_success
        assert client.post(OWNTRACKS, auth=auth, json={"_type": "location", "lat": 1}).is_success
    err, entries = server_logs(capsys)
    refusals = [e for e in entries if e["event"] == "tracker_ping_refused"]
    assert {e["fingerprint"] for e in refusals} == {osmand["fingerprint"], owntracks["fingerprint"]}
    assert {e["device_id"] for e in refusals} == {osmand["id"], owntracks["id"]}
    assert [e["device_id"] for e in entries if e["event"] == "owntracks_location_unreadable"] == [
        owntracks["id"]
    ]
    for secret in (osmand["identifier"], owntracks["identifier"], owntracks["secret"]):
        assert secret not in err


def test_failures_earn_a_backoff_per_device_and_address_that_never_blocks_other_addresses(
    app: FastAPI, client: TestClient, world: World, db: Session
) -> None:
    device = register(client, world, "owntracks")
    wrong = (device["identifier"], "wrong-secret")
    for _ in range(5):  # tracker_auth_free_failures
        assert client.post(OWNTRACKS, auth=wrong, json=location()).status_code == 401
    r = client.post(OWNTRACKS, auth=wrong, json=location())
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 2
    right = (device["identifier"], device["secret"])
    assert client.post(OWNTRACKS, auth=right, json=location()).status_code == 429
    with TestClient(app, client=("198.51.100.7", 40000)) as elsewhere:
        assert elsewhere.post(OWNTRACKS, auth=right, json=location(2)).status_code == 200
    attempts = db.scalars(select(LoginAttempt).where(LoginAttempt.login_key.like("owntracks/%")))
    assert {(a.ip, a.success) for a in attempts} == {("testclient", False)}
    assert all(device["identifier"] not in a.login_key for a in attempts)
    db.execute(text("UPDATE login_attempt SET at = at - interval '2 seconds'"))
    devices._verified.forget(uuid.UUID(device["id"]))  # as if a minute had passed
    assert client.post(OWNTRACKS, auth=right, json=location()).status_code == 200
    assert count(db, Ping) == 2


def test_guessed_identifiers_slow_their_address_but_never_a_real_phone_behind_it(
    client: TestClient,
    world: World,
    db: Session,
    settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    """Thousands of phones share a carrier's address: someone guessing identifiers from
    it is slowed down, the phones with real identifiers are not."""
    device = register(client, world, "owntracks")
    strict = settings.model_copy(update={"tracker_auth_free_failures_per_ip": 3})
    with TestClient(create_app(strict, session_factory)) as same_address:
        for n in range(3):  # each for another identifier
            r = same_address.post(OWNTRACKS, auth=(f"{n:040x}", "guess"), json=location())
            assert r.status_code == 401
        r = same_address.post(OWNTRACKS, auth=(f"{9:040x}", "guess"), json=location())
        assert r.status_code == 429
        assert r.json()["error"]["code"] == "too_many_requests"
        real = (device["identifier"], device["secret"])
        assert same_address.post(OWNTRACKS, auth=real, json=location()).status_code == 200
    assert count(db, Ping) == 1


def test_a_verified_secret_is_remembered_briefly_but_revocation_is_seen_at_once(
    client: TestClient, world: World, db: Session
) -> None:
    device = register(client, world, "owntracks")
    stored = stored_device(db, device)
    auth = (device["identifier"], device["secret"])
    assert not devices._verified.holds(stored, device["secret"])
    assert client.post(OWNTRACKS, auth=auth, json=location(3)).status_code == 200
    assert devices._verified.holds(stored, device["secret"])
    assert not devices._verified.holds(stored, "another-secret")
    assert (
        client.post(OWNTRACKS, auth=(device["identifier"], "x"), json=location()).status_code == 401
    )
    assert client.post(OWNTRACKS, auth=auth, json=location(2)).status_code == 200
    client.post(f"/api/v1/devices/{device['id']}/revoke", headers=world.headers("north.rep"))
    assert client.post(OWNTRACKS, auth=auth, json=location(1)).status_code == 401
    assert count(db, Ping) == 2


def test_a_remembered_secret_expires_and_ends_with_a_rotation(
    client: TestClient, world: World, db: Session
) -> None:
    device = register(client, world, "owntracks")
    stored = stored_device(db, device)
    cache = devices.VerifiedSecrets(ttl_s=0.05)
    cache.remember(stored, device["secret"])
    assert cache.holds(stored, device["secret"])
    time.sleep(0.06)
    assert not cache.holds(stored, device["secret"])
    cache.remember(stored, device["secret"])
    stored.secret_hash = "$argon2id$another-hash"  # rotated in another process
    assert not cache.holds(stored, device["secret"])


def test_owntracks_uploads_are_bounded_like_the_phone_api(
    client: TestClient, world: World, db: Session
) -> None:
    device = register(client, world, "owntracks")
    auth = (device["identifier"], device["secret"])
    too_many = [{**location(), "tst": int(time.time()) - 60 - i} for i in range(MAX_BATCH + 1)]
    r = client.post(OWNTRACKS, auth=auth, json=too_many)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "too_many_messages"
    assert r.json()["error"]["details"] == {"max": MAX_BATCH, "received": MAX_BATCH + 1}
    statuses = [{"_type": "status"}] * (MAX_BATCH + 1)
    assert client.post(OWNTRACKS, auth=auth, json=statuses).status_code == 422
    assert (count(db, Ping), count(db, DeviceReport)) == (0, 0)
    r = client.post(OWNTRACKS, auth=auth, json=too_many[:MAX_BATCH])
    assert r.status_code == 200
    assert count(db, Ping) == MAX_BATCH


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"_type": "status", "a": ' + b"[" * 40 + b"]" * 40 + b"}",
        b'{"_type": "status", "note": "nul \\u0000 here"}',
        b'{"_type": "status", "note": "half \\ud800 a pair"}',
        b'{"_type": "status", "\\u0000": 1}',
    ],
    ids=["100k-deep", "40-deep", "nul", "lone-surrogate", "nul-key"],
)
def test_unstorable_json_is_400_on_both_tracker_endpoints(
    client: TestClient, world: World, db: Session, body: bytes
) -> None:
    device = register(client, world, "owntracks")
    osmand = register(client, world, "osmand")
    json_type = {"content-type": "application/json"}
    r = client.post(
        OWNTRACKS, auth=(device["identifier"], device["secret"]), content=body, headers=json_type
    )
    assert r.status_code == 400, r.text
    r = client.post(
        "/ingest/osmand",
        content=body.replace(b'"_type"', f'"device_id": "{osmand["identifier"]}", "x"'.encode()),
        headers=json_type,
    )
    assert r.status_code == 400, r.text
    assert (count(db, Ping), count(db, DeviceReport)) == (0, 0)
