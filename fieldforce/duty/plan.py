"""Duty hours: from a weekly pattern in a time zone and dated exceptions to shifts in UTC.

A period belongs to the day it starts on: ``{"weekday": 4, "start": "22:00", "end":
"06:00"}`` runs from Friday 22:00 to Saturday 06:00, and an exception dated Friday decides
whether it happens. ``"24:00"`` ends a period at midnight. Local times that do not exist
(the hour skipped when clocks go forward) move forward with the clock; those that happen
twice take the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    weekday: int  # Monday 0 … Sunday 6; ignored for an exception's periods
    start: int  # minutes after local midnight
    end: int  # minutes after local midnight, 1440 for "24:00"; <= start crosses midnight

    @staticmethod
    def minutes(hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Period:
        return cls(int(raw.get("weekday", 0)), cls.minutes(raw["start"]), cls.minutes(raw["end"]))


@dataclass(frozen=True)
class DayRule:
    """What an exception says about one local date: no duty, or these periods instead."""

    off: bool
    periods: tuple[Period, ...] = ()


@dataclass(frozen=True)
class Shift:
    start: datetime  # UTC
    end: datetime  # UTC
    day: date  # the local date it starts on

    def contains(self, t: datetime) -> bool:
        return self.start <= t < self.end


@dataclass(frozen=True)
class DutyPlan:
    """Everything needed to tell when one person is on duty."""

    timezone: str
    weekly: tuple[Period, ...]
    exceptions: Mapping[date, DayRule]
    source: str = "tenant"  # where the weekly pattern came from: staff, org_unit, tenant
    # a plan is shared by everyone of a unit in a sweep, who mostly ask the same question
    _asked: dict[tuple[datetime, datetime], tuple[Shift, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def shifts(self, start: datetime, end: datetime) -> list[Shift]:
        """Whole shifts overlapping [start, end), in time order; touching shifts merged."""
        found = self._asked.get((start, end))
        if found is None:
            found = tuple(shifts_between(self.weekly, self.timezone, self.exceptions, start, end))
            if len(self._asked) >= 256:
                self._asked.clear()
            self._asked[(start, end)] = found
        return list(found)

    def periods_on(self, day: date) -> tuple[Period, ...]:
        """The periods that start on a local date, after the exceptions."""
        return tuple(_periods_on(day, self.weekly, self.exceptions.get(day)))

    def shift_at(self, t: datetime) -> Shift | None:
        for shift in self.shifts(t - timedelta(days=1), t + timedelta(seconds=1)):
            if shift.contains(t):
                return shift
        return None

    def on_duty(self, t: datetime) -> bool:
        return self.shift_at(t) is not None


def _local(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    naive = datetime.combine(day, time()) + timedelta(minutes=minutes)
    aware = naive.replace(tzinfo=tz, fold=0)
    # a wall time skipped by a clock change round-trips to a different wall time
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        aware = (naive + timedelta(hours=1)).replace(tzinfo=tz, fold=0)
    return aware.astimezone(UTC)


def _periods_on(day: date, weekly: Sequence[Period], rule: DayRule | None) -> Iterable[Period]:
    if rule is not None:
        return () if rule.off else rule.periods
    return (p for p in weekly if p.weekday == day.weekday())


def shifts_between(
    weekly: Sequence[Period],
    timezone: str,
    exceptions: Mapping[date, DayRule],
    start: datetime,
    end: datetime,
) -> list[Shift]:
    tz = ZoneInfo(timezone)
    first = start.astimezone(tz).date() - timedelta(days=1)  # a night shift from the day before
    last = end.astimezone(tz).date()
    shifts: list[Shift] = []
    day = first
    while day <= last:
        for p in _periods_on(day, weekly, exceptions.get(day)):
            s = _local(day, p.start, tz)
            e = _local(day + timedelta(days=1) if p.end <= p.start else day, p.end, tz)
            if s < end and e > start:
                shifts.append(Shift(s, e, day))
        day += timedelta(days=1)
    return _merged(sorted(shifts, key=lambda x: x.start))


def _merged(shifts: list[Shift]) -> list[Shift]:
    out: list[Shift] = []
    for s in shifts:
        if out and s.start <= out[-1].end:
            last = out[-1]
            out[-1] = Shift(last.start, max(last.end, s.end), last.day)
        else:
            out.append(s)
    return out
