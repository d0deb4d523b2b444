"""Duty hours from weekly patterns, time zones and exceptions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fieldforce.duty.plan import DayRule, DutyPlan, Period

WEEKDAYS = tuple(Period(d, Period.minutes("08:30"), Period.minutes("18:00")) for d in range(6))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_office_hours_in_shanghai() -> None:
    plan = DutyPlan("Asia/Shanghai", WEEKDAYS, {})
    assert plan.on_duty(utc(2026, 11, 23, 1, 0))  # Monday 09:00 local
    assert not plan.on_duty(utc(2026, 11, 23, 0, 29))  # 08:29 local
    assert plan.on_duty(utc(2026, 11, 23, 0, 30))
    assert not plan.on_duty(utc(2026, 11, 23, 10, 0))  # 18:00 local: the end is not in
    assert not plan.on_duty(utc(2026, 11, 29, 3, 0))  # Sunday
    shift = plan.shift_at(utc(2026, 11, 23, 5, 0))
    assert shift is not None
    assert (shift.start, shift.end, shift.day) == (
        utc(2026, 11, 23, 0, 30),
        utc(2026, 11, 23, 10, 0),
        date(2026, 11, 23),
    )
    week = plan.shifts(utc(2026, 11, 22, 16, 0), utc(2026, 11, 29, 16, 0))  # Mon..Sun local
    assert [s.day.weekday() for s in week] == [0, 1, 2, 3, 4, 5]


def test_night_shift_crosses_midnight_and_belongs_to_its_first_day() -> None:
    night = (Period(4, Period.minutes("22:00"), Period.minutes("06:00")),)  # Friday night
    plan = DutyPlan("Europe/Berlin", night, {})
    assert plan.on_duty(utc(2026, 11, 28, 2, 0))  # Saturday 03:00 local
    assert plan.on_duty(utc(2026, 11, 27, 21, 0))  # Friday 22:00 local
    assert not plan.on_duty(utc(2026, 11, 28, 5, 0))  # Saturday 06:00 local
    off_saturday = DutyPlan("Europe/Berlin", night, {date(2026, 11, 28): DayRule(off=True)})
    assert off_saturday.on_duty(utc(2026, 11, 28, 2, 0))  # Friday's shift still runs
    off_friday = DutyPlan("Europe/Berlin", night, {date(2026, 11, 27): DayRule(off=True)})
    assert not off_friday.on_duty(utc(2026, 11, 28, 2, 0))


def test_clock_changes() -> None:
    early = (Period(6, Period.minutes("01:00"), Period.minutes("05:00")),)  # Sunday
    plan = DutyPlan("America/New_York", early, {})
    [spring] = plan.shifts(utc(2026, 3, 8), utc(2026, 3, 9))
    assert spring.end - spring.start == timedelta(hours=3)  # 02:00-03:00 never happened
    [autumn] = plan.shifts(utc(2026, 11, 1), utc(2026, 11, 2))
    assert autumn.end - autumn.start == timedelta(hours=5)  # 01:00-02:00 happened twice
    skipped = (Period(6, Period.minutes("02:30"), Period.minutes("04:00")),)
    [s] = DutyPlan("America/New_York", skipped, {}).shifts(utc(2026, 3, 8), utc(2026, 3, 9))
    assert s.start == utc(2026, 3, 8, 7, 30)  # 02:30 does not exist: 03:30 EDT


def test_midnight_end_make_up_days_and_merging() -> None:
    all_day = (
        Period(0, 0, 1440),  # Monday until midnight
        Period(1, 0, Period.minutes("12:00")),  # Tuesday morning
    )
    plan = DutyPlan("UTC", all_day, {date(2026, 11, 29): DayRule(False, (Period(0, 600, 720),))})
    shifts = plan.shifts(utc(2026, 11, 22), utc(2026, 11, 30))
    assert [(s.start, s.end) for s in shifts] == [
        (utc(2026, 11, 23), utc(2026, 11, 24, 12)),  # Monday and Tuesday morning, one shift
        (utc(2026, 11, 29, 10), utc(2026, 11, 29, 12)),  # a Sunday worked by exception
    ]
