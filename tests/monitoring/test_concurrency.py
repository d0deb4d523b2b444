"""Several processes at once: four sweepers and two uploaders per simulated minute, each in
its own connection and transactions, over forty people. Every event happens exactly once,
and so does every alert. Runs on committed data (not inside a rolled-back test
transaction), in a tenant of its own that is deleted at the end."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce import flows
from fieldforce.db import owned_session
from fieldforce.devices.models import Device
from fieldforce.monitoring.models import ZoneEvent
from fieldforce.notify.models import InboxItem
from fieldforce.tenancy.models import Tenant
from fieldforce.tracking.ingest import PingIn, Uploader
from geo.distance import WGS84
from tests.world import add_staff, add_tenant, add_unit, add_work_area

START = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)  # a Monday
CENTER = (121.47, 31.23)
PEOPLE = 40


@pytest.fixture
def committed(engine: Engine) -> Iterator[tuple[sessionmaker[Session], uuid.UUID, list[uuid.UUID]]]:
    factory = sessionmaker(engine, expire_on_commit=False)
    with owned_session(factory) as db:
        tenant = add_tenant(db, f"Concurrent {uuid.uuid4().hex[:8]}")
        tenant.timezone = "UTC"
        tenant.settings = {"default_duty_week": [{"weekday": 0, "start": "08:00", "end": "18:00"}]}
        unit = add_unit(db, tenant, "Field", None, "team")
        add_staff(db, unit, f"{tenant.slug}.sup", ["supervisor"])
        reps = [add_staff(db, unit, f"{tenant.slug}.rep{i}", ["rep"]) for i in range(PEOPLE)]
        for rep in reps:
            db.add(
                Device(
                    tenant_id=tenant.id,
                    staff_id=rep.id,
                    platform="android",
                    protocol="app",
                    identifier=uuid.uuid4().hex,
                    secret_hash="-",
                )
            )
        add_work_area(db, unit, CENTER, 300)
        tenant_id, rep_ids = tenant.id, [r.id for r in reps]
    try:
        yield factory, tenant_id, rep_ids
    finally:
        with owned_session(factory) as db:
            db.execute(delete(Tenant).where(Tenant.id == tenant_id))


def _fix(rep: uuid.UUID, minute: int, distance_m: float) -> PingIn:
    lon, lat, _ = WGS84.fwd(CENTER[0], CENTER[1], 90.0, distance_m)
    return PingIn(
        id=uuid.uuid5(rep, str(minute)),
        fix_time=START + timedelta(minutes=minute),
        lon=float(lon),
        lat=float(lat),
        accuracy_m=10,
    )


def _in_parallel(jobs: list[Callable[[], object]]) -> None:
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            job()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_sweepers_and_uploaders_at_once_raise_each_event_once(
    committed: tuple[sessionmaker[Session], uuid.UUID, list[uuid.UUID]],
) -> None:
    factory, tenant_id, reps = committed
    with owned_session(factory) as db:
        tenant = db.get(Tenant, tenant_id)
        assert tenant is not None
        settings = tenant.effective_settings
    in_zone, wanderers = reps[:20], reps[20:30]  # the last ten never send anything

    def upload(group: list[uuid.UUID], minute: int) -> None:
        now = START + timedelta(minutes=minute, seconds=5)
        for rep in group:
            distance = 50.0 if rep in in_zone else 1_000.0
            with owned_session(factory) as db:
                flows.ingest(
                    db,
                    Uploader(tenant_id, rep, None, settings),
                    [_fix(rep, minute, distance)],
                    now=now,
                    push=False,
                )

    senders = in_zone + wanderers
    for minute in range(0, 45):
        now = START + timedelta(minutes=minute, seconds=5)
        _in_parallel(
            [
                lambda now=now: flows.sweep_monitors(factory, now, batch=5, push=False)
                for _ in range(4)
            ]
            + [
                lambda m=minute: upload(senders[0::2], m),
                lambda m=minute: upload(senders[1::2], m),
            ]
        )

    with owned_session(factory) as db:
        rows = db.execute(
            select(ZoneEvent.staff_id, ZoneEvent.type, func.count())
            .where(ZoneEvent.tenant_id == tenant_id, ZoneEvent.retracted_at.is_(None))
            .group_by(ZoneEvent.staff_id, ZoneEvent.type)
        ).all()
        per_person: dict[uuid.UUID, Counter[str]] = {}
        for staff_id, kind, n in rows:
            per_person.setdefault(staff_id, Counter())[kind] = n
        for rep in in_zone:
            assert rep not in per_person
        for rep in wanderers:
            assert per_person[rep] == Counter({"off_zone": 1, "late_arrival": 1})
        for rep in reps[30:]:
            assert per_person[rep] == Counter({"no_signal": 1, "late_arrival": 1})
        alerts = db.scalar(
            select(func.count())
            .select_from(InboxItem)
            .where(InboxItem.tenant_id == tenant_id, InboxItem.kind == "alert")
        )
        assert alerts == 10 * 2 + 10 * 2  # one per event, to the one supervisor
