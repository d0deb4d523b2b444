"""The invariant the monitor relies on (docs/decisions.md, "Off-zone monitoring is a state
machine per shift, replayed when the past changes"): whatever order fixes arrive in, in
whatever batches, with sweeps at whatever minutes, the events the monitor wrote as it went
are those of a replay of the shift from the stored fixes.

Random fixes inside, outside and straddling the zone, with good and poor accuracy (worse
than the tenant's limit: stored, flagged and left out), uploaded on time or late (offline
buffers, out of order, several at once), and sweeps interleaved; the rep may be first looked
at in the middle of the shift. The real ingest flow, sweep and database throughout; each
example runs in a savepoint of its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.monitoring.judge import Judge
from fieldforce.monitoring.models import MonitorState
from fieldforce.monitoring.monitor import UPLOAD_SETTLE
from fieldforce.tracking.partitions import forget_known_partitions
from tests.monitoring.scene import MONDAY, RADIUS, P, Scene, at
from tests.world import World

HORIZON = 80  # minutes of the shift that fixes are drawn from
WHERE = {"inside": 50.0, "straddling": RADIUS, "outside": 1000.0}
ACCURACY = {"good": 10.0, "fair": 60.0, "poor": 200.0}  # poor: beyond the 150 m limit


@dataclass(frozen=True)
class Sent:
    """A fix (at a half-minute ``slot`` of the shift) sent ``delay`` minutes late."""

    slot: int
    where: str
    accuracy: str
    delay: int
    bearing: float

    @property
    def fix(self) -> P:
        return P(self.slot / 2, WHERE[self.where], ACCURACY[self.accuracy], self.bearing)

    @property
    def upload_minute(self) -> int:
        return self.slot // 2 + self.delay


@dataclass(frozen=True)
class Day:
    sent: list[Sent]
    sweeps: frozenset[int]

    def minutes(self) -> list[int]:
        return sorted({s.upload_minute for s in self.sent} | self.sweeps)


def sent(first_slot: int) -> st.SearchStrategy[Sent]:
    return st.builds(
        Sent,
        slot=st.integers(first_slot, 2 * HORIZON - 1),
        where=st.sampled_from(list(WHERE)),
        accuracy=st.sampled_from(list(ACCURACY)),
        delay=st.one_of(st.just(0), st.integers(1, 45)),
        bearing=st.sampled_from([0.0, 90.0, 200.0]),
    )


@st.composite
def days(draw: st.DrawFn) -> Day:
    # up to 40 minutes into the shift before anything happens: first looked at mid-shift
    first = draw(st.one_of(st.just(0), st.integers(1, 40)))
    fixes = draw(st.lists(sent(2 * first), max_size=40, unique_by=lambda s: s.slot))
    sweeps = draw(st.frozensets(st.integers(first, HORIZON + 45), max_size=60))
    return Day(fixes, sweeps)


def play(scene: Scene, day: Day) -> datetime:
    """Uploads and sweeps minute by minute, then a last sweep once everything settled;
    returns when that was."""
    for minute in day.minutes():
        batch = [s.fix for s in day.sent if s.upload_minute == minute]
        if batch:
            scene.upload(batch, at(minute) + timedelta(seconds=40))
        if minute in day.sweeps:
            scene.sweep(at(minute) + timedelta(seconds=50))
    end = at(max(day.minutes(), default=0) + 1) + UPLOAD_SETTLE
    scene.sweep(end)
    return end


def live(scene: Scene) -> list[tuple[Any, ...]]:
    return [
        (e.type, e.started_at, e.ended_at, e.zone_id, e.shift_start, e.details)
        for e in scene.events()
    ]


def replayed(scene: Scene, until: datetime) -> list[tuple[Any, ...]]:
    """The shift replayed from scratch, from the stored fixes, from where it was watched."""
    row = scene.db.get(MonitorState, (scene.world.tenant.id, scene.rep.id))
    if row is None:
        return []  # never looked at
    judge = Judge(scene.db, scene.rep, scene.world.tenant, until)
    shift = judge.plan.shift_at(MONDAY)
    assert shift is not None
    _, events = judge.replayed_shift(shift, row.watched_since, min(until, shift.end))
    return [
        (e.type.value, e.started_at, e.ended_at, e.zone_id, shift.start, e.details) for e in events
    ]


@contextmanager
def savepoint(connection: Connection, db: Session) -> Iterator[None]:
    db.commit()  # no savepoint of the session left open around this one
    nested = connection.begin_nested()
    try:
        yield
    finally:
        db.rollback()
        nested.rollback()
        forget_known_partitions()


def _buffered_in_parts_then_an_older_fix() -> Day:
    """First looked at five minutes in; in the zone, then out of it from minute 30 while
    the phone buffers (silent from 25: no signal at 45), the buffer sent in parts at 50 and
    51 with sweeps between (a rewind to the last fix), then a fix older than all of them
    (a replay)."""
    on_time = [Sent(slot, "inside", "good", 0, 90.0) for slot in range(10, 50, 4)]
    buffered = [Sent(slot, "outside", "good", 50 - slot // 2, 90.0) for slot in range(60, 90, 4)]
    buffered += [Sent(slot, "outside", "fair", 51 - slot // 2, 0.0) for slot in range(90, 100, 4)]
    older = [Sent(51, "straddling", "good", 30, 200.0)]
    return Day(on_time + buffered + older, frozenset({5, 20, 45, 50, 51, 60, 70}))


@example(day=_buffered_in_parts_then_an_older_fix())
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(day=days())
def test_live_events_are_those_of_a_replay(
    day: Day,
    client: TestClient,
    world: World,
    db: Session,
    connection: Connection,
    session_factory: sessionmaker[Session],
) -> None:
    with savepoint(connection, db):
        scene = Scene(client, world, db, session_factory)
        until = play(scene, day)
        assert live(scene) == replayed(scene, until)
