"""Counting the days a leave takes, against the person's duty plan, in local dates.

A day counts when the person would work on it (a shift starts on it: a night shift
belongs to the day it starts), unless the type counts holidays and rest days, when every
calendar day counts. ``start_half`` "pm" starts the leave at noon of its first day and
``end_half`` "am" ends it at noon of its last: such a day counts half. Local noon splits
a shift for the duty exceptions of a half day: the half not on leave is worked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fieldforce.duty.plan import DutyPlan, Period

NOON = 12 * 60
FULL, AM, PM = "full", "am", "pm"
HALF = Decimal("0.5")


@dataclass(frozen=True)
class Part:
    day: date
    part: str  # full, am (the morning on leave) or pm (the afternoon on leave)
    days: Decimal

    def as_json(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "part": self.part, "days": str(self.days)}

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Part:
        return cls(date.fromisoformat(raw["day"]), raw["part"], Decimal(raw["days"]))


def periods_on(plan: DutyPlan, day: date) -> tuple[Period, ...]:
    """The shifts that start on a local date, after the plan's exceptions."""
    return plan.periods_on(day)


def halves(start: date, end: date, start_half: str | None, end_half: str | None) -> list[Part]:
    """Every calendar day of the period with the part of it on leave (days not set)."""
    out = []
    day = start
    while day <= end:
        part = FULL
        if day == start and start_half == PM:
            part = PM
        if day == end and end_half == AM:
            part = AM
        out.append(Part(day, part, Decimal(0)))
        day += timedelta(days=1)
    return out


def count(
    plan: DutyPlan,
    start: date,
    end: date,
    start_half: str | None,
    end_half: str | None,
    *,
    every_day: bool,
) -> list[Part]:
    """The days that count, each with what it counts (1 or 0.5)."""
    counted = []
    for p in halves(start, end, start_half, end_half):
        if every_day or periods_on(plan, p.day):
            counted.append(Part(p.day, p.part, Decimal(1) if p.part == FULL else HALF))
    return counted


def slots(parts: list[Part]) -> set[tuple[date, str]]:
    """Half-day slots a period covers, to tell overlaps (a morning and an afternoon of the
    same day do not overlap)."""
    out: set[tuple[date, str]] = set()
    for p in parts:
        if p.part in (FULL, AM):
            out.add((p.day, AM))
        if p.part in (FULL, PM):
            out.add((p.day, PM))
    return out


def _hhmm(minutes: int) -> str:
    if minutes == 1440:
        return "24:00"
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def worked_half(periods: tuple[Period, ...], on_leave: str) -> list[dict[str, str]]:
    """The periods of a day left to work when its morning (``am``) or afternoon (``pm``)
    is on leave, split at local noon of the day the shift starts."""
    out = []
    for p in periods:
        s, e = p.start, p.end if p.end > p.start else p.end + 1440
        lo, hi = (NOON, e) if on_leave == AM else (s, NOON)
        lo, hi = max(lo, s), min(hi, e)
        if hi > lo:
            out.append({"start": _hhmm(lo), "end": _hhmm(hi)})
    return out
