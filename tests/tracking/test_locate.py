from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from fieldforce.notify import outbox, push
from fieldforce.notify.models import OutboxMessage
from fieldforce.settings import Settings
from fieldforce.tenancy.models import TenantSettings
from fieldforce.tracking.ingest import PingIn, Uploader, ingest_pings
from tests.notify.fake_fcm import FakeFcm
from tests.world import World


def register(client: TestClient, world: World, protocol: str) -> dict[str, str]:
    r = client.post(
        "/api/v1/devices",
        headers=world.headers("north.rep"),
        json={"staff_id": world.staff_id("north.rep"), "platform": "android", "protocol": protocol},
    )
    device = r.json()
    if protocol != "owntracks":
        client.put(
            f"/api/v1/devices/{device['id']}/push-token",
            headers=world.headers("north.rep"),
            json={"fcm_token": f"token-of-{protocol}-" + "z" * 60},
        )
    return device


def locate(client: TestClient, world: World, who: str = "north.sup") -> list[dict[str, object]]:
    r = client.post(
        f"/api/v1/staff/{world.staff_id('north.rep')}/locate", headers=world.headers(who)
    )
    assert r.status_code == 201, r.text
    return r.json()["requests"]  # type: ignore[no-any-return]


@pytest.fixture
def push_client(
    settings: Settings, fcm: tuple[FakeFcm, Settings], session_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    """A server whose own settings have FCM credentials."""
    with_push = settings.model_copy(update={"fcm_credentials_file": fcm[1].fcm_credentials_file})
    assert with_push.push_enabled
    with TestClient(create_app(with_push, session_factory), raise_server_exceptions=False) as c:
        yield c


def test_locate_reaches_each_kind_of_phone_its_own_way(
    push_client: TestClient,
    world: World,
    db: Session,
    session_factory: sessionmaker[Session],
    fcm: tuple[FakeFcm, Settings],
    sender: push.FcmSender,
) -> None:
    fake, settings = fcm
    client = push_client
    app_phone = register(client, world, "app")
    traccar = register(client, world, "osmand")
    owntracks = register(client, world, "owntracks")
    requests = {r["device_id"]: r for r in locate(client, world)}
    assert requests[app_phone["id"]]["channel"] == "push"
    assert requests[traccar["id"]]["channel"] == "push"
    assert requests[owntracks["id"]]["channel"] == "next_reply"

    outbox.deliver_due(session_factory, {"push": sender}, settings)
    by_token = {m["token"]: m for m in fake.delivered}
    app_msg = by_token["token-of-app-" + "z" * 60]
    assert "notification" not in app_msg  # silent
    assert app_msg["data"]["command"] == "locate"
    assert app_msg["data"]["request_id"] == requests[app_phone["id"]]["id"]
    assert by_token["token-of-osmand-" + "z" * 60]["data"]["command"] == "positionSingle"

    auth = (owntracks["identifier"], owntracks["secret"])
    r = client.post("/ingest/owntracks", auth=auth, json={"_type": "status"})
    assert r.json() == [{"_type": "cmd", "action": "reportLocation"}]
    assert client.post("/ingest/owntracks", auth=auth, json={"_type": "status"}).json() == []


def test_the_fix_after_the_request_answers_it(
    client: TestClient, world: World, db: Session
) -> None:
    owntracks = register(client, world, "owntracks")
    staff = world.staff["north.rep"]
    who = Uploader(staff.tenant_id, staff.id, None, TenantSettings())
    ingest_pings(
        db, who, [PingIn(uuid.uuid4(), datetime.now(UTC) - timedelta(minutes=30), 121.47, 31.23)]
    )  # an old fix does not answer
    db.commit()
    [request] = locate(client, world)
    url = f"/api/v1/locate-requests/{request['id']}"
    waiting = client.get(url, headers=world.headers("north.sup")).json()
    assert waiting["answered_at"] is None
    assert waiting["fix"] is None
    auth = (owntracks["identifier"], owntracks["secret"])
    client.post(
        "/ingest/owntracks",
        auth=auth,
        json={
            "_type": "location",
            "lat": 31.2305,
            "lon": 121.4738,
            "tst": int(time.time()),
            "acc": 9,
            "t": "r",
        },
    )
    answered = client.get(url, headers=world.headers("north.sup")).json()
    assert answered["fix"]["lon"] == 121.4738
    assert answered["fix"]["accuracy_m"] == 9
    assert answered["answered_at"] is not None
    listed = client.get(
        f"/api/v1/staff/{world.staff_id('north.rep')}/locate-requests",
        headers=world.headers("north.sup"),
    ).json()["items"]
    assert [r["ping_id"] for r in listed] == [answered["ping_id"]]


def test_locate_without_push_says_so(client: TestClient, world: World, db: Session) -> None:
    register(client, world, "app")
    [request] = locate(client, world)
    assert request["channel"] == "unavailable"
    assert db.scalars(select(OutboxMessage)).all() == []


def test_push_follows_the_servers_settings_not_the_environment(
    client: TestClient, world: World, db: Session, fcm: tuple[FakeFcm, Settings]
) -> None:
    """FCM credentials in the environment do not turn push on for a server configured
    without them: the settings it was given decide."""
    assert fcm[1].push_enabled  # the environment has them
    register(client, world, "app")
    [request] = locate(client, world)
    assert request["channel"] == "unavailable"
    assert db.scalars(select(OutboxMessage)).all() == []


def test_who_may_locate_whom(client: TestClient, world: World) -> None:
    register(client, world, "owntracks")
    url = f"/api/v1/staff/{world.staff_id('north.rep')}/locate"
    for who, status in (
        ("north.rep", 403),
        ("north.rep2", 403),
        ("south.manager", 404),
        ("other.admin", 404),
        ("north.manager", 201),
        ("admin", 201),
    ):
        assert client.post(url, headers=world.headers(who)).status_code == status, who
    [request] = locate(client, world)
    for who, status in (
        ("north.sup", 200),
        ("admin", 200),
        ("north.manager", 404),
        ("other.admin", 404),
    ):
        r = client.get(f"/api/v1/locate-requests/{request['id']}", headers=world.headers(who))
        assert r.status_code == status, who
    r = client.post(
        f"/api/v1/staff/{world.staff_id('north.sup')}/locate",
        headers=world.headers("north.manager"),
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "no_device"


def test_the_request_list_links_each_waiting_request_to_its_answer(
    client: TestClient, world: World, db: Session
) -> None:
    register(client, world, "owntracks")
    first, second = locate(client, world)[0], locate(client, world)[0]
    staff = world.staff["north.rep"]
    who = Uploader(staff.tenant_id, staff.id, None, TenantSettings())
    [fix] = [PingIn(uuid.uuid4(), datetime.now(UTC), 121.47, 31.23, accuracy_m=5)]
    ingest_pings(db, who, [fix])
    db.commit()
    listed = client.get(
        f"/api/v1/staff/{world.staff_id('north.rep')}/locate-requests",
        headers=world.headers("north.sup"),
    ).json()["items"]
    assert {r["id"] for r in listed} == {first["id"], second["id"]}
    assert [r["ping_id"] for r in listed] == [str(fix.id), str(fix.id)]
