"""Two punches of one person at the same moment, each in its own session and transaction
on committed data (a tenant of its own, deleted at the end): two clock-ins make one open
attendance and one refusal; the same punch sent twice at once is stored once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.attendance import punches
from fieldforce.attendance.models import Attendance, Punch
from fieldforce.auth.service import actor_for
from fieldforce.db import owned_session
from fieldforce.tenancy.models import Tenant
from tests.world import ALWAYS_ON_DUTY, add_staff, add_tenant, add_unit


@dataclass
class Committed:
    factory: sessionmaker[Session]
    tenant_id: uuid.UUID
    rep: uuid.UUID


@pytest.fixture
def committed(engine: Engine) -> Iterator[Committed]:
    factory = sessionmaker(engine, expire_on_commit=False)
    with owned_session(factory) as db:
        tenant = add_tenant(db, f"Punches {uuid.uuid4().hex[:8]}")
        tenant.settings = {"default_duty_week": ALWAYS_ON_DUTY}
        root = add_unit(db, tenant, "Group", None, "group")
        rep = add_staff(db, root, f"{tenant.slug}.rep", ["rep"])
        made = Committed(factory, tenant.id, rep.id)
    try:
        yield made
    finally:
        with owned_session(factory) as db:
            db.execute(delete(Tenant).where(Tenant.id == made.tenant_id))


def _at_once(c: Committed, bodies: list[punches.PunchIn]) -> list[str]:
    barrier = threading.Barrier(len(bodies))
    outcomes: list[str] = []

    def send(body: punches.PunchIn) -> None:
        with owned_session(c.factory) as db:
            actor = actor_for(db, c.tenant_id, c.rep)
            barrier.wait()
            result = punches.punch(db, actor, body)
            outcomes.append(
                "duplicate" if result.duplicate else result.punch.reason or result.punch.status
            )

    threads = [threading.Thread(target=send, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(outcomes)


def _body(punch_id: uuid.UUID | None = None) -> punches.PunchIn:
    return punches.PunchIn(
        id=punch_id or uuid.uuid4(),
        kind="in",
        time=datetime.now(UTC) - timedelta(seconds=5),
        lon=121.47,
        lat=31.23,
        accuracy_m=10,
    )


def _count(c: Committed, model: type[Punch] | type[Attendance]) -> int:
    with owned_session(c.factory) as db:
        return db.scalar(select(func.count()).where(model.tenant_id == c.tenant_id)) or 0


def test_two_clock_ins_at_once_open_one_attendance(committed: Committed) -> None:
    outcomes = _at_once(committed, [_body(), _body()])
    assert outcomes == ["accepted", "already_clocked_in"]
    assert _count(committed, Attendance) == 1
    assert _count(committed, Punch) == 2  # the refused one is kept, with its reason


def test_the_same_punch_twice_at_once_is_stored_once(committed: Committed) -> None:
    same = uuid.uuid4()
    outcomes = _at_once(committed, [_body(same), _body(same)])
    assert outcomes == ["accepted", "duplicate"]
    assert _count(committed, Punch) == 1
    assert _count(committed, Attendance) == 1
