"""Off-zone monitoring of one person (DESIGN §4): the current duty window, the state
machine of its shift kept between requests, fixes applied to it as they come, and replays
when a fix changes the past. How shifts and fixes are judged is the judge's business
(``monitoring.judge``).

Everything happens under the lock on the person's ``monitor_state`` row, so ingest
requests and sweeps in any number of processes take turns per person.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fieldforce.duty.plan import Shift
from fieldforce.monitoring.events import Step, reconcile, retract, store, store_steps
from fieldforce.monitoring.judge import LOOKAHEAD, Judge, Setup, Shared, watched_from
from fieldforce.monitoring.machine import Event, EventType, ShiftState, Status, dump, load
from fieldforce.monitoring.models import MonitorState, ZoneEvent
from fieldforce.org.models import Staff
from fieldforce.tenancy.models import Tenant, TenantSettings
from fieldforce.tracking.queries import GoodFix

# A phone sending an offline buffer sends it in parts, seconds apart: timers wait this long
# after an upload so that a sweep between two parts does not call the phone silent.
UPLOAD_SETTLE = timedelta(minutes=2)

Key = tuple[EventType, datetime]  # an event's natural key: its type and start


@dataclass(slots=True)
class StateRow:
    """A ``monitor_state`` row as plain values: read by one statement (``STATE_COLUMNS``),
    changed in memory while it is locked, written back by ``write_states``. Plain values
    cost a fraction of an ORM object to load, and a group or sweep batch reads hundreds."""

    tenant_id: uuid.UUID
    staff_id: uuid.UUID
    status: str
    on_duty: bool
    duty_from: datetime | None
    duty_until: datetime | None
    zone_ids: list[uuid.UUID]
    zone_key: str | None
    machine: dict[str, Any] | None
    next_check_at: datetime
    stale: bool
    watched_since: datetime | None


_STATE = MonitorState.__table__.c
STATE_COLUMNS = tuple(_STATE[f.name] for f in fields(StateRow))


def state_row(values: Sequence[Any]) -> StateRow:
    """A row read with ``STATE_COLUMNS`` first."""
    return StateRow(*values[: len(STATE_COLUMNS)])


class Monitor:
    """One person's monitoring, for one request or one sweep step."""

    def __init__(
        self,
        session: Session,
        row: StateRow,
        staff: Staff,
        tenant: Tenant,
        now: datetime,
        shared: Shared | None = None,
        *,
        defer: bool = False,
        settings: TenantSettings | None = None,
    ) -> None:
        self.session, self.row, self.staff, self.tenant, self.now = (
            session,
            row,
            staff,
            tenant,
            now,
        )
        self.judge = Judge(session, staff, tenant, now, shared, settings)
        self.machine: ShiftState | None = load(row.machine) if row.machine else None
        self.new_events: list[ZoneEvent] = []
        # a sweep writes the events of a whole batch at once (``store_steps``)
        self.defer = defer
        self.received = False  # fixes came in with this change, not only time
        self.pending: list[Step] = []
        self._written: set[Key] = set()

    @classmethod
    def lock_many(
        cls, session: Session, people: Sequence[tuple[Staff, Tenant]], now: datetime
    ) -> dict[uuid.UUID, Monitor]:
        """The people's rows (made on first use), locked for this transaction in key order,
        so that transactions locking several wait for each other instead of deadlocking.
        By staff id. The rows are the caller's to write (``write_states``)."""
        keys = sorted({(s.tenant_id, s.id) for s, _ in people})
        rows = _locked(session, keys)
        missing = [k for k in keys if k[1] not in rows]
        if missing:
            session.execute(
                insert(MonitorState)
                .values([_fresh_state(t, s, now) for t, s in missing])
                .on_conflict_do_nothing()
            )
            rows |= _locked(session, missing)
        tenants = {tenant.id: tenant for _, tenant in people}
        settings = {tenant_id: t.effective_settings for tenant_id, t in tenants.items()}
        return {
            s.id: cls(session, rows[s.id], s, tenant, now, settings=settings[tenant.id])
            for s, tenant in people
        }

    def on_duty(self, t: datetime) -> bool:
        r = self.row
        known = not r.stale and r.duty_from is not None and r.duty_until is not None
        if known and r.duty_from <= t < r.duty_until:  # type: ignore[operator]
            return r.on_duty
        return self.judge.plan.on_duty(t)

    # fixes -------------------------------------------------------------------------------
    def observe(self, fixes: Sequence[GoodFix]) -> None:
        """Apply new good fixes (already stored), then bring everything up to now."""
        self.received = self.received or bool(fixes)
        past, current = self._split_off_past(sorted(fixes, key=lambda f: f.time))
        undone = self._apply_window_by_window(current)
        self._replay_past_shifts(past)
        # Timers only up to the newest fix: a phone sending an old buffer in parts is not
        # silent after the first part. The sweep fires whatever is due within a minute.
        self.fire_timers(max((f.time for f in fixes), default=self.now))
        self._retract_what_rewinds_undid(undone)

    def _split_off_past(self, ordered: list[GoodFix]) -> tuple[list[GoodFix], list[GoodFix]]:
        """Fixes of shifts already left behind (before the current window), and the rest."""
        since = self.row.duty_from
        n = 0 if since is None else sum(1 for f in ordered if f.time < since)
        return ordered[:n], ordered[n:]

    def _apply_window_by_window(self, ordered: list[GoodFix]) -> set[Key]:
        """Enter the window (a shift, or the gap to one) holding each fix in turn and apply
        the fixes of a shift to it; returns what rewinds undid."""
        undone: set[Key] = set()
        while ordered:
            self._move_to_window_of(ordered[0].time)
            until = self.row.duty_until
            assert until is not None
            here = [f for f in ordered if f.time < until]
            ordered = ordered[len(here) :]
            if self.machine is not None:  # off duty, fixes are stored only if the tenant asks
                undone |= self._apply_to_shift(here)
        return undone

    def _apply_to_shift(self, ordered: list[GoodFix]) -> set[Key]:
        """Fixes of the running shift. Each fix applied moves the machine on to its own time
        and no further, so only the first can come after a decision already taken: then
        the machine rewinds to its last fix, or the shift is replayed."""
        m = self.machine
        assert m is not None
        watched = [f for f in ordered if f.time >= m.start]  # not before the first look
        if not watched:
            return set()
        first = watched[0].time
        undone: set[Key] = set()
        if not m.takes(first):
            rewound = m.rewound(first)
            if rewound is None:
                self._replay_running_shift()  # older than the last fix: it reads them all
                return undone
            undone = self._rewind_to_last_fix(rewound)
        self._apply_live(watched)
        return undone

    def _rewind_to_last_fix(self, rewound: ShiftState) -> set[Key]:
        """A fix later than the last fix but before a timer's decision: back to the state at
        the last fix. Only what the timers did since is undone; returns their events."""
        assert self.machine is not None
        undone = set(self.machine.touched)
        self.machine = rewound
        return undone

    def _apply_live(self, ordered: list[GoodFix]) -> None:
        """Fixes the machine can take, judged in one go and applied in order."""
        m = self.machine
        assert m is not None
        for fix in self.judge.verdicts(self._running_setup(), ordered):
            self._stored(m.observe(fix), m.shift_start)

    def current_setup(self) -> Setup | None:
        """What the running shift's fixes are judged with, while it is known to hold."""
        if self.machine is None or self.row.stale:
            return None
        return self._running_setup()

    def _running_setup(self) -> Setup:
        assert self.machine is not None
        return Setup(self.machine.rules, list(self.row.zone_ids), self.row.zone_key)

    # time --------------------------------------------------------------------------------
    def fire_timers(self, until: datetime | None = None) -> None:
        """Fire the timers due by ``until`` (at most now), moving into the next window where
        one ends, and save the state."""
        until = self.now if until is None else min(until, self.now)
        self._move_to_window_of(until)
        if self.machine is not None:
            self._stored(self.machine.advance(until), self.machine.shift_start)
        self._save()

    def _move_to_window_of(self, t: datetime) -> None:
        """Make the current duty window the one holding ``t``, finishing the shifts left
        behind and entering the next windows on the way."""
        r = self.row
        if r.stale:
            self._judge_again(t)
        long_ago = t - timedelta(days=self.judge.settings.upload_window_days)
        if r.duty_until is not None and r.duty_until < long_ago:
            self._finish_shift()
            self._enter_window(t)  # long unattended: shifts in between are not filled in
        while r.duty_until is None or t >= r.duty_until:
            if self._extended():
                continue
            self._finish_shift()
            self._enter_window(r.duty_until or t)

    def _extended(self) -> bool:
        """Duty that runs on past the window (around the clock, or longer than the plan
        was looked at for) keeps its shift: the window grows instead."""
        m, r = self.machine, self.row
        if m is None or r.duty_until is None:
            return False
        start, end, shift = self._window_at(r.duty_until)
        if shift is None or start >= m.end or end <= m.end:
            return False
        m.end = r.duty_until = end
        return True

    def _finish_shift(self) -> None:
        """Fire the running shift's timers to its end, which closes what is open."""
        m = self.machine
        if m is not None:
            self._stored(m.advance(m.end), m.shift_start)
            self.machine = None

    def _enter_window(self, t: datetime) -> None:
        """Enter the window holding ``t``: a shift is watched from its start, or from ``t``
        when that is later (joining it under way)."""
        r = self.row
        if r.duty_from is None:  # the first look at this person
            r.watched_since = t
        start, end, shift = self._window_at(t)
        r.duty_from, r.duty_until, r.on_duty = start, end, shift is not None
        if shift is None:
            r.zone_ids, r.zone_key = [], None
            return
        setup = self.judge.setup(shift)
        r.zone_ids, r.zone_key = setup.zone_ids, setup.zone_key
        self.machine = ShiftState.fresh(
            max(shift.start, t), shift.end, setup.rules, scheduled=shift.start
        )

    def _window_at(self, t: datetime) -> tuple[datetime, datetime, Shift | None]:
        """The shift holding ``t``, or the gap between the shifts around it."""
        shifts = self.judge.plan.shifts(t - LOOKAHEAD, t + LOOKAHEAD)
        for s in shifts:
            if s.contains(t):
                return s.start, s.end, s
        before = max((s.end for s in shifts if s.end <= t), default=t - LOOKAHEAD)
        after = min((s.start for s in shifts if s.start > t), default=t + LOOKAHEAD)
        return before, after, None

    def _judge_again(self, t: datetime) -> None:
        """Schedules, zones or thresholds changed: judge the running shift again by them."""
        r, old = self.row, self.machine
        old_key = r.zone_key
        r.stale = False
        if old is None:
            self._enter_window(t)  # a first look, or off duty: nothing was judged yet
            return
        if old.end <= t:
            return  # it ended by the old plan; _move_to_window_of finishes it
        start, end, shift = self._window_at(t)
        r.duty_from, r.duty_until, r.on_duty = start, end, shift is not None
        setup = None if shift is None else self.judge.setup(shift)
        r.zone_ids = [] if setup is None else setup.zone_ids
        r.zone_key = None if setup is None else setup.zone_key
        if (
            setup is not None
            and old.rules == setup.rules
            and old_key == setup.zone_key
            and start <= old.start
            and end >= old.end
        ):
            old.end = end  # the same shift (or longer): nothing to judge again
            return
        # judged again from where it was watched, never before: no lateness in hindsight
        begin = max(start, old.start)
        events: list[Event] = []
        self.machine = None
        if setup is not None:
            self.machine, events = self.judge.replayed(
                begin, end, setup, until=min(t, end), scheduled=start
            )
        self.new_events += self._reconcile(
            events, start, min(old.start, begin), max(old.end, end), self.now
        )

    # replays -----------------------------------------------------------------------------
    def _replay_running_shift(self) -> None:
        """The running shift from where it was watched, from the stored fixes."""
        m = self.machine
        assert m is not None
        until = min(self.now, m.end)
        self.machine, events = self.judge.replayed(
            m.start, m.end, self._running_setup(), until, scheduled=m.shift_start
        )
        self.new_events += self._reconcile(events, m.shift_start, m.start, m.end, self.now)

    def _replay_past_shifts(self, fixes: Sequence[GoodFix]) -> None:
        """Each shift left behind that these fixes fall in, from where it was watched."""
        shifts: dict[datetime, Shift] = {}
        for f in fixes:
            if (shift := self.judge.plan.shift_at(f.time)) is not None:
                shifts[shift.start] = shift
        since = self.row.watched_since
        for shift in shifts.values():
            if since is not None and since >= shift.end:
                continue  # nobody was watching then
            until = min(self.now, shift.end)
            _, events = self.judge.replayed_shift(shift, since, until)
            begin = watched_from(shift, since)
            self.new_events += self._reconcile(events, shift.start, begin, shift.end, self.now)

    def _retract_what_rewinds_undid(self, undone: set[Key]) -> None:
        """Events that timers opened or closed before a rewind: those still open are
        written as they are now, those written since are fine, the rest never happened."""
        if not undone:
            return
        m = self.machine
        still_open = {e.key: e for e in (m.open.values() if m is not None else ())}
        self._stored(
            [still_open[k] for k in undone if k in still_open],
            m.shift_start if m else self.now,
        )
        gone = [k for k in undone if k not in still_open and k not in self._written]
        if gone:
            retract(self.session, self.judge.owner, gone, self.now)

    # storing -----------------------------------------------------------------------------
    def _stored(self, events: Sequence[Event], shift_start: datetime) -> None:
        if not events:
            return
        self._written.update(e.key for e in events)
        owner = self.judge.owner
        if self.defer:
            self.pending.append(Step(owner, shift_start, list(events)))
        else:
            self.new_events += store(self.session, owner, events, shift_start)

    def _reconcile(self, events: Sequence[Event], *args: datetime) -> list[ZoneEvent]:
        """``events.reconcile``, after what is waiting to be written."""
        if self.pending:
            self.new_events += store_steps(self.session, self.pending)
            self.pending = []
        return reconcile(self.session, self.judge.owner, events, *args)

    def _save(self) -> None:
        r, m = self.row, self.machine
        r.machine = None if m is None else dump(m)
        r.status = (m.status if m is not None else Status.OFF_DUTY).value
        if r.stale:
            r.next_check_at = self.now
        elif m is not None:
            r.next_check_at = m.next_timer()
            if self.received:
                r.next_check_at = max(r.next_check_at, self.now + UPLOAD_SETTLE)
        else:
            r.next_check_at = r.duty_until or self.now + LOOKAHEAD


def _fresh_state(tenant_id: uuid.UUID, staff_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    """A first row: nothing known, judged at the first look."""
    return {
        "tenant_id": tenant_id,
        "staff_id": staff_id,
        "status": Status.UNKNOWN.value,
        "on_duty": False,
        "zone_ids": [],
        "next_check_at": now,
        "stale": True,
    }


def _locked(
    session: Session, keys: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> dict[uuid.UUID, StateRow]:
    rows = session.execute(
        select(*STATE_COLUMNS)
        .where(
            _STATE.tenant_id.in_({t for t, _ in keys}),
            _STATE.staff_id.in_({s for _, s in keys}),
        )
        .order_by(_STATE.tenant_id, _STATE.staff_id)
        .with_for_update()
    )
    return {r.staff_id: state_row(r) for r in rows}


_WRITE_STATES = text("""
    UPDATE monitor_state m
       SET status = r.status, on_duty = r.on_duty, duty_from = r.duty_from,
           duty_until = r.duty_until, zone_ids = r.zone_ids, zone_key = r.zone_key,
           machine = r.machine, next_check_at = r.next_check_at, stale = r.stale,
           watched_since = r.watched_since, updated_at = now()
      FROM json_to_recordset(CAST(:rows AS json)) AS r(
           tenant_id uuid, staff_id uuid, status text, on_duty bool, duty_from timestamptz,
           duty_until timestamptz, zone_ids uuid[], zone_key text, machine jsonb,
           next_check_at timestamptz, stale bool, watched_since timestamptz)
     WHERE m.tenant_id = r.tenant_id AND m.staff_id = r.staff_id
""")


def write_states(session: Session, monitors: Iterable[Monitor]) -> None:
    """The state rows of these monitors written by one statement."""
    rows = [
        {
            "tenant_id": r.tenant_id,
            "staff_id": r.staff_id,
            "status": r.status,
            "on_duty": r.on_duty,
            "duty_from": r.duty_from,
            "duty_until": r.duty_until,
            "zone_ids": r.zone_ids,
            "zone_key": r.zone_key,
            "machine": r.machine,
            "next_check_at": r.next_check_at,
            "stale": r.stale,
            "watched_since": r.watched_since,
        }
        for r in (m.row for m in monitors)
    ]
    if rows:
        session.connection().execute(_WRITE_STATES, {"rows": orjson.dumps(rows).decode()})
