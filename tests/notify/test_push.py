"""Push through the real firebase-admin SDK, its HTTP answered by a local server."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.db import make_sessionmaker, owned_session
from fieldforce.devices.models import Device
from fieldforce.notify import outbox, push
from fieldforce.notify.models import OutboxMessage
from fieldforce.notify.service import deliver
from fieldforce.settings import Settings
from fieldforce.tenancy.models import Tenant
from tests.notify.fake_fcm import (
    QUOTA_EXCEEDED,
    UNREGISTERED,
    FakeFcm,
)
from tests.world import World, add_staff, add_tenant, add_unit

TOKEN = "fcm-token-north-rep-" + "x" * 120


def phone(db: Session, world: World, who: str = "north.rep", token: str = TOKEN) -> Device:
    staff = world.staff[who]
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


def queued(db: Session) -> list[OutboxMessage]:
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)))


def test_a_notice_becomes_a_push_to_each_phone(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    fcm: tuple[FakeFcm, Settings],
    sender: push.FcmSender,
) -> None:
    fake, settings = fcm
    phone(db, world)
    phone(db, world, token="second-phone-token-" + "y" * 100)
    phone(db, world, "north.sup", token="no-token-here")  # someone else's phone
    staff = world.staff["north.rep"]
    deliver(
        db,
        staff.tenant_id,
        [staff.id],
        kind="notice",
        title="Q4 targets",
        body="New tariffs from Monday",
        data={"notice_id": "n1"},
        push=True,
    )
    db.commit()
    assert len(queued(db)) == 2
    assert outbox.deliver_due(session_factory, {"push": sender}, settings) == 2
    assert len(fake.delivered) == 2
    sent = fake.delivered[0]
    assert sent["notification"] == {"title": "Q4 targets", "body": "New tariffs from Monday"}
    assert sent["data"]["kind"] == "notice"
    assert sent["data"]["notice_id"] == "n1"
    assert sent["android"]["priority"] == "high"
    assert fake.token_requests >= 1  # the SDK signed in against the local token endpoint
    rows = queued(db)
    assert {r.status for r in rows} == {"sent"}
    assert all(r.provider_id and r.provider_id.startswith("projects/") for r in rows)
    assert outbox.deliver_due(session_factory, {"push": sender}, settings) == 0  # nothing twice


def test_transient_failure_backs_off_then_succeeds(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    fcm: tuple[FakeFcm, Settings],
    sender: push.FcmSender,
) -> None:
    fake, settings = fcm
    phone(db, world)
    staff = world.staff["north.rep"]
    deliver(db, staff.tenant_id, [staff.id], kind="system", title="t", body="b", push=True)
    db.commit()
    fake.answer_next(TOKEN, QUOTA_EXCEEDED, QUOTA_EXCEEDED)
    now = datetime.now(UTC)
    outbox.deliver_due(session_factory, {"push": sender}, settings, now)
    [row] = queued(db)
    assert row.status == "pending"
    assert "QUOTA_EXCEEDED" in (row.last_error or "") or "RESOURCE_EXHAUSTED" in (
        row.last_error or ""
    )
    first_wait = (row.next_attempt_at - datetime.now(UTC)).total_seconds()
    assert 0 < first_wait <= settings.push_backoff_s
    assert outbox.deliver_due(session_factory, {"push": sender}, settings, now) == 0  # not due yet
    outbox.deliver_due(
        session_factory, {"push": sender}, settings, row.next_attempt_at + timedelta(seconds=1)
    )
    [row] = queued(db)
    second_wait = (row.next_attempt_at - datetime.now(UTC)).total_seconds()
    assert second_wait > first_wait  # exponential
    outbox.deliver_due(
        session_factory, {"push": sender}, settings, row.next_attempt_at + timedelta(seconds=1)
    )
    [row] = queued(db)
    assert row.status == "sent"
    assert row.attempts == 3
    assert fake.keys() == [row.idempotency_key]


def test_a_batch_whose_call_fails_as_a_whole_is_tried_again_later(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    fcm: tuple[FakeFcm, Settings],
    sender: push.FcmSender,
) -> None:
    """The SDK cannot get its OAuth token: nothing is sent, and every message of the batch
    is recorded for a later attempt instead of staying claimed until its lease ends."""
    fake, settings = fcm
    phone(db, world)
    phone(db, world, token="second-phone-token-" + "y" * 100)
    staff = world.staff["north.rep"]
    deliver(db, staff.tenant_id, [staff.id], kind="system", title="t", body="b", push=True)
    db.commit()
    fake.drop_token_requests = 1_000
    now = datetime.now(UTC)
    assert outbox.deliver_due(session_factory, {"push": sender}, settings, now) == 2
    rows = queued(db)
    assert [r.status for r in rows] == ["pending", "pending"]
    assert all(r.lease_until is None and r.attempts == 1 for r in rows)
    assert all("UNKNOWN" in (r.last_error or "") for r in rows)
    assert all(r.next_attempt_at > now for r in rows)
    assert fake.delivered == []
    fake.drop_token_requests = 0
    later = max(r.next_attempt_at for r in rows) + timedelta(seconds=1)
    assert outbox.deliver_due(session_factory, {"push": sender}, settings, later) == 2
    assert {r.status for r in queued(db)} == {"sent"}
    assert sorted(fake.keys()) == sorted(r.idempotency_key for r in rows)


def test_transient_failures_end_in_the_dead_letter(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    fcm: tuple[FakeFcm, Settings],
    sender: push.FcmSender,
) -> None:
    fake, settings = fcm
    settings = settings.model_copy(update={"push_max_attempts": 2})
    phone(db, world)
    staff = world.staff["north.rep"]
    deliver(db, staff.tenant_id, [staff.id], kind="system", title="t", body="b", push=True)
    db.commit()
    fake.answer_next(TOKEN, QUOTA_EXCEEDED, QUOTA_EXCEEDED, QUOTA_EXCEEDED)
    at = datetime.now(UTC)
    for _ in range(3):
        outbox.deliver_due(session_factory, {"push": sender}, settings, at)
        at += timedelta(hours=2)
    [row] = queued(db)
    assert row.status == "dead"
    assert (row.last_error or "").startswith("gave up after 2 attempts")
    assert fake.delivered == []


def test_dead_token_is_removed_from_the_device(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    fcm: tuple[FakeFcm, Settings],
    sender: push.FcmSender,
) -> None:
    fake, settings = fcm
    device = phone(db, world)
    staff = world.staff["north.rep"]
    deliver(db, staff.tenant_id, [staff.id], kind="system", title="t", body="b", push=True)
    db.commit()
    fake.answer_next(TOKEN, UNREGISTERED)
    outbox.deliver_due(session_factory, {"push": sender}, settings)
    [row] = queued(db)
    assert row.status == "dead"
    db.refresh(device)
    assert device.fcm_token is None
    # later messages to that person reach the inbox but queue no push
    deliver(db, staff.tenant_id, [staff.id], kind="system", title="t2", body="b", push=True)
    db.commit()
    assert len(queued(db)) == 1


def test_a_worker_that_died_after_claiming_leaves_the_batch_to_another(
    db: Session,
    world: World,
    session_factory: sessionmaker[Session],
    fcm: tuple[FakeFcm, Settings],
    sender: push.FcmSender,
) -> None:
    """A claim is committed before sending: a worker killed then leaves its batch leased.
    When the lease ends another worker sends it; messages already recorded are not sent
    again."""
    fake, settings = fcm
    settings = settings.model_copy(update={"push_batch": 3})
    phone(db, world)
    staff = world.staff["north.rep"]
    for i in range(5):
        deliver(db, staff.tenant_id, [staff.id], kind="system", title=f"m{i}", body="b", push=True)
    db.commit()
    now = datetime.now(UTC)
    assert (
        outbox.deliver_due(session_factory, {"push": sender}, settings, now) == 3
    )  # first batch: sent
    orphaned = outbox.claim(session_factory, settings, now)  # then a worker claims and dies
    assert len(orphaned) == 2
    assert outbox.deliver_due(session_factory, {"push": sender}, settings, now) == 0  # still leased
    later = now + timedelta(seconds=settings.push_lease_s + 1)
    assert outbox.deliver_due(session_factory, {"push": sender}, settings, later) == 2
    keys = fake.keys()
    assert len(keys) == 5
    assert len(set(keys)) == 5
    assert {r.status for r in queued(db)} == {"sent"}


def test_push_off_without_credentials(db: Session, world: World, settings: Settings) -> None:
    assert not settings.push_enabled
    phone(db, world)
    staff = world.staff["north.rep"]
    assert (
        deliver(
            db,
            staff.tenant_id,
            [staff.id],
            kind="system",
            title="t",
            body="b",
            push=settings.push_enabled,
        )
        == 1
    )
    db.commit()
    assert queued(db) == []


def test_two_workers_racing_deliver_each_message_once(
    engine: Engine, fcm: tuple[FakeFcm, Settings]
) -> None:
    """Real concurrency needs committed rows and separate connections: this test commits
    its own tenant and removes it afterwards."""
    fake, settings = fcm
    settings = settings.model_copy(update={"push_batch": 10, "push_backoff_s": 0.05})
    factory = make_sessionmaker(engine)
    with owned_session(factory) as db:
        tenant = add_tenant(db, f"Race {uuid.uuid4().hex[:8]}")
        unit = add_unit(db, tenant, "Race Group", None, "group")
        staff = [add_staff(db, unit, f"racer{i}", ["rep"]) for i in range(20)]
        for s in staff:
            db.add(
                Device(
                    tenant_id=tenant.id,
                    staff_id=s.id,
                    platform="android",
                    protocol="app",
                    identifier=uuid.uuid4().hex,
                    secret_hash="x",
                    fcm_token=f"token-{s.id}",
                )
            )
        db.flush()
        for n in range(10):
            deliver(
                db,
                tenant.id,
                [s.id for s in staff],
                kind="system",
                title=f"m{n}",
                body="b",
                push=True,
            )
        tenant_id = tenant.id
    try:
        senders = [push.FcmSender(settings) for _ in range(2)]
        handled = [0, 0]

        def unfinished() -> int:
            with owned_session(factory) as db:
                return len(
                    db.scalars(
                        select(OutboxMessage.id).where(
                            OutboxMessage.tenant_id == tenant_id,
                            OutboxMessage.status.in_(["pending", "sending"]),
                        )
                    ).all()
                )

        def work(k: int) -> None:
            while True:
                n = outbox.deliver_due(factory, {"push": senders[k]}, settings)
                handled[k] += n
                if n:
                    continue
                if not unfinished():
                    return
                time.sleep(0.05)  # a batch that failed as a whole is due again shortly

        threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        for s in senders:
            s.close()
        keys = fake.keys()
        assert len(keys) == 200
        assert len(set(keys)) == 200
        with owned_session(factory) as db:
            rows = db.execute(
                select(OutboxMessage.status, OutboxMessage.attempts).where(
                    OutboxMessage.tenant_id == tenant_id
                )
            ).all()
        assert {r.status for r in rows} == {"sent"}
        assert sum(handled) == sum(r.attempts for r in rows)  # each claim counted once
        assert min(handled) > 0  # both took part
    finally:
        with owned_session(factory) as db:
            db.execute(delete(Tenant).where(Tenant.id == tenant_id))
