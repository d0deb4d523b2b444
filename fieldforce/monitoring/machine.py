"""The off-zone state machine of one person over one shift (DESIGN §4), without a database.

A shift's events depend only on its rules and the good fixes inside it, and the state at
any moment only on the fixes up to that moment. Live fixes and the sweep move the state
forward; a fix older than a decision already taken replays the shift from its start, and
the replay gives the same events the live run would have given had that fix come in time.

Timers fire at fixed moments, earliest first:
- dwell: at ``run_start + dwell`` when the outside run has ``min_fixes`` fixes and nothing
  since has said otherwise, the person is off zone from the run's first fix;
- no signal: ``no_signal_after`` after the last good fix (or the shift start), from that fix;
  an off-zone event ends at that fix, since where the person went next is not known;
- late arrival: ``late_grace`` after the shift start with no inside fix yet, from the start;
- the shift end closes whatever is open.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from geo.zones import Verdict


class Status(StrEnum):
    IN_ZONE = "in_zone"
    OFF_ZONE = "off_zone"
    NO_SIGNAL = "no_signal"
    OFF_DUTY = "off_duty"
    UNKNOWN = "unknown"


class EventType(StrEnum):
    OFF_ZONE = "off_zone"
    NO_SIGNAL = "no_signal"
    LATE_ARRIVAL = "late_arrival"


@dataclass(frozen=True)
class Rules:
    """Thresholds for one shift. ``zoned`` is false when the person has no zone to be in:
    then only ``no_signal`` applies."""

    margin_m: float = 20.0
    dwell_s: int = 600
    min_fixes: int = 2
    no_signal_after_s: int = 1200
    late_grace_s: int = 900
    zoned: bool = True


@dataclass(frozen=True)
class Fix:
    time: datetime
    verdict: Verdict
    zone_id: uuid.UUID | None = None
    distance_m: float | None = None


@dataclass
class Event:
    type: EventType
    started_at: datetime
    ended_at: datetime | None = None
    zone_id: uuid.UUID | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[EventType, datetime]:
        return (self.type, self.started_at)


@dataclass
class Segment:
    """The person's status from ``start`` (to the next segment or the shift end)."""

    status: Status
    start: datetime


@dataclass
class ShiftState:
    start: datetime
    end: datetime
    rules: Rules
    as_of: datetime
    zone_status: Status = Status.UNKNOWN  # in_zone, off_zone or unknown
    last_good: datetime | None = None
    run_start: datetime | None = None
    run_count: int = 0
    run_zone: uuid.UUID | None = None
    arrived_at: datetime | None = None
    decided_at: datetime | None = None
    # when the shift began by the schedule, if before ``start`` (first looked at mid-shift)
    scheduled: datetime | None = None
    open: dict[EventType, Event] = field(default_factory=dict)
    segments: list[Segment] | None = None  # kept only when asked for (reports)
    # the state as it was at the last fix, before the timers that fired since, and the
    # events those timers opened or closed: a fix that comes late, but after the last
    # one, rewinds to it instead of replaying the shift (offline buffers sent in parts)
    checkpoint: dict[str, Any] | None = None
    touched: list[tuple[EventType, datetime]] = field(default_factory=list)

    @classmethod
    def fresh(
        cls,
        start: datetime,
        end: datetime,
        rules: Rules,
        *,
        keep_segments: bool = False,
        scheduled: datetime | None = None,
    ) -> ShiftState:
        """A shift watched from ``start``; ``scheduled`` is when it began by the schedule
        when that was earlier (the person was first looked at with the shift under way)."""
        state = cls(
            start,
            end,
            rules,
            as_of=start,
            scheduled=scheduled if scheduled is not None and scheduled < start else None,
            segments=[] if keep_segments else None,
        )
        return state._noting_status(start)

    # what it says ------------------------------------------------------------------------
    @property
    def shift_start(self) -> datetime:
        return self.scheduled or self.start

    @property
    def late_deadline(self) -> datetime | None:
        """Not in a zone by then is late; none for someone first looked at after it."""
        deadline = self.shift_start + timedelta(seconds=self.rules.late_grace_s)
        return deadline if self.start < deadline else None

    @property
    def finished(self) -> bool:
        return self.as_of >= self.end

    @property
    def status(self) -> Status:
        if self.finished:
            return Status.OFF_DUTY
        if EventType.NO_SIGNAL in self.open:
            return Status.NO_SIGNAL
        return self.zone_status

    def takes(self, t: datetime) -> bool:
        """Whether a fix at ``t`` can be applied now: it is in the shift and no later than
        any fix or timer decision already taken. Otherwise the shift must be replayed."""
        return (
            self.start <= t < self.end
            and (self.last_good is None or t >= self.last_good)
            and (self.decided_at is None or t >= self.decided_at)
        )

    def rewound(self, t: datetime) -> ShiftState | None:
        """The state at the last fix, when a fix at ``t`` can be applied to it."""
        if self.checkpoint is None:
            return None
        before = load(self.checkpoint)
        return before if before.takes(t) else None

    def next_timer(self) -> datetime:
        return min(t for t, _ in self._timers())

    # moving it -------------------------------------------------------------------------
    def advance(self, until: datetime) -> list[Event]:
        """Fire every timer due up to ``until``, earliest first."""
        changed: list[Event] = []
        until = min(until, self.end)
        while not self.finished:
            due, fire = min(self._timers(), key=lambda tf: tf[0])
            if due > until:
                break
            if self.checkpoint is None:
                self.checkpoint = dump(self)
            seen = len(changed)
            fire(due, changed)
            self.touched += [e.key for e in changed[seen:] if e.key not in self.touched]
        self.as_of = max(self.as_of, until)
        return _unique(changed)

    def observe(self, fix: Fix) -> list[Event]:
        changed = self.advance(fix.time)
        if self.finished or fix.time < self.start:
            return changed
        self.last_good = fix.time
        if (gap := self.open.pop(EventType.NO_SIGNAL, None)) is not None:
            changed.append(_ended(gap, fix.time))
        if self.rules.zoned:
            if fix.verdict is Verdict.INSIDE:
                self._inside(fix, changed)
            elif fix.verdict is Verdict.OUTSIDE:
                self._outside(fix, changed)
        self.as_of = max(self.as_of, fix.time)
        self.checkpoint, self.touched = None, []  # the timers before this fix stand
        self._noting_status(fix.time)
        return _unique(changed)

    # fixes -----------------------------------------------------------------------------
    def _inside(self, fix: Fix, changed: list[Event]) -> None:
        self.zone_status = Status.IN_ZONE
        self.run_start, self.run_count, self.run_zone = None, 0, None
        if (away := self.open.pop(EventType.OFF_ZONE, None)) is not None:
            changed.append(_ended(away, fix.time))
        if self.arrived_at is None:
            self.arrived_at = fix.time
            if (late := self.open.pop(EventType.LATE_ARRIVAL, None)) is not None:
                changed.append(_ended(late, fix.time))

    def _outside(self, fix: Fix, changed: list[Event]) -> None:
        if self.run_start is None:
            self.run_start, self.run_count, self.run_zone = fix.time, 1, fix.zone_id
        else:
            self.run_count += 1
        if EventType.OFF_ZONE not in self.open and self._run_confirmed(fix.time):
            self._off_zone(fix.time, changed, distance_m=fix.distance_m)

    def _run_confirmed(self, t: datetime) -> bool:
        return (
            self.run_start is not None
            and self.run_count >= self.rules.min_fixes
            and t - self.run_start >= timedelta(seconds=self.rules.dwell_s)
        )

    def _off_zone(
        self, confirmed_at: datetime, changed: list[Event], distance_m: float | None = None
    ) -> None:
        assert self.run_start is not None
        details: dict[str, Any] = {
            "confirmed_at": confirmed_at.isoformat(),
            "outside_fixes": self.run_count,
        }
        if distance_m is not None:
            details["distance_m"] = round(-distance_m, 1)
        event = Event(EventType.OFF_ZONE, self.run_start, zone_id=self.run_zone, details=details)
        self.open[EventType.OFF_ZONE] = event
        self.zone_status = Status.OFF_ZONE
        changed.append(event)

    # timers ----------------------------------------------------------------------------
    def _timers(self) -> Iterable[tuple[datetime, Any]]:
        yield self.end, self._fire_end
        r = self.rules
        if EventType.NO_SIGNAL not in self.open:
            since = self.last_good or self.start
            yield since + timedelta(seconds=r.no_signal_after_s), self._fire_no_signal
            if (
                r.zoned
                and EventType.OFF_ZONE not in self.open
                and self.run_start is not None
                and self.run_count >= r.min_fixes
            ):
                yield self.run_start + timedelta(seconds=r.dwell_s), self._fire_dwell
        if (
            r.zoned
            and self.arrived_at is None
            and EventType.LATE_ARRIVAL not in self.open
            and (deadline := self.late_deadline) is not None
        ):
            yield deadline, self._fire_late

    def _fire_end(self, due: datetime, changed: list[Event]) -> None:
        for event in self.open.values():
            changed.append(_ended(event, self.end))
        self.open.clear()
        self.as_of = self.end
        self._noting_status(self.end)

    def _fire_no_signal(self, due: datetime, changed: list[Event]) -> None:
        since = self.last_good or self.start
        if (away := self.open.pop(EventType.OFF_ZONE, None)) is not None:
            changed.append(_ended(away, since))
        self.run_start, self.run_count, self.run_zone = None, 0, None
        self.zone_status = Status.UNKNOWN
        gap = Event(EventType.NO_SIGNAL, since, details={"detected_at": due.isoformat()})
        self.open[EventType.NO_SIGNAL] = gap
        changed.append(gap)
        self._decided(due, since)

    def _fire_dwell(self, due: datetime, changed: list[Event]) -> None:
        self._off_zone(due, changed)
        self._decided(due, self.run_start)

    def _fire_late(self, due: datetime, changed: list[Event]) -> None:
        late = Event(EventType.LATE_ARRIVAL, self.start, details={"detected_at": due.isoformat()})
        self.open[EventType.LATE_ARRIVAL] = late
        changed.append(late)
        self._decided(due, None)

    def _decided(self, due: datetime, status_from: datetime | None) -> None:
        self.decided_at = due
        self.as_of = max(self.as_of, due)
        self._noting_status(status_from)

    def _noting_status(self, at: datetime | None = None) -> ShiftState:
        """Record a status change for reports, at the moment it really began."""
        if self.segments is None:
            return self
        status = self.status
        when = at if at is not None else self.as_of
        if not self.segments or self.segments[-1].status is not status:
            while self.segments and self.segments[-1].start >= when:
                self.segments.pop()
            if not self.segments or self.segments[-1].status is not status:
                self.segments.append(Segment(status, max(when, self.start)))
        return self


def _ended(event: Event, at: datetime) -> Event:
    event.ended_at = max(at, event.started_at)
    return event


def _unique(events: list[Event]) -> list[Event]:
    return list({id(e): e for e in events}.values())


def replay(
    start: datetime,
    end: datetime,
    rules: Rules,
    fixes: Iterable[Fix],
    until: datetime,
    *,
    keep_segments: bool = False,
    scheduled: datetime | None = None,
) -> tuple[ShiftState, list[Event]]:
    """The shift from its start with every fix, up to ``until``: the final state and every
    event it had, in order of start."""
    state = ShiftState.fresh(start, end, rules, keep_segments=keep_segments, scheduled=scheduled)
    events: dict[tuple[EventType, datetime], Event] = {}
    for fix in sorted(fixes, key=lambda f: f.time):
        if fix.time >= until:
            break
        for e in state.observe(fix):
            events[e.key] = e
    for e in state.advance(until):
        events[e.key] = e
    return state, sorted(events.values(), key=lambda e: (e.started_at, e.type))


@lru_cache(maxsize=1024)
def _rules_as_dict(rules: Rules) -> dict[str, Any]:
    """A few rule sets serve a whole tenant; the dict is only ever read."""
    return asdict(rules)


def dump(state: ShiftState) -> dict[str, Any]:
    """The state as JSON, to keep between requests."""

    def t(v: datetime | None) -> str | None:
        return None if v is None else v.isoformat()

    return {
        "start": t(state.start),
        "end": t(state.end),
        "rules": _rules_as_dict(state.rules),
        "as_of": t(state.as_of),
        "zone_status": state.zone_status.value,
        "last_good": t(state.last_good),
        "run_start": t(state.run_start),
        "run_count": state.run_count,
        "run_zone": None if state.run_zone is None else str(state.run_zone),
        "arrived_at": t(state.arrived_at),
        "decided_at": t(state.decided_at),
        "scheduled": t(state.scheduled),
        "open": [
            {
                "type": e.type.value,
                "started_at": e.started_at.isoformat(),
                "zone_id": None if e.zone_id is None else str(e.zone_id),
                "details": e.details,
            }
            for e in state.open.values()
        ],
        "checkpoint": state.checkpoint,
        "touched": [[kind.value, started.isoformat()] for kind, started in state.touched],
    }


def load(raw: dict[str, Any]) -> ShiftState:
    def t(v: str | None) -> datetime | None:
        return None if v is None else datetime.fromisoformat(v)

    def u(v: str | None) -> uuid.UUID | None:
        return None if v is None else uuid.UUID(v)

    start, end, as_of = t(raw["start"]), t(raw["end"]), t(raw["as_of"])
    assert start is not None
    assert end is not None
    assert as_of is not None
    events = [
        Event(
            EventType(e["type"]),
            datetime.fromisoformat(e["started_at"]),
            zone_id=u(e["zone_id"]),
            details=e["details"],
        )
        for e in raw["open"]
    ]
    return ShiftState(
        start,
        end,
        Rules(**raw["rules"]),
        as_of,
        zone_status=Status(raw["zone_status"]),
        last_good=t(raw["last_good"]),
        run_start=t(raw["run_start"]),
        run_count=raw["run_count"],
        run_zone=u(raw["run_zone"]),
        arrived_at=t(raw["arrived_at"]),
        decided_at=t(raw["decided_at"]),
        scheduled=t(raw.get("scheduled")),
        open={e.type: e for e in events},
        checkpoint=raw.get("checkpoint"),
        touched=[
            (EventType(kind), datetime.fromisoformat(started))
            for kind, started in raw.get("touched", [])
        ],
    )
