"""SMS fallback through a tenant's HTTP gateway, answered by a local server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from fieldforce.devices.models import Device
from fieldforce.notify import outbox, push, sms
from fieldforce.notify.models import OutboxMessage
from fieldforce.notify.service import deliver
from fieldforce.notify.sms_sender import SmsSender
from fieldforce.org.models import Staff
from fieldforce.settings import Settings
from fieldforce.tenancy.models import Tenant
from tests.logcapture import json_logs
from tests.notify.fake_fcm import QUOTA_EXCEEDED, UNREGISTERED, FakeFcm
from tests.notify.fake_sms import HANG, FakeSmsGateway, running_fake_sms
from tests.world import World

GATEWAY = "/api/v1/tenant/sms-gateway"
SECRET = "Bearer sms-secret-123"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The fake gateway listens on loopback, which only the operator's allow list opens."""
    return settings.model_copy(update={"outbound_allow": "127.0.0.1"})


@pytest.fixture
def closed(settings: Settings) -> Settings:
    """The settings as they come: no destination allowed beyond public addresses."""
    return settings.model_copy(update={"outbound_allow": ""})


@pytest.fixture
def closed_sender(closed: Settings) -> Iterator[SmsSender]:
    s = SmsSender(closed)
    yield s
    s.close()


@pytest.fixture
def closed_client(closed: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(closed, session_factory)) as c:
        yield c


@pytest.fixture
def gateway() -> Iterator[FakeSmsGateway]:
    with running_fake_sms() as fake:
        yield fake


@pytest.fixture
def sms_sender(settings: Settings) -> Iterator[SmsSender]:
    s = SmsSender(settings)
    yield s
    s.close()


def configure(db: Session, tenant: Tenant, url: str, **overrides: Any) -> None:
    config = {"url": url, "auth_value": SECRET, **overrides}
    tenant.sms_gateway = sms.SmsGateway.model_validate(config).model_dump(mode="json")
    db.commit()


def with_phone(db: Session, staff: Staff, number: str | None = "+86 138-0013-8000") -> Staff:
    staff.phone = number
    db.commit()
    return staff


def phone_with_token(db: Session, staff: Staff, token: str) -> Device:
    device = Device(
        tenant_id=staff.tenant_id,
        staff_id=staff.id,
        platform="android",
        protocol="app",
        identifier=uuid.uuid4().hex,
        secret_hash="x",
        fcm_token=token,
    )
    db.add(device)
    db.commit()
    return device


def queued(db: Session, channel: str | None = None) -> list[OutboxMessage]:
    db.expire_all()
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at)
    if channel:
        stmt = stmt.where(OutboxMessage.channel == channel)
    return list(db.scalars(stmt))


# --- the gateway settings ---


def test_gateway_settings_keep_their_secret(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    assert client.get(GATEWAY, headers=admin).json()["error"]["code"] == "no_sms_gateway"
    body = {
        "url": "https://sms.example.com/v2/send",
        "auth_header": "X-Api-Key",
        "auth_value": "k-123",
        "body_template": '{"mobile": "$phone", "content": "$text"}',
        "kinds": ["alert", "task"],
    }
    r = client.put(GATEWAY, headers=admin, json=body)
    assert r.status_code == 200, r.text
    shown = r.json()
    assert "auth_value" not in shown
    assert shown["auth_value_set"] is True
    assert shown["kinds"] == ["alert", "task"]
    assert shown["text_template"] == "$title: $body"  # the default
    # changing the template without the secret keeps the secret
    r = client.put(GATEWAY, headers=admin, json={**body, "auth_value": None} | {"max_length": 70})
    assert r.json()["auth_value_set"] is False  # null removes it
    client.put(GATEWAY, headers=admin, json=body)
    del body["auth_value"]
    r = client.put(GATEWAY, headers=admin, json=body)
    assert r.json()["auth_value_set"] is True
    assert "k-123" not in client.get(GATEWAY, headers=admin).text
    trail = client.get("/api/v1/audit", headers=admin).json()["items"]
    assert trail[0]["action"] == "tenant.sms_gateway.set"
    assert "k-123" not in json.dumps(trail)
    assert client.delete(GATEWAY, headers=admin).status_code == 204
    assert client.get(GATEWAY, headers=admin).status_code == 404
    assert client.delete(GATEWAY, headers=admin).status_code == 404


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"body_template": '{"to": "$phone", "text": "$txt"}'}, "unknown placeholders $txt"),
        ({"body_template": '{"to": "$phone"}'}, "must contain $text"),
        ({"body_template": '{"to": $phone, "text": "$text"}'}, "does not give JSON"),
        ({"body_template": '{"to": "$phone", "text": "$text", "fee": "5$"}'}, "write '$$'"),
        ({"text_template": "$title $recipient"}, "unknown placeholders $recipient"),
        ({"url": "ftp://sms.example.com"}, "URL"),
        ({"url": "not a url"}, "URL"),
        ({"auth_header": "Bad Header:"}, "header name"),
        ({"auth_header": "Content-Length"}, "set by the sender"),
        ({"auth_header": "X-Api-Key\n"}, "header name"),
        ({"auth_value": "Bearer clé"}, "visible ASCII"),
        ({"auth_value": "Bearer k\r\nX-Injected: 1"}, "visible ASCII"),
        ({"auth_value": "Bearer k\n"}, "visible ASCII"),
        ({"auth_value": " Bearer k"}, "visible ASCII"),
        ({"url": "https://user:pw@sms.example.com/send"}, "credentials"),
        ({"timeout_s": 0}, "greater than 0"),
        ({"kinds": ["gossip"]}, "kinds"),
        ({"retries": 3}, "retries"),
    ],
)
def test_bad_gateway_settings_are_refused_and_change_nothing(
    client: TestClient, world: World, change: dict[str, Any], says: str
) -> None:
    admin = world.headers("admin")
    good = {"url": "https://sms.example.com/send", "auth_value": "k"}
    assert client.put(GATEWAY, headers=admin, json=good).status_code == 200
    r = client.put(GATEWAY, headers=admin, json={**good, **change})
    assert r.status_code == 422
    assert says in r.text
    assert client.get(GATEWAY, headers=admin).json()["url"] == "https://sms.example.com/send"


def test_form_gateway_needs_no_json(client: TestClient, world: World) -> None:
    body = {
        "url": "http://sms.example.com/send",
        "content_type": "form",
        "body_template": "mobile=$phone&msg=$text&sign=ACME",
    }
    r = client.put(GATEWAY, headers=world.headers("admin"), json=body)
    assert r.status_code == 200, r.text


def test_only_admins_of_the_tenant_see_or_change_the_gateway(
    client: TestClient, world: World, gateway: FakeSmsGateway
) -> None:
    body = {"url": gateway.url}
    assert client.put(GATEWAY, headers=world.headers("admin"), json=body).status_code == 200
    for who in ("north.manager", "north.sup", "north.rep"):
        headers = world.headers(who)
        assert client.get(GATEWAY, headers=headers).status_code == 403
        assert client.put(GATEWAY, headers=headers, json=body).status_code == 403
        assert client.delete(GATEWAY, headers=headers).status_code == 403
        test = {"phone": "+8613800138000"}
        assert client.post(f"{GATEWAY}/test", headers=headers, json=test).status_code == 403
    other = world.headers("other.admin")
    assert client.get(GATEWAY, headers=other).status_code == 404  # theirs, not ours
    assert client.delete(GATEWAY, headers=other).status_code == 404
    assert client.get(GATEWAY, headers=world.headers("admin")).status_code == 200
    assert gateway.received == []


def test_test_message_reports_what_the_gateway_said(
    client: TestClient, db: Session, world: World, gateway: FakeSmsGateway
) -> None:
    admin = world.headers("admin")
    client.put(GATEWAY, headers=admin, json={"url": gateway.url, "auth_value": SECRET})
    r = client.post(f"{GATEWAY}/test", headers=admin, json={"phone": "+86 138 0013 8000"})
    assert r.json() == {"sent": True, "status": 200, "detail": '{"ok":true}'}
    [got] = gateway.received
    assert json.loads(got.body)["to"] == "+8613800138000"
    assert got.headers["authorization"] == SECRET
    gateway.answer_next((401, '{"error":"bad key"}'))
    r = client.post(f"{GATEWAY}/test", headers=admin, json={"phone": "+8613800138000"})
    assert r.json() == {"sent": False, "status": 401, "detail": '{"error":"bad key"}'}
    r = client.post(f"{GATEWAY}/test", headers=admin, json={"phone": "call me"})
    assert r.status_code == 422
    assert len(gateway.received) == 2
    assert queued(db) == []  # a test message is not queued
    trail = client.get("/api/v1/audit", headers=admin).json()["items"]
    assert trail[0]["action"] == "tenant.sms_gateway.test"
    assert trail[0]["changes"] == {"phone": "+8613800138000", "sent": False, "status": 401}


# --- rendering ---


def test_text_and_body_are_escaped_for_their_content_type() -> None:
    g = sms.SmsGateway.model_validate(
        {"url": "http://x/send", "text_template": "[$kind] $title\n$body", "max_length": 20}
    )
    text = g.render_text(title='Say "hi"', body="line one\nline two", kind="task", name="Li")
    assert text == '[task] Say "hi" lin…'
    assert len(text) == 20
    body = json.loads(g.render_body(phone="+86138", text='a "b"\n\\c 你好', message_id="sms:1"))
    assert body == {"to": "+86138", "text": 'a "b"\n\\c 你好', "id": "sms:1"}
    form = sms.SmsGateway.model_validate(
        {"url": "http://x/send", "content_type": "form", "body_template": "m=$phone&t=$text&$$=1"}
    )
    sent = parse_qs(form.render_body(phone="+86 138", text="a&b=c 你好", message_id="k"))
    assert sent == {"m": ["+86 138"], "t": ["a&b=c 你好"], "$": ["1"]}


# --- queueing and sending ---


def test_push_off_every_recipient_with_a_phone_gets_an_sms(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    settings: Settings,
    gateway: FakeSmsGateway,
    sms_sender: SmsSender,
) -> None:
    assert not settings.push_enabled
    configure(db, world.tenant, gateway.url)
    rep = with_phone(db, world.staff["north.rep"])
    nophone = world.staff["north.rep2"]
    deliver(
        db,
        rep.tenant_id,
        [rep.id, nophone.id],
        kind="task",
        title="Visit",
        body="Shop 12\nnow",
        push=False,
    )
    db.commit()
    [row] = queued(db)
    assert (row.channel, row.phone, row.device_id) == ("sms", "+8613800138000", None)
    assert outbox.deliver_due(session_factory, {"sms": sms_sender}, settings) == 1
    [got] = gateway.received
    assert got.path == "/send"
    assert got.headers["authorization"] == SECRET
    assert got.headers["content-type"].startswith("application/json")
    assert got.headers["idempotency-key"] == row.idempotency_key
    assert json.loads(got.body) == {
        "to": "+8613800138000",
        "text": "Visit: Shop 12 now",
        "id": row.idempotency_key,
    }
    [row] = queued(db)
    assert row.status == "sent"
    assert row.provider_id == '{"ok":true}'
    assert outbox.deliver_due(session_factory, {"sms": sms_sender}, settings) == 0


def test_no_gateway_no_sms_and_kinds_filter(
    db: Session, world: World, gateway: FakeSmsGateway
) -> None:
    rep = with_phone(db, world.staff["north.rep"])
    deliver(db, rep.tenant_id, [rep.id], kind="task", title="t", body="b", push=False)
    db.commit()
    assert queued(db) == []  # no gateway configured
    configure(db, world.tenant, gateway.url, kinds=["alert"])
    deliver(db, rep.tenant_id, [rep.id], kind="notice", title="t", body="b", push=False)
    assert queued(db) == []
    deliver(db, rep.tenant_id, [rep.id], kind="alert", title="t", body="b", push=False)
    assert len(queued(db, "sms")) == 1
    configure(db, world.tenant, gateway.url, enabled=False)
    deliver(db, rep.tenant_id, [rep.id], kind="alert", title="t", body="b", push=False)
    assert len(queued(db, "sms")) == 1
    # another tenant's gateway is not ours
    other_rep = with_phone(db, world.staff["other.rep"])
    deliver(db, other_rep.tenant_id, [other_rep.id], kind="alert", title="t", body="b", push=False)
    assert len(queued(db, "sms")) == 1


def test_push_on_only_those_without_a_token_get_an_sms(
    db: Session,
    world: World,
    fcm: tuple[FakeFcm, Settings],
    gateway: FakeSmsGateway,
) -> None:
    configure(db, world.tenant, gateway.url)
    with_push = with_phone(db, world.staff["north.rep"])
    phone_with_token(db, with_push, "token-" + "a" * 100)
    without = with_phone(db, world.staff["north.rep2"], "13900139000")
    deliver(
        db,
        with_push.tenant_id,
        [with_push.id, without.id],
        kind="task",
        title="t",
        body="b",
        push=True,
    )
    db.commit()
    rows = queued(db)
    assert sorted((r.channel, r.recipient_id) for r in rows) == sorted(
        [("push", with_push.id), ("sms", without.id)]
    )


def test_a_push_that_fails_for_good_falls_back_to_one_sms(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    fcm: tuple[FakeFcm, Settings],
    sender: push.FcmSender,
    gateway: FakeSmsGateway,
    sms_sender: SmsSender,
) -> None:
    fake, settings = fcm
    configure(db, world.tenant, gateway.url)
    rep = with_phone(db, world.staff["north.rep"])
    first, second = "token-one-" + "a" * 100, "token-two-" + "b" * 100
    phone_with_token(db, rep, first)
    phone_with_token(db, rep, second)
    senders = {"push": sender, "sms": sms_sender}

    # one phone is gone, the other takes it: no SMS
    fake.answer_next(first, UNREGISTERED)
    deliver(db, rep.tenant_id, [rep.id], kind="task", title="one", body="b", push=True)
    db.commit()
    outbox.deliver_due(session_factory, senders, settings)
    assert sorted(r.status for r in queued(db, "push")) == ["dead", "sent"]
    assert queued(db, "sms") == []

    # the last phone is gone too: one SMS for the item, sent in the same round
    fake.answer_next(second, UNREGISTERED)
    deliver(db, rep.tenant_id, [rep.id], kind="task", title="two", body="b", push=True)
    db.commit()
    outbox.deliver_due(session_factory, senders, settings)
    [fallback] = queued(db, "sms")
    assert fallback.status == "sent"
    assert fallback.inbox_item_id == queued(db, "push")[-1].inbox_item_id
    assert [json.loads(r.body)["text"] for r in gateway.received] == ["two: b"]

    # no tokens left: the next item goes by SMS straight away
    deliver(db, rep.tenant_id, [rep.id], kind="task", title="three", body="b", push=True)
    db.commit()
    assert [r.payload["text"] for r in queued(db, "sms")] == ["two: b", "three: b"]


def test_a_push_that_gave_up_after_retries_falls_back(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    fcm: tuple[FakeFcm, Settings],
    sender: push.FcmSender,
    gateway: FakeSmsGateway,
) -> None:
    fake, settings = fcm
    settings = settings.model_copy(update={"push_max_attempts": 2})
    configure(db, world.tenant, gateway.url)
    rep = with_phone(db, world.staff["north.rep"])
    token = "token-" + "q" * 100
    phone_with_token(db, rep, token)
    fake.answer_next(token, QUOTA_EXCEEDED, QUOTA_EXCEEDED)
    deliver(db, rep.tenant_id, [rep.id], kind="alert", title="Off zone", body="b", push=True)
    db.commit()
    at = datetime.now(UTC)
    for _ in range(2):
        outbox.deliver_due(session_factory, {"push": sender}, settings, at)
        at += timedelta(hours=2)
    [dead] = queued(db, "push")
    assert dead.status == "dead"
    [fallback] = queued(db, "sms")
    assert fallback.payload["text"] == "Off zone: b"


def test_fall_back_is_once_per_item(db: Session, world: World, gateway: FakeSmsGateway) -> None:
    configure(db, world.tenant, gateway.url)
    rep = with_phone(db, world.staff["north.rep"])
    deliver(db, rep.tenant_id, [rep.id], kind="task", title="t", body="b", push=False)
    db.commit()
    [row] = queued(db, "sms")
    message = outbox.Claimed(
        tenant_id=rep.tenant_id,
        id=uuid.uuid4(),
        channel="push",
        recipient_id=rep.id,
        inbox_item_id=row.inbox_item_id,
        device_id=None,
        token=None,
        phone=None,
        gateway=None,
        payload={},
        idempotency_key="x",
        attempts=1,
    )
    assert sms.fall_back_after_push(db, message) is False  # already queued for this item
    assert len(queued(db, "sms")) == 1


@pytest.mark.parametrize(
    ("answer", "retry", "error"),
    [
        ((503, "busy"), True, "HTTP 503: busy"),
        ((429, "slow down"), True, "HTTP 429: slow down"),
        ((400, '{"error":"bad number"}'), False, 'HTTP 400: {"error":"bad number"}'),
        ((HANG, ""), True, "no answer within 0.5 s"),
    ],
)
def test_gateway_failures_are_retried_or_dead(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    settings: Settings,
    gateway: FakeSmsGateway,
    sms_sender: SmsSender,
    answer: tuple[int, str],
    retry: bool,
    error: str,
) -> None:
    configure(db, world.tenant, gateway.url, timeout_s=0.5)
    rep = with_phone(db, world.staff["north.rep"])
    deliver(db, rep.tenant_id, [rep.id], kind="task", title="t", body="b", push=False)
    db.commit()
    gateway.answer_next(answer)
    now = datetime.now(UTC)
    outbox.deliver_due(session_factory, {"sms": sms_sender}, settings, now)
    [row] = queued(db)
    assert row.last_error == error
    if not retry:
        assert row.status == "dead"
        return
    assert row.status == "pending"
    assert row.next_attempt_at >= now + timedelta(seconds=settings.push_backoff_s - 1)
    outbox.deliver_due(session_factory, {"sms": sms_sender}, settings, row.next_attempt_at)
    [row] = queued(db)
    assert row.status == "sent"
    assert len(gateway.received) == 2
    assert len({r.headers["idempotency-key"] for r in gateway.received}) == 1


def test_gateway_removed_after_queueing_fails_with_the_reason(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    settings: Settings,
    gateway: FakeSmsGateway,
    sms_sender: SmsSender,
) -> None:
    configure(db, world.tenant, gateway.url)
    rep = with_phone(db, world.staff["north.rep"])
    deliver(db, rep.tenant_id, [rep.id], kind="task", title="t", body="b", push=False)
    world.tenant.sms_gateway = None
    db.commit()
    outbox.deliver_due(session_factory, {"sms": sms_sender}, settings)
    [row] = queued(db)
    assert (row.status, row.last_error) == ("dead", "the tenant has no SMS gateway switched on")
    assert gateway.received == []


def test_form_gateway_gets_a_form(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    settings: Settings,
    gateway: FakeSmsGateway,
    sms_sender: SmsSender,
) -> None:
    configure(
        db,
        world.tenant,
        gateway.url,
        content_type="form",
        auth_header="X-Api-Key",
        body_template="mobile=$phone&content=$text&sign=ACME",
        text_template="【Acme】$name, $title",
    )
    rep = with_phone(db, world.staff["north.rep"], "13800138000")
    deliver(db, rep.tenant_id, [rep.id], kind="task", title="visit Shop & Co", body="b", push=False)
    db.commit()
    outbox.deliver_due(session_factory, {"sms": sms_sender}, settings)
    [got] = gateway.received
    assert got.headers["x-api-key"] == SECRET
    assert got.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert parse_qs(got.body.decode()) == {
        "mobile": ["13800138000"],
        "content": ["【Acme】North Rep, visit Shop & Co"],
        "sign": ["ACME"],
    }


def test_sms_claims_and_push_claims_are_separate(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    settings: Settings,
    gateway: FakeSmsGateway,
) -> None:
    """A process without FCM credentials never claims pushes: it has no way to send them."""
    configure(db, world.tenant, gateway.url)
    rep = with_phone(db, world.staff["north.rep"])
    device = phone_with_token(db, world.staff["north.rep2"], "token-" + "z" * 100)
    push.enqueue_command(db, device, {"command": "locate"}, "locate:1")
    deliver(db, rep.tenant_id, [rep.id], kind="task", title="t", body="b", push=False)
    db.commit()
    now = datetime.now(UTC)
    [claimed] = outbox.claim(session_factory, settings, now, "sms")
    assert claimed.channel == "sms"
    assert claimed.gateway is not None
    assert claimed.gateway["auth_value"] == SECRET
    [claimed] = outbox.claim(session_factory, settings, now, "push")
    assert claimed.channel == "push"
    assert claimed.gateway is None


# --- destinations (the server calls what a tenant configured) ---


def test_without_the_allow_list_a_loopback_gateway_is_refused_before_any_request(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    closed: Settings,
    closed_client: TestClient,
    closed_sender: SmsSender,
    gateway: FakeSmsGateway,
) -> None:
    admin = world.headers("admin")
    r = closed_client.put(GATEWAY, headers=admin, json={"url": gateway.url})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "destination_refused"
    assert "loopback" in r.json()["error"]["message"]
    assert closed_client.get(GATEWAY, headers=admin).status_code == 404  # nothing stored
    configure(db, world.tenant, gateway.url)  # stored before the rule, or by hand
    r = closed_client.post(f"{GATEWAY}/test", headers=admin, json={"phone": "+8613800138000"})
    assert r.status_code == 200
    answer = r.json()
    assert (answer["sent"], answer["status"]) == (False, None)
    assert answer["detail"].startswith("refused: 127.0.0.1 is a loopback address")
    rep = with_phone(db, world.staff["north.rep"])
    deliver(db, rep.tenant_id, [rep.id], kind="task", title="t", body="b", push=False)
    db.commit()
    outbox.deliver_due(session_factory, {"sms": closed_sender}, closed)
    [row] = queued(db)
    assert row.status == "dead"  # not retried: the operator's rule will not change by itself
    assert row.last_error.startswith("refused: 127.0.0.1 is a loopback address")
    assert gateway.received == []


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://10.0.0.1/send", "10.0.0.1 is a private address"),
        ("http://172.16.5.4/send", "private"),
        ("http://192.168.1.1/send", "private"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[fd00:ec2::254]/", "cloud metadata"),
        ("http://100.100.100.200/", "cloud metadata"),
        ("http://metadata.google.internal/computeMetadata/v1/", "internal name"),
        ("http://[::1]:8080/send", "loopback"),
        ("http://127.0.0.2/send", "loopback"),
        ("http://2130706433/send", "127.0.0.1 is a loopback"),  # decimal
        ("http://0177.0.0.1/send", "127.0.0.1 is a loopback"),  # octal
        ("http://0x7f.1/send", "127.0.0.1 is a loopback"),  # hexadecimal, short
        ("http://[::ffff:127.0.0.1]/send", "loopback"),  # IPv4-mapped IPv6
        ("http://[::ffff:a00:1]/send", "private"),
        ("http://[fe80::1]/send", "link-local"),
        ("http://[fc00::5]/send", "unique-local"),
        ("http://224.0.0.1/send", "multicast"),
        ("http://0.0.0.0/send", "unspecified"),
        ("http://240.0.0.1/send", "reserved"),
        ("http://localhost:9/send", "internal name"),
    ],
)
def test_gateways_on_internal_destinations_are_refused_when_saved(
    closed_client: TestClient, world: World, url: str, says: str
) -> None:
    admin = world.headers("admin")
    r = closed_client.put(GATEWAY, headers=admin, json={"url": url, "auth_value": "k"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "destination_refused"
    assert says in r.json()["error"]["message"]
    assert closed_client.get(GATEWAY, headers=admin).status_code == 404


def test_a_name_that_resolves_to_loopback_is_refused_when_sending(
    db: Session,
    closed_client: TestClient,
    world: World,
    session_factory: sessionmaker[Session],
    closed: Settings,
    closed_sender: SmsSender,
    gateway: FakeSmsGateway,
) -> None:
    """A name is checked by every address it resolves to, on each call."""
    configure(db, world.tenant, gateway.url.replace("127.0.0.1", "localhost"))
    admin = world.headers("admin")
    r = closed_client.post(f"{GATEWAY}/test", headers=admin, json={"phone": "+86138"})
    assert r.json()["sent"] is False
    assert r.json()["detail"].startswith(
        "refused: localhost resolves to an address that is not public"
    )
    rep = with_phone(db, world.staff["north.rep"])
    deliver(db, rep.tenant_id, [rep.id], kind="task", title="t", body="b", push=False)
    db.commit()
    outbox.deliver_due(session_factory, {"sms": closed_sender}, closed)
    [row] = queued(db)
    assert row.status == "dead"
    assert row.last_error.startswith("refused: localhost resolves to an address that is not public")
    assert gateway.received == []


def test_the_test_answer_is_a_short_printable_excerpt_and_redirects_are_not_followed(
    client: TestClient, world: World, gateway: FakeSmsGateway
) -> None:
    admin = world.headers("admin")
    client.put(GATEWAY, headers=admin, json={"url": gateway.url})
    noisy = "\x1b[31mred\x1b[0m\r\nline two\x00" + "x" * 5000
    gateway.answer_next((500, noisy), (302, "moved"))
    r = client.post(f"{GATEWAY}/test", headers=admin, json={"phone": "+8613800138000"})
    detail = r.json()["detail"]
    assert r.json()["status"] == 500
    assert len(detail) == 200
    assert detail.startswith("[31mred [0m line two x")
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in detail)
    r = client.post(f"{GATEWAY}/test", headers=admin, json={"phone": "+8613800138000"})
    assert r.json() == {"sent": False, "status": 302, "detail": "moved"}
    assert [g.path for g in gateway.received] == ["/send", "/send"]  # /moved never asked


# --- one tenant's settings never hold back another's messages ---


def two_tenants_queued(db: Session, world: World, url: str) -> tuple[Tenant, Tenant]:
    """One SMS queued for a rep of each tenant, both gateways on ``url``."""
    ours, theirs = world.tenant, world.other_tenant
    configure(db, ours, url)
    configure(db, theirs, url, auth_value="Bearer theirs")
    for login in ("north.rep", "other.rep"):
        rep = with_phone(db, world.staff[login])
        deliver(db, rep.tenant_id, [rep.id], kind="task", title="t", body="b", push=False)
    db.commit()
    return ours, theirs


def row_of(db: Session, tenant: Tenant) -> OutboxMessage:
    [row] = [r for r in queued(db) if r.tenant_id == tenant.id]
    return row


def test_a_tenants_bad_stored_header_fails_only_its_own_message(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    settings: Settings,
    gateway: FakeSmsGateway,
    sms_sender: SmsSender,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ours, theirs = two_tenants_queued(db, world, gateway.url)
    leaked = "Bearer clé-secret\r\nX-Injected: 1"
    ours.sms_gateway = {**(ours.sms_gateway or {}), "auth_value": leaked}  # saved before checks
    db.commit()
    with json_logs():
        assert outbox.deliver_due(session_factory, {"sms": sms_sender}, settings) == 2
    bad, good = row_of(db, ours), row_of(db, theirs)
    assert good.status == "sent"
    assert bad.status == "dead"
    assert bad.last_error.startswith("the stored SMS gateway settings are invalid: auth_value:")
    assert "clé-secret" not in bad.last_error
    assert "clé-secret" not in capsys.readouterr().err
    assert [r.headers["authorization"] for r in gateway.received] == ["Bearer theirs"]


def test_an_unexpected_error_with_one_message_leaves_the_batch_going(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    settings: Settings,
    gateway: FakeSmsGateway,
    sms_sender: SmsSender,
) -> None:
    ours, theirs = two_tenants_queued(db, world, gateway.url)
    broken = row_of(db, ours)
    broken.payload = {"kind": "task"}  # no text: it cannot be built
    db.commit()
    assert outbox.deliver_due(session_factory, {"sms": sms_sender}, settings) == 2
    bad, good = row_of(db, ours), row_of(db, theirs)
    assert good.status == "sent"
    assert (bad.status, bad.last_error) == ("pending", "unexpected KeyError")  # retried later
    assert len(gateway.received) == 1
