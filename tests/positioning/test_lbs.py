"""The operator's LBS platform, with a local HTTP server standing in for the gateway:
answers in WGS-84, GCJ-02 and BD-09 land within 5 m of the truth; without consent nothing
is asked; the quota is reported; a gateway that hangs is reported as a timeout and the
worker goes on; withdrawing consent stops what waits; polling asks for on-duty people
without a recent fix; the settings, the consent and the questions have their scope."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce import locating
from fieldforce.org.models import Staff
from fieldforce.positioning import lbs_worker
from fieldforce.positioning.lbs import Reading
from fieldforce.positioning.models import LbsConsent, LbsRequest, LbsStatus
from fieldforce.settings import Settings
from fieldforce.tracking.models import Ping
from geo.crs import from_wgs84
from geo.distance import distance_m
from tests.notify.fake_sms import HANG, FakeSmsGateway, running_fake_sms
from tests.world import World

GATEWAY = "/api/v1/tenant/lbs-gateway"
TRUTH = (120.1551, 30.2741)  # West Lake, Hangzhou, in WGS-84
SECRET = "Bearer lbs-secret-1"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The stand-in gateway listens on loopback, which only the operator's allow list opens."""
    return settings.model_copy(update={"outbound_allow": "127.0.0.1"})


@pytest.fixture
def gateway() -> Iterator[FakeSmsGateway]:
    with running_fake_sms() as fake:
        yield fake


@pytest.fixture
def worker(settings: Settings) -> Iterator[tuple[httpx.Client, ThreadPoolExecutor]]:
    client = settings.outbound_policy.client()
    pool = ThreadPoolExecutor(2)
    yield client, pool
    pool.shutdown()
    client.close()


def configure(client: TestClient, world: World, url: str, **extra: Any) -> None:
    body = {
        "url": url,
        "auth_value": SECRET,
        "body_template": '{"msisdn": "$phone", "ref": "$request_id"}',
        "lon_pointer": "/data/location/lng",
        "lat_pointer": "/data/location/lat",
        "accuracy_pointer": "/data/radius",
        "time_pointer": "/data/ts",
    } | extra
    r = client.put(GATEWAY, headers=world.headers("admin"), json=body)
    assert r.status_code == 200, r.text


def reachable_by_phone(db: Session, world: World, who: str = "north.rep") -> Staff:
    staff = world.staff[who]
    staff.phone = "+86 138-0013-8000"
    db.flush()
    return staff


def consent(client: TestClient, world: World, who: str = "north.rep", by: str | None = None) -> Any:
    given = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    return client.put(
        f"/api/v1/staff/{world.staff_id(who)}/lbs-consent",
        headers=world.headers(by or who),
        json={"given_at": given, "method": "sms_reply"},
    )


def answer(lon: float, lat: float, radius: float = 350, ts: Any = None) -> str:
    ts = ts if ts is not None else int(time.time() * 1000) - 20_000
    return json.dumps(
        {"code": 0, "data": {"location": {"lng": lon, "lat": lat}, "radius": radius, "ts": ts}}
    )


def locate(client: TestClient, world: World, who: str = "north.sup") -> dict[str, Any]:
    r = client.post(
        f"/api/v1/staff/{world.staff_id('north.rep')}/locate", headers=world.headers(who)
    )
    assert r.status_code == 201, r.text
    (request,) = [x for x in r.json()["requests"] if x["channel"] == "lbs"]
    return dict(request)


def run_worker(
    factory: sessionmaker[Session], worker: tuple[httpx.Client, ThreadPoolExecutor]
) -> int:
    client, pool = worker
    store = partial(locating.store_lbs_fix, push=False)
    return lbs_worker.deliver_due(factory, client, pool, store)


def question(db: Session, locate_request_id: str) -> LbsRequest:
    db.expire_all()
    row = db.scalar(select(LbsRequest).where(LbsRequest.locate_request_id == locate_request_id))
    assert row is not None
    return row


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_an_answer_in_any_datum_lands_within_five_metres(
    crs: str,
    client: TestClient,
    world: World,
    db: Session,
    gateway: FakeSmsGateway,
    worker: tuple[httpx.Client, ThreadPoolExecutor],
    session_factory: sessionmaker[Session],
) -> None:
    configure(client, world, gateway.url, crs=crs)
    reachable_by_phone(db, world)
    assert consent(client, world).status_code == 200
    given = from_wgs84(*TRUTH, crs) if crs != "wgs84" else TRUTH
    gateway.answer_next((200, answer(*given)))
    asked = locate(client, world)
    assert asked["device_id"] is None
    assert asked["lbs"] == {"status": "pending", "error": None}
    assert run_worker(session_factory, worker) == 1
    (sent,) = gateway.received
    assert sent.headers["authorization"] == SECRET
    assert json.loads(sent.body)["msisdn"] == "+86 138-0013-8000"
    row = question(db, asked["id"])
    assert row.status == "located", row.error
    assert row.lon is not None
    assert row.lat is not None
    assert distance_m(row.lon, row.lat, *TRUTH) < 5
    ping = db.scalar(select(Ping).where(Ping.id == row.ping_id))
    assert ping is not None
    assert (ping.source, ping.accuracy_m) == ("lbs", 350)
    positions = client.get("/api/v1/positions", headers=world.headers("north.sup")).json()
    (shown,) = [
        f["properties"]
        for f in positions["features"]
        if f["properties"]["staff_id"] == world.staff_id("north.rep")
    ]
    assert (shown["source"], shown["accuracy_m"], shown["good"]) == ("lbs", 350, False)
    read = client.get(f"/api/v1/locate-requests/{asked['id']}", headers=world.headers("north.sup"))
    assert read.json()["fix"]["ping_id"] == str(row.ping_id)
    assert read.json()["lbs"]["status"] == "located"


def test_nobody_is_asked_about_without_consent_or_beyond_the_quota(
    client: TestClient,
    world: World,
    db: Session,
    gateway: FakeSmsGateway,
    worker: tuple[httpx.Client, ThreadPoolExecutor],
    session_factory: sessionmaker[Session],
) -> None:
    configure(client, world, gateway.url, daily_quota=1)
    reachable_by_phone(db, world)
    refused = locate(client, world)
    assert refused["lbs"] == {"status": "refused", "error": "no consent recorded"}
    assert consent(client, world, by="north.sup").status_code == 200
    first = locate(client, world)
    assert first["lbs"]["status"] == "pending"
    over = locate(client, world)
    assert over["lbs"] == {"status": "refused", "error": "today's quota of 1 is used up"}
    usage = client.get("/api/v1/tenant/lbs-usage", headers=world.headers("admin")).json()
    assert (usage["used"], usage["quota"], usage["consenting"]) == (1, 1, 1)
    gateway.answer_next((200, answer(*TRUTH)))
    assert run_worker(session_factory, worker) == 1
    assert len(gateway.received) == 1  # the refused ones were never sent


@pytest.mark.parametrize(
    ("scripted", "status", "error"),
    [
        ((HANG, ""), "timeout", "no answer within 0.5 s"),
        ((503, '{"busy": true}'), "failed", 'HTTP 503: {"busy": true}'),
        ((200, "<html>ok</html>"), "failed", "the answer is not JSON"),
        ((200, '{"data": {}}'), "failed", "the answer has no longitude at /data/location/lng"),
        ((200, answer(0, 0)), "failed", "the answer's position 0.0, 0.0 is not on the globe"),
    ],
)
def test_a_failing_gateway_is_reported_per_question(
    scripted: tuple[int, str],
    status: str,
    error: str,
    client: TestClient,
    world: World,
    db: Session,
    gateway: FakeSmsGateway,
    worker: tuple[httpx.Client, ThreadPoolExecutor],
    session_factory: sessionmaker[Session],
) -> None:
    configure(client, world, gateway.url, timeout_s=0.5)
    reachable_by_phone(db, world)
    consent(client, world)
    gateway.answer_next(scripted, (200, answer(*TRUTH)))
    asked = locate(client, world)
    began = time.monotonic()
    assert run_worker(session_factory, worker) == 1
    assert time.monotonic() - began < 5
    row = question(db, asked["id"])
    assert (row.status, row.error) == (status, error)
    # the worker goes on: the next question is answered
    again = locate(client, world)
    assert run_worker(session_factory, worker) == 1
    assert question(db, again["id"]).status == "located"


def test_withdrawing_consent_stops_what_waits(
    client: TestClient,
    world: World,
    db: Session,
    gateway: FakeSmsGateway,
    worker: tuple[httpx.Client, ThreadPoolExecutor],
    session_factory: sessionmaker[Session],
) -> None:
    configure(client, world, gateway.url)
    reachable_by_phone(db, world)
    consent(client, world)
    asked = locate(client, world)
    r = client.delete(
        f"/api/v1/staff/{world.staff_id('north.rep')}/lbs-consent",
        headers=world.headers("north.rep"),
    )
    assert r.status_code == 204
    assert run_worker(session_factory, worker) == 0
    assert gateway.received == []
    row = question(db, asked["id"])
    assert (row.status, row.error) == ("refused", "consent withdrawn")
    assert locate(client, world)["lbs"]["error"] == "no consent recorded"


def test_polling_asks_for_people_on_duty_without_a_recent_fix(
    client: TestClient, world: World, db: Session, gateway: FakeSmsGateway
) -> None:
    configure(client, world, gateway.url, poll_every_min=15)
    reachable_by_phone(db, world)
    reachable_by_phone(db, world, "north.rep2")
    consent(client, world)
    consent(client, world, "north.rep2")
    now = datetime.now(UTC)
    fix = {
        "id": "6a0c3c52-0000-4000-8000-000000000001",
        "fix_time": now.isoformat(),
        "lon": TRUTH[0],
        "lat": TRUTH[1],
        "accuracy_m": 8,
    }
    sent = client.post("/api/v1/pings", headers=world.headers("north.rep2"), json={"pings": [fix]})
    assert sent.json()["accepted"] == 1
    assert locating.poll_due(db, now) == 1  # north.rep: no fix; north.rep2 reported just now
    assert locating.poll_due(db, now + timedelta(minutes=5)) == 0  # asked within 15 minutes
    polled = db.scalars(select(LbsRequest).where(LbsRequest.reason == "poll")).all()
    assert [p.staff_id for p in polled] == [world.staff["north.rep"].id]


def test_who_may_set_the_gateway_and_record_consent(
    client: TestClient, world: World, db: Session
) -> None:
    good = {"url": "https://lbs.example.com/locate", "lon_pointer": "/lon", "lat_pointer": "/lat"}
    for who, status in (("north.manager", 403), ("north.rep", 403)):
        assert client.put(GATEWAY, headers=world.headers(who), json=good).status_code == status
    bad = [
        good | {"lon_pointer": "lon"},  # not a pointer
        good | {"body_template": '{"to": "$mobile"}'},  # not $phone
        good | {"crs": "osgb36"},
        good | {"timeout_s": 60},
        good | {"url": "ftp://lbs.example.com/"},
    ]
    for body in bad:
        r = client.put(GATEWAY, headers=world.headers("admin"), json=body)
        assert r.status_code == 422, body
    assert client.get(GATEWAY, headers=world.headers("admin")).status_code == 404
    r = client.put(GATEWAY, headers=world.headers("admin"), json=good | {"auth_value": "k"})
    assert r.status_code == 200
    assert "auth_value" not in r.json()
    assert client.get(GATEWAY, headers=world.headers("other.admin")).status_code == 404
    before = db.scalar(select(func.count()).select_from(LbsConsent))
    assert consent(client, world, "north.rep", by="north.rep2").status_code == 403
    for who in ("south.manager", "other.admin"):
        assert consent(client, world, "north.rep", by=who).status_code == 404
    future = client.put(
        f"/api/v1/staff/{world.staff_id('north.rep')}/lbs-consent",
        headers=world.headers("north.rep"),
        json={"given_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(), "method": "written"},
    )
    assert (future.status_code, future.json()["error"]["code"]) == (422, "consent_in_future")
    assert db.scalar(select(func.count()).select_from(LbsConsent)) == before
    assert consent(client, world, "north.rep", by="north.manager").status_code == 200
    url = f"/api/v1/staff/{world.staff_id('north.rep')}/lbs-consent"
    assert client.get(url, headers=world.headers("north.rep")).json()["method"] == "sms_reply"
    other = f"/api/v1/staff/{world.staff_id('north.rep2')}/lbs-consent"
    assert client.get(other, headers=world.headers("north.manager")).json()["given"] is False
    assert client.get(url, headers=world.headers("south.manager")).status_code == 404
    assert client.delete(url, headers=world.headers("north.rep2")).status_code == 403
    for who in ("north.manager", "north.rep"):
        usage = client.get("/api/v1/tenant/lbs-usage", headers=world.headers(who))
        assert usage.status_code == 403, who
    requests_url = f"/api/v1/staff/{world.staff_id('north.rep')}/lbs-requests"
    for who in ("south.manager", "other.admin"):
        assert client.get(requests_url, headers=world.headers(who)).status_code == 404, who
    assert client.get(requests_url, headers=world.headers("north.rep")).json()["items"] == []
    assert client.delete(GATEWAY, headers=world.headers("north.manager")).status_code == 403
    assert client.delete(GATEWAY, headers=world.headers("other.admin")).status_code == 404
    assert client.get(GATEWAY, headers=world.headers("admin")).status_code == 200


def test_a_gateway_on_a_private_address_is_refused_when_saved(
    closed_client: TestClient, world: World
) -> None:
    body = {"url": "http://10.0.0.7/locate", "lon_pointer": "/lon", "lat_pointer": "/lat"}
    r = closed_client.put(GATEWAY, headers=world.headers("admin"), json=body)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "destination_refused")


@pytest.fixture
def closed_client(
    settings: Settings, session_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    from api.app import create_app

    closed = settings.model_copy(update={"outbound_allow": ""})
    with TestClient(create_app(closed, session_factory)) as c:
        yield c


def test_an_answer_after_the_consent_was_withdrawn_is_not_kept(
    client: TestClient,
    world: World,
    db: Session,
    gateway: FakeSmsGateway,
    worker: tuple[httpx.Client, ThreadPoolExecutor],
    session_factory: sessionmaker[Session],
) -> None:
    configure(client, world, gateway.url)
    reachable_by_phone(db, world)
    consent(client, world)
    asked = locate(client, world)
    claimed = lbs_worker.claim(session_factory, datetime.now(UTC))
    assert [str(c.id) for c in claimed] != []
    url = f"/api/v1/staff/{world.staff_id('north.rep')}/lbs-consent"
    assert client.delete(url, headers=world.headers("north.rep")).status_code == 204
    outcome = lbs_worker.Outcome(claimed[0], LbsStatus.LOCATED, reading=Reading(*TRUTH, 100, None))
    store = partial(locating.store_lbs_fix, push=False)
    lbs_worker.record(session_factory, [outcome], store, datetime.now(UTC))
    row = question(db, asked["id"])
    assert (row.status, row.error, row.ping_id) == ("refused", "consent withdrawn", None)
