"""`fieldforce worker` killed with SIGKILL while FCM is slow: the batches it had finished
are not sent again, and a new worker delivers the rest once each."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldforce.db import make_engine, make_sessionmaker, owned_session
from fieldforce.devices.models import Device
from fieldforce.embedded import EmbeddedPostgres, ensure_binaries
from fieldforce.migrate import upgrade
from fieldforce.notify.service import deliver
from fieldforce.settings import get_settings
from tests.notify.fake_fcm import running_fake_fcm, service_account
from tests.processes import fieldforce_command, scratch_data_dir
from tests.world import add_staff, add_tenant, add_unit


@pytest.fixture
def data_dir() -> Iterator[Path]:
    with scratch_data_dir("ff-worker-") as path:
        yield path


def wait_for(condition: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_worker_killed_mid_batch_redelivers_the_rest_once(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg = EmbeddedPostgres(data_dir, ensure_binaries(install=False))
    pg.start()
    upgrade(url=pg.url())
    with running_fake_fcm() as fake:
        creds = service_account(tmp_path / "sa.json", f"{fake.base}/token")
        env = {
            **{k: v for k, v in os.environ.items() if k != "FIELDFORCE_DATABASE_URL"},
            "FIELDFORCE_DATABASE_URL": pg.url(),
            "FIELDFORCE_FCM_CREDENTIALS_FILE": str(creds),
            "FIELDFORCE_FCM_URL": f"{fake.base}/v1/projects/{{0}}/messages:send",
            "FIELDFORCE_PUSH_BATCH": "10",
            "FIELDFORCE_PUSH_LEASE_S": "2",
        }
        monkeypatch.setenv("FIELDFORCE_FCM_CREDENTIALS_FILE", str(creds))
        get_settings.cache_clear()
        engine = make_engine(pg.url(), pool_size=1)
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
                    db, tenant.id, [s.id for s in staff], kind="system", title=f"m{n}", body="b"
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
    pg.stop()
