"""The off-zone state machine on synthetic fix sequences with known truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fieldforce.monitoring.machine import (
    EventType,
    Fix,
    Rules,
    ShiftState,
    Status,
    dump,
    load,
    replay,
)
from geo.zones import Verdict

START = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
END = START + timedelta(hours=9, minutes=30)
IN, OUT, EDGE = Verdict.INSIDE, Verdict.OUTSIDE, Verdict.STRADDLING


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def fixes(pattern: list[tuple[float, Verdict]]) -> list[Fix]:
    return [Fix(at(m), v) for m, v in pattern]


def every_minute(first: int, last: int, verdict: Verdict) -> list[tuple[float, Verdict]]:
    return [(float(m), verdict) for m in range(first, last)]


def run(pattern: list[tuple[float, Verdict]], until: float = 570, rules: Rules = Rules()):
    return replay(START, END, rules, fixes(pattern), at(until), keep_segments=True)


def test_a_fifteen_minute_excursion_is_one_off_zone_event_from_its_first_outside_fix() -> None:
    pattern = every_minute(0, 60, IN) + every_minute(60, 75, OUT) + every_minute(75, 120, IN)
    state, events = run(pattern, until=120)
    assert [(e.type, e.started_at, e.ended_at) for e in events] == [
        (EventType.OFF_ZONE, at(60), at(75))
    ]
    assert events[0].details["confirmed_at"] == at(70).isoformat()
    assert state.status is Status.IN_ZONE


def test_a_five_minute_excursion_raises_nothing() -> None:
    pattern = every_minute(0, 60, IN) + every_minute(60, 65, OUT) + every_minute(65, 120, IN)
    assert run(pattern, until=120)[1] == []


def test_straddling_fixes_neither_count_nor_break_a_run() -> None:
    drift = [(m + 0.5, EDGE) for m in range(0, 120)]
    assert run(every_minute(0, 120, IN) + drift, until=120)[1] == []
    # outside, then straddling for a long time: the run stands and confirms at the dwell
    pattern = [(0, IN), (10, OUT), (12, OUT)] + [(m, EDGE) for m in range(13, 40)]
    (event,) = run(pattern, until=40)[1]
    assert event.started_at == at(10)
    assert event.details["confirmed_at"] == at(20).isoformat()


def test_one_outside_fix_then_silence_is_no_signal_not_off_zone() -> None:
    _, events = run([(0, IN), (5, OUT)], until=60)
    assert [(e.type, e.started_at, e.ended_at) for e in events] == [
        (EventType.NO_SIGNAL, at(5), None)
    ]


def test_silence_on_duty_is_no_signal_from_the_last_good_fix_until_the_next() -> None:
    state, events = run([(0, IN), (10, IN), (40, IN)], until=59)
    assert [(e.type, e.started_at, e.ended_at) for e in events] == [
        (EventType.NO_SIGNAL, at(10), at(40))
    ]
    assert events[0].details["detected_at"] == at(30).isoformat()
    assert state.status is Status.IN_ZONE


def test_late_arrival_runs_from_the_shift_start_to_the_first_inside_fix() -> None:
    pattern = every_minute(0, 25, OUT) + every_minute(25, 60, IN)
    _, events = run(pattern, until=60)
    kinds = [(e.type, e.started_at, e.ended_at) for e in events]
    assert (EventType.LATE_ARRIVAL, at(0), at(25)) in kinds
    assert (EventType.OFF_ZONE, at(0), at(25)) in kinds
    _, on_time = run(every_minute(10, 60, IN), until=60)
    assert on_time == []


def test_joining_a_shift_under_way_keeps_its_late_deadline_or_drops_it() -> None:
    outside_all_along = fixes(every_minute(5, 60, OUT))
    # first looked at five minutes in: still late by the scheduled start + 15 min
    _, events = replay(at(5), END, Rules(), outside_all_along, at(60), scheduled=START)
    late = [e for e in events if e.type is EventType.LATE_ARRIVAL]
    assert [(e.started_at, e.details["detected_at"]) for e in late] == [(at(5), at(15).isoformat())]
    # first looked at after the deadline: nobody can say whether they came on time
    _, events = replay(
        at(20), END, Rules(), fixes(every_minute(20, 60, OUT)), at(60), scheduled=START
    )
    assert EventType.LATE_ARRIVAL not in {e.type for e in events}
    assert EventType.OFF_ZONE in {e.type for e in events}
    # and the deadline survives being stored between requests
    joined = ShiftState.fresh(at(20), END, Rules(), scheduled=START)
    assert load(dump(joined)).late_deadline is None
    assert load(dump(joined)).shift_start == START
    assert load(dump(ShiftState.fresh(START, END, Rules()))).late_deadline == at(15)


def test_the_shift_end_closes_what_is_open_and_the_status_is_off_duty() -> None:
    state, events = run(every_minute(500, 570, OUT), until=700)
    by_type = {e.type: e for e in events}
    assert by_type[EventType.OFF_ZONE].ended_at == END
    assert by_type[EventType.LATE_ARRIVAL].ended_at == END
    assert state.status is Status.OFF_DUTY


def test_without_zones_only_no_signal_applies() -> None:
    _, events = run(every_minute(0, 60, OUT), until=90, rules=Rules(zoned=False))
    assert [e.type for e in events] == [EventType.NO_SIGNAL]


def test_live_steps_give_what_a_replay_gives() -> None:
    pattern = (
        every_minute(0, 30, IN)
        + every_minute(30, 50, OUT)
        + [(m, EDGE) for m in (50, 51, 52)]
        + every_minute(53, 60, IN)
        + every_minute(95, 120, OUT)
    )
    _, replayed = run(pattern, until=200)
    live = ShiftState.fresh(START, END, Rules())
    seen = {}
    for fix in fixes(pattern):
        for e in live.observe(fix):
            seen[e.key] = e
        live = load(dump(live))  # kept between requests
        for e in live.advance(fix.time + timedelta(seconds=30)):  # a sweep between fixes
            seen[e.key] = e
    for e in live.advance(at(200)):
        seen[e.key] = e
    assert sorted(seen.values(), key=lambda e: (e.started_at, e.type)) == replayed


def test_takes_refuses_fixes_before_a_decision() -> None:
    state = ShiftState.fresh(START, END, Rules())
    state.observe(Fix(at(0), IN))
    state.advance(at(25))  # no signal decided at 20
    assert not state.takes(at(15))
    assert state.takes(at(21))
    assert not state.takes(END)


def test_status_segments_cover_the_shift_with_real_start_times() -> None:
    pattern = every_minute(0, 30, IN) + every_minute(30, 45, OUT) + [(45, IN), (46, IN)]
    state, _ = run(pattern, until=700)
    assert [(s.status, s.start) for s in state.segments or []] == [
        (Status.IN_ZONE, at(0)),
        (Status.OFF_ZONE, at(30)),
        (Status.IN_ZONE, at(45)),
        (Status.NO_SIGNAL, at(46)),
        (Status.OFF_DUTY, END),
    ]


def test_a_fix_between_the_last_fix_and_a_timer_rewinds_to_the_last_fix() -> None:
    state = ShiftState.fresh(START, END, Rules())
    state.observe(Fix(at(0), IN))
    state.observe(Fix(at(5), OUT))
    state.observe(Fix(at(6), OUT))
    state.advance(at(40))  # dwell at 15, then no signal at 26
    assert state.touched == [(EventType.OFF_ZONE, at(5)), (EventType.NO_SIGNAL, at(6))]
    assert not state.takes(at(7))
    before = load(dump(state)).rewound(at(7))
    assert before is not None
    assert (before.last_good, before.run_count, before.open) == (at(6), 2, {})
    assert before.rewound(at(7)) is None  # nothing to undo there
    assert state.rewound(at(5)) is None  # older than the last fix: a replay
    before.observe(Fix(at(7), IN))
    assert before.status is Status.IN_ZONE
