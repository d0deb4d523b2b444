"""Off-zone monitoring of one person (DESIGN §4): the current duty window, the zones and
rules of each shift, fixes judged against the zones, the state machine kept between
requests, and replays when a fix changes the past.

Everything happens under the lock on the person's ``monitor_state`` row, so ingest
requests and sweeps in any number of processes take turns per person.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fieldforce.duty.plan import Shift
from fieldforce.monitoring.events import Step, reconcile, retract, store, store_steps
from fieldforce.monitoring.judge import LOOKAHEAD, GoodFix, Judge, Setup, Shared
from fieldforce.monitoring.machine import Event, EventType, Fix, ShiftState, Status, dump, load
from fieldforce.monitoring.models import MonitorState, ZoneEvent
from fieldforce.org.models import Staff
from fieldforce.tenancy.models import Tenant

# A phone sending an offline buffer sends it in parts, seconds apart: timers wait this long
# after an upload so that a sweep between two parts does not call the phone silent.
UPLOAD_SETTLE = timedelta(minutes=2)


class Monitor(Judge):
    """One person's monitoring, for one request or one sweep step."""

    def __init__(
        self,
        session: Session,
        row: MonitorState,
        staff: Staff,
        tenant: Tenant,
        now: datetime,
        shared: Shared | None = None,
        *,
        defer: bool = False,
    ) -> None:
        super().__init__(session, staff, tenant, now, shared)
        self.row = row
        self.machine: ShiftState | None = load(row.machine) if row.machine else None
        self.new_events: list[ZoneEvent] = []
        # a sweep writes the events of a whole batch at once (``store_steps``)
        self.defer = defer
        self.received = False  # fixes came in with this change, not only time
        self.pending: list[Step] = []
        self._written: set[tuple[EventType, datetime]] = set()

    @classmethod
    def lock(cls, session: Session, staff: Staff, tenant: Tenant, now: datetime) -> Monitor:
        """The person's row, locked for this transaction (made on first use)."""
        key = (staff.tenant_id, staff.id)
        row = session.get(MonitorState, key, with_for_update=True, populate_existing=True)
        if row is None:
            session.execute(
                insert(MonitorState)
                .values(
                    tenant_id=staff.tenant_id,
                    staff_id=staff.id,
                    status=Status.UNKNOWN.value,
                    on_duty=False,
                    zone_ids=[],
                    next_check_at=now,
                    stale=True,
                )
                .on_conflict_do_nothing()
            )
            row = session.get(MonitorState, key, with_for_update=True, populate_existing=True)
            assert row is not None
        return cls(session, row, staff, tenant, now)

    # duty --------------------------------------------------------------------------------
    def on_duty(self, t: datetime) -> bool:
        r = self.row
        known = not r.stale and r.duty_from is not None and r.duty_until is not None
        if known and r.duty_from <= t < r.duty_until:  # type: ignore[operator]
            return r.on_duty
        return self.plan.on_duty(t)

    def _window_at(self, t: datetime) -> tuple[datetime, datetime, Shift | None]:
        shifts = self.plan.shifts(t - LOOKAHEAD, t + LOOKAHEAD)
        for s in shifts:
            if s.contains(t):
                return s.start, s.end, s
        before = max((s.end for s in shifts if s.end <= t), default=t - LOOKAHEAD)
        after = min((s.start for s in shifts if s.start > t), default=t + LOOKAHEAD)
        return before, after, None

    def _current_setup(self) -> Setup:
        assert self.machine is not None
        return Setup(self.machine.rules, list(self.row.zone_ids), self.row.zone_key)

    # fixes -------------------------------------------------------------------------------
    def observe(self, fixes: Sequence[GoodFix]) -> None:
        """Apply new good fixes (already stored), then bring everything up to now."""
        self.received = self.received or bool(fixes)
        past: list[GoodFix] = []
        replay_current = False
        ordered = sorted(fixes, key=lambda f: f.time)
        judged: dict[int, Fix] = {}  # by position, for the shift they were judged for
        judged_for: ShiftState | None = None
        undone: set[tuple[EventType, datetime]] = set()
        for i, f in enumerate(ordered):
            if self.row.duty_from is not None and f.time < self.row.duty_from:
                past.append(f)
                continue
            if replay_current and self.machine is not None and f.time >= self.machine.end:
                self._replay_current()  # before this shift is left behind
                replay_current = False
            self._roll(f.time)
            m = self.machine
            if m is None or not m.start <= f.time < m.end:
                continue  # off duty: stored only because the tenant tracks off duty
            if not replay_current and not m.takes(f.time):
                rewound = m.rewound(f.time)
                if rewound is None:
                    replay_current = True
                else:  # back to the last fix: only what timers did since is undone
                    undone.update(m.touched)
                    self.machine = m = rewound
            if replay_current:
                continue
            if judged_for is not m:  # the rest of this shift's fixes, in one go
                rest = [(k, g) for k, g in enumerate(ordered) if k >= i and g.time < m.end]
                found = self.judge(self._current_setup(), [g for _, g in rest])
                judged = {k: fix for (k, _), fix in zip(rest, found, strict=True)}
                judged_for = m
            self._stored(m.observe(judged[i]), m.shift_start)
        if replay_current:
            self._replay_current()
            undone.clear()  # the replay reconciled everything
        self._replay_past(past)
        # Timers only up to the newest fix: a phone sending an old buffer in parts is not
        # silent after the first part. The sweep fires whatever is due within a minute.
        self.catch_up(max((f.time for f in fixes), default=self.now))
        self._settle(undone)

    # time --------------------------------------------------------------------------------
    def catch_up(self, until: datetime | None = None) -> None:
        """Fire the timers due by ``until`` (now), moving into the next window where one
        ends."""
        until = self.now if until is None else min(until, self.now)
        self._roll(until)
        if self.machine is not None:
            self._stored(self.machine.advance(until), self.machine.shift_start)
        self._save()

    def _roll(self, t: datetime) -> None:
        """Make the current duty window the one holding ``t``."""
        r = self.row
        if r.stale:
            self._refresh(t)
        if r.duty_until is not None and r.duty_until < t - timedelta(
            days=self.settings.upload_window_days
        ):
            self._finish()
            self._enter(t)  # long unattended: shifts in between are not filled in
        while r.duty_until is None or t >= r.duty_until:
            if self._extended():
                continue
            self._finish()
            self._enter(r.duty_until or t)

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

    def _finish(self) -> None:
        m = self.machine
        if m is not None:
            self._stored(m.advance(m.end), m.shift_start)
            self.machine = None

    def _enter(self, t: datetime) -> None:
        r = self.row
        start, end, shift = self._window_at(t)
        r.duty_from, r.duty_until, r.on_duty = start, end, shift is not None
        if shift is None:
            r.zone_ids, r.zone_key = [], None
            return
        setup = self.setup(shift)
        r.zone_ids, r.zone_key = setup.zone_ids, setup.zone_key
        # joining a shift under way (a first look at a person): it counts from then
        self.machine = ShiftState.fresh(
            max(shift.start, t), shift.end, setup.rules, scheduled=shift.start
        )

    def _refresh(self, t: datetime) -> None:
        """Schedules, zones or thresholds changed: judge the running shift again by them."""
        r, old = self.row, self.machine
        old_key = r.zone_key
        r.stale = False
        if old is None:
            self._enter(t)  # a first look, or off duty: nothing was judged yet
            return
        if old.end <= t:
            return  # it ended by the old plan; the loop in _roll finishes it
        start, end, shift = self._window_at(t)
        r.duty_from, r.duty_until, r.on_duty = start, end, shift is not None
        setup = None if shift is None else self.setup(shift)
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
            self.machine, events = self.replayed(
                begin, end, setup, until=min(t, end), scheduled=start
            )
        self.new_events += self._reconcile(
            events,
            start,
            min(old.start, begin),
            max(old.end, end),
            self.now,
        )

    # replays -----------------------------------------------------------------------------
    def _replay_current(self) -> None:
        m = self.machine
        assert m is not None
        until = min(self.now, m.end)
        self.machine, events = self.replayed(
            m.start, m.end, self._current_setup(), until, scheduled=m.shift_start
        )
        self.new_events += self._reconcile(events, m.shift_start, m.start, m.end, self.now)

    def _replay_past(self, fixes: Sequence[GoodFix]) -> None:
        shifts: dict[datetime, Shift] = {}
        for f in fixes:
            if (shift := self.plan.shift_at(f.time)) is not None:
                shifts[shift.start] = shift
        for shift in shifts.values():
            until = min(self.now, shift.end)
            _, events = self.replayed(shift.start, shift.end, self.setup(shift), until)
            self.new_events += self._reconcile(
                events, shift.start, shift.start, shift.end, self.now
            )

    def _settle(self, undone: set[tuple[EventType, datetime]]) -> None:
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
            retract(self.session, self.owner, gone, self.now)

    # storing -----------------------------------------------------------------------------
    def _stored(self, events: Sequence[Event], shift_start: datetime) -> None:
        if not events:
            return
        self._written.update(e.key for e in events)
        if self.defer:
            self.pending.append(Step(self.owner, shift_start, list(events)))
        else:
            self.new_events += store(self.session, self.owner, events, shift_start)

    def _reconcile(self, events: Sequence[Event], *args: datetime) -> list[ZoneEvent]:
        """``events.reconcile``, after what is waiting to be written."""
        if self.pending:
            self.new_events += store_steps(self.session, self.pending)
            self.pending = []
        return reconcile(self.session, self.owner, events, *args)

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
