"""The real `fieldforce worker`: killed with SIGKILL while FCM is slow, the batches it had
finished are not sent again and a new worker delivers the rest once each; without push
credentials it still sends SMS through a tenant's gateway."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldforce.db import make_engine, make_sessionmaker, owned_session
from fieldforce.devices.models import Device
from fieldforce.embedded import EmbeddedPostgres, ensure_binaries
from fieldforce.migrate import upgrade
from fieldforce.notify.models import OutboxMessage
from fieldforce.notify.service import deliver
from fieldforce.settings import get_settings
from tests.notify.fake_fcm import running_fake_fcm, service_account
from tests.notify.fake_sms import running_fake_sms
from tests.processes import fieldforce_command, scratch_data_dir
from tests.world import add_staff, add_tenant, add_unit


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with scratch_data_dir("ff-worker-") as path:
        pg = EmbeddedPostgres(path, ensure_binaries(install=False))
        pg.start()
        try:
            upgrade(url=pg.url())
            yield pg.url()
        finally:
            pg.stop()


def worker_env(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDFORCE_")}
    return {**env, "FIELDFORCE_DATABASE_URL": url, **extra}


def wait_for(condition: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_worker_killed_mid_batch_redelivers_the_rest_once(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_fake_fcm() as fake:
        creds = service_account(tmp_path / "sa.json", f"{fake.base}/token")
        env = worker_env(
            database,
            FIELDFORCE_FCM_CREDENTIALS_FILE=str(creds),
            FIELDFORCE_FCM_URL=f"{fake.base}/v1/projects/{{0}}/messages:send",
            FIELDFORCE_PUSH_BATCH="10",
            FIELDFORCE_PUSH_LEASE_S="2",
        )
        monkeypatch.setenv("FIELDFORCE_FCM_CREDENTIALS_FILE", str(creds))
        get_settings.cache_clear()
        engine = make_engine(database, pool_size=1)
        with owned_session(make_sessionmaker(engine)) as db:
            tenant = add_tenant(db, "Worker Kill")
            unit = add_unit(db, tenant, "Group", None, "group")
            staff = [add_staff(db, unit, f"rep{i}", ["rep"]) for i in range(10)]
            for s in staff:
                db.add(
                    Device(
                        tenant_id=tenant.id,
                        staff_id=s.id,
                        platform="android",
                        protocol="app",
                        identifier=f"dev-{s.login}",
                        secret_hash="x",
                        fcm_token=f"token-{s.login}",
                    )
                )
            db.flush()
            for n in range(5):  # 50 pushes: five batches of ten
                deliver(
                    db,
                    tenant.id,
                    [s.id for s in staff],
                    kind="system",
                    title=f"m{n}",
                    body="b",
                    push=True,
                )
        engine.dispose()

        fake.stall_after = 20  # two batches go through, the third hangs
        first = subprocess.Popen(
            fieldforce_command("worker"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(lambda: fake.stalled >= 10)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        fake.stall_after = None
        fake.release.set()
        assert len(fake.delivered) == 20

        second = subprocess.Popen(
            fieldforce_command("worker"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(lambda: len(fake.delivered) >= 50, seconds=60)
            time.sleep(1)  # nothing more may arrive
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=60)
        keys = fake.keys()
        assert len(keys) == 50
        assert len(set(keys)) == 50


def test_worker_without_push_credentials_sends_sms(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Push is off, the tenant has an SMS gateway: `fieldforce worker` sends every queued
    SMS once, a few at a time, and stops cleanly on SIGTERM."""
    monkeypatch.delenv("FIELDFORCE_FCM_CREDENTIALS_FILE", raising=False)
    get_settings.cache_clear()
    with running_fake_sms() as gateway:
        engine = make_engine(database, pool_size=1)
        factory = make_sessionmaker(engine)
        with owned_session(factory) as db:
            tenant = add_tenant(db, "Worker SMS")
            tenant.sms_gateway = {"url": gateway.url, "auth_value": "Bearer k"}
            unit = add_unit(db, tenant, "Group", None, "group")
            staff = [add_staff(db, unit, f"sms{i}", ["rep"]) for i in range(12)]
            for i, s in enumerate(staff):
                s.phone = f"+86 13800{i:06d}"
            db.flush()
            for n in range(2):
                deliver(
                    db,
                    tenant.id,
                    [s.id for s in staff],
                    kind="task",
                    title=f"t{n}",
                    body="b",
                    push=False,
                )
        worker = subprocess.Popen(
            fieldforce_command("worker"),
            env=worker_env(
                database,
                FIELDFORCE_SMS_BATCH="5",
                FIELDFORCE_SMS_CONCURRENCY="3",
                FIELDFORCE_OUTBOUND_ALLOW="127.0.0.1",  # the fake gateway is on loopback
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(lambda: len(gateway.received) >= 24, seconds=60)
            time.sleep(1)  # nothing more may arrive
        finally:
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(timeout=60)
        assert code == 0
        keys = [r.headers["idempotency-key"] for r in gateway.received]
        assert len(keys) == 24
        assert len(set(keys)) == 24
        assert {r.headers["authorization"] for r in gateway.received} == {"Bearer k"}
        with owned_session(factory) as db:
            statuses = db.scalars(
                select(OutboxMessage.status).where(OutboxMessage.tenant_id == tenant.id)
            ).all()
        assert statuses == ["sent"] * 24
        engine.dispose()
