"""Two `fieldforce serve` processes and a `fieldforce worker` on one database, as on several
hosts behind a load balancer: each fix sent to both servers at once is stored once, each
off-zone, no-signal and late-arrival event is raised once although every process sweeps,
and each alert reaches the supervisor's phone once although every process delivers.

Everyone is on duty with a phone; watching begins when the processes start. The senders
report every two seconds, from inside the zone or 1 km outside it, each fix to both servers
at once, until the sweeps find the silent ones (no signal after 60 s)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from fieldforce.auth.tokens import issue_token
from fieldforce.db import make_engine, make_sessionmaker, owned_session
from fieldforce.devices.models import Device
from fieldforce.embedded import EmbeddedPostgres, ensure_binaries
from fieldforce.migrate import upgrade
from fieldforce.monitoring.models import ZoneEvent
from fieldforce.notify.models import OutboxMessage
from fieldforce.org.models import Staff
from fieldforce.settings import Settings
from fieldforce.tracking.models import Ping
from geo.distance import WGS84
from tests.notify.fake_fcm import FakeFcm, running_fake_fcm, service_account
from tests.processes import fieldforce_command, free_port, scratch_data_dir
from tests.world import add_staff, add_tenant, add_unit, add_work_area

CENTER = (121.47, 31.23)
GROUP = 8  # people in each of: inside the zone, outside it, silent
PEOPLE = 3 * GROUP + 1  # and their supervisor, who is on duty too


@dataclass
class Office:
    url: str
    tenant_id: uuid.UUID
    inside: list[uuid.UUID]
    outside: list[uuid.UUID]
    silent: list[uuid.UUID]
    supervisor: uuid.UUID


def _local_noon_zone() -> str:
    """A fixed-offset zone where it is about noon now, so the day's shift neither starts
    nor ends while the test runs."""
    offset = 12 - datetime.now(UTC).hour
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


@pytest.fixture(scope="module")
def office() -> Iterator[Office]:
    with scratch_data_dir("ff-processes-") as path:
        pg = EmbeddedPostgres(path, ensure_binaries(install=False))
        pg.start()
        try:
            upgrade(url=pg.url())
            yield _build_office(pg.url())
        finally:
            pg.stop()


def _build_office(url: str) -> Office:
    engine = make_engine(url, pool_size=1)
    with owned_session(make_sessionmaker(engine)) as db:
        tenant = add_tenant(db, "Several Processes")
        tenant.timezone = _local_noon_zone()
        tenant.settings = {
            **tenant.settings,
            "offzone_dwell_s": 0,
            "offzone_min_fixes": 1,
            "no_signal_after_s": 60,
            "late_arrival_grace_s": 0,
        }
        unit = add_unit(db, tenant, "Field", None, "team")
        sup = add_staff(db, unit, "procs.sup", ["supervisor"])
        reps = [add_staff(db, unit, f"procs.rep{i}", ["rep"]).id for i in range(3 * GROUP)]
        for n, person in enumerate([sup.id, *reps]):  # a phone each: everyone is monitored
            db.add(
                Device(
                    tenant_id=tenant.id,
                    staff_id=person,
                    platform="android",
                    protocol="app",
                    identifier=f"phone-{n}",
                    secret_hash="-",
                    fcm_token=f"token-{n}",
                )
            )
        add_work_area(db, unit, CENTER, 300)
        office = Office(
            url, tenant.id, reps[:GROUP], reps[GROUP : 2 * GROUP], reps[2 * GROUP :], sup.id
        )
    engine.dispose()
    return office


def _env(office: Office, key: str, fake: FakeFcm, creds: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDFORCE_")}
    return {
        **env,
        "FIELDFORCE_DATABASE_URL": office.url,
        "FIELDFORCE_SECRET_KEY": key,
        "FIELDFORCE_FCM_CREDENTIALS_FILE": str(creds),
        "FIELDFORCE_FCM_URL": f"{fake.base}/v1/projects/{{0}}/messages:send",
        "FIELDFORCE_MONITORING_SWEEP_S": "1",
        "FIELDFORCE_PUSH_BATCH": "3",
    }


def _start(args: list[str], env: dict[str, str], health: str | None) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        fieldforce_command(*args), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while health is not None:
        assert proc.poll() is None, f"{args} exited with {proc.returncode}"
        assert time.monotonic() < deadline, f"{args} did not come up"
        try:
            if httpx.get(health, timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    return proc


def _fix(rep: uuid.UUID, n: int, distance_m: float) -> dict[str, object]:
    lon, lat, _ = WGS84.fwd(CENTER[0], CENTER[1], 90.0, distance_m)
    return {
        "id": str(uuid.uuid5(rep, str(n))),
        "fix_time": datetime.now(UTC).isoformat(),
        "lon": float(lon),
        "lat": float(lat),
        "accuracy_m": 10,
    }


def test_two_servers_and_a_worker_ingest_sweep_and_deliver_exactly_once(
    office: Office, tmp_path: Path
) -> None:
    key = secrets.token_urlsafe(48)
    tokens = {
        rep: issue_token(Settings(secret_key=key), tenant_id=office.tenant_id, staff_id=rep)[0]
        for rep in office.inside + office.outside
    }
    procs: list[subprocess.Popen[bytes]] = []
    with running_fake_fcm() as fake:
        env = _env(office, key, fake, service_account(tmp_path / "sa.json", f"{fake.base}/token"))
        try:
            bases = []
            for _ in range(2):
                port = free_port()
                bases.append(f"http://127.0.0.1:{port}")
                procs.append(_start(["serve", "--port", str(port)], env, f"{bases[-1]}/health"))
            procs.append(_start(["worker"], env, None))
            statuses = _send_to_both(office, bases, tokens)
            _wait_for(office, lambda db: _waiting(db, office) == 0 and bool(fake.delivered))
            time.sleep(3)  # in which nothing more may arrive
            revoked_in = _deactivate_and_wait(office, bases, office.inside[0], tokens)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            codes = [proc.wait(timeout=60) for proc in procs]
        keys = fake.keys()
    assert codes == [0, 0, 0]
    # remembered for minutes (FIELDFORCE_IDENTITY_CACHE_S), forgotten when told
    assert revoked_in < 2.0, revoked_in

    sent = statuses["accepted"]
    assert sent >= 2 * GROUP * 5  # the senders reported for the minute until silence
    assert statuses == {"accepted": sent, "duplicate": sent}  # each fix: one of each
    engine = make_engine(office.url, pool_size=1)
    with owned_session(make_sessionmaker(engine)) as db:
        stored = db.execute(
            select(func.count(), func.count(Ping.id.distinct())).where(
                Ping.tenant_id == office.tenant_id
            )
        ).one()
        assert tuple(stored) == (sent, sent)
        rows = db.execute(
            select(ZoneEvent.staff_id, ZoneEvent.type, ZoneEvent.ended_at).where(
                ZoneEvent.tenant_id == office.tenant_id, ZoneEvent.retracted_at.is_(None)
            )
        ).all()
        pushes = db.scalars(
            select(OutboxMessage.status).where(
                OutboxMessage.tenant_id == office.tenant_id, OutboxMessage.channel == "push"
            )
        ).all()
    engine.dispose()
    # watching began after the shift's start: nobody is judged late for this shift
    expected = {(p, "no_signal"): 1 for p in [*office.silent, office.supervisor]}
    expected |= {(rep, "off_zone"): 1 for rep in office.outside}
    assert Counter((staff, kind) for staff, kind, _ in rows) == expected
    assert all(ended is None for *_, ended in rows)  # all still open
    assert len(pushes) == 2 * GROUP  # to the supervisor, about the reps (nobody above them)
    assert set(pushes) == {"sent"}
    assert len(keys) == len(set(keys)) == len(pushes)  # none delivered twice


def _send_to_both(office: Office, bases: list[str], tokens: dict[uuid.UUID, str]) -> Counter[str]:
    """Each round, every sender's fix goes to both servers at once; returns the statuses
    the servers answered."""
    statuses: Counter[str] = Counter()
    with ExitStack() as stack, ThreadPoolExecutor(16) as pool:
        # a connection of its own for each phone and server: one client shared by threads
        # can read from a connection another thread is closing
        clients = {
            (base, rep): stack.enter_context(httpx.Client(timeout=30))
            for base in bases
            for rep in tokens
        }

        def post(base: str, rep: uuid.UUID, fix: dict[str, object]) -> str:
            r = clients[base, rep].post(
                f"{base}/api/v1/pings",
                json={"pings": [fix]},
                headers={"Authorization": f"Bearer {tokens[rep]}"},
            )
            assert r.status_code == 200, r.text
            return str(r.json()["results"][0]["status"])

        n = 0
        while not _silent_found(office):  # the senders report until the sweeps say so
            n += 1
            fixes = [(rep, _fix(rep, n, 50)) for rep in office.inside]
            fixes += [(rep, _fix(rep, n, 1_000)) for rep in office.outside]
            futures = [pool.submit(post, b, rep, fix) for rep, fix in fixes for b in bases]
            statuses.update(f.result() for f in futures)
            time.sleep(2)
    return statuses


def _deactivate_and_wait(
    office: Office, bases: list[str], rep: uuid.UUID, tokens: dict[uuid.UUID, str]
) -> float:
    """Deactivate a sender from outside the servers, both of which remember them; returns
    how long until both refuse the sender's token."""
    auth = {"Authorization": f"Bearer {tokens[rep]}"}
    # a fix from the future: answered (with "rejected") but never stored
    ahead = {
        **_fix(rep, 10_000, 50),
        "fix_time": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    late = {"pings": [ahead]}
    for base in bases:
        assert httpx.post(f"{base}/api/v1/pings", json=late, headers=auth).status_code == 200
    engine = make_engine(office.url, pool_size=1)
    with owned_session(make_sessionmaker(engine)) as db:
        listening = db.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = 'fieldforce-identity' "
                "AND query ~ '^(LISTEN|NOTIFY) fieldforce_identity'"
            )
        )
        assert listening == len(bases)  # so both remember the sender: not read each time
        db.execute(
            update(Staff).where(Staff.tenant_id == office.tenant_id, Staff.id == rep),
            {"active": False},
        )
    engine.dispose()
    began = time.monotonic()
    refusing: set[str] = set()
    while refusing != set(bases) and time.monotonic() - began < 30:
        for base in set(bases) - refusing:
            r = httpx.post(f"{base}/api/v1/pings", json=late, headers=auth)
            if r.status_code == 401:
                refusing.add(base)
        time.sleep(0.05)
    return time.monotonic() - began


def _silent_found(office: Office) -> bool:
    engine = make_engine(office.url, pool_size=1)
    try:
        with owned_session(make_sessionmaker(engine)) as db:
            return _count_events(db, office, "no_signal") >= len(office.silent) + 1
    finally:
        engine.dispose()


def _count_events(db: Session, office: Office, kind: str) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(ZoneEvent)
            .where(ZoneEvent.tenant_id == office.tenant_id, ZoneEvent.type == kind)
        )
        or 0
    )


def _waiting(db: Session, office: Office) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.tenant_id == office.tenant_id, OutboxMessage.status != "sent")
        )
        or 0
    )


def _wait_for(office: Office, condition: Callable[[Session], bool], seconds: float = 60) -> None:
    engine = make_engine(office.url, pool_size=1)
    factory = make_sessionmaker(engine)
    deadline = time.monotonic() + seconds
    try:
        while True:
            with owned_session(factory) as db:
                if condition(db):
                    return
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.2)
    finally:
        engine.dispose()
