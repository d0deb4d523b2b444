"""Day counting against hand-computed cases: only the days the person would work count
(their duty plan, holidays off), unless the type counts every day; half days count 0.5;
a night shift counts on the day it starts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.leave.scene import NIGHTS, OFFICE, Leave

MON = date(2027, 3, 1)


def d(n: int) -> date:
    """The day ``n`` days after Monday 2027-03-01."""
    return date.fromordinal(MON.toordinal() + n)


def test_office_week_with_a_holiday(leave: Leave) -> None:
    leave.schedule("north.rep", OFFICE)
    assert leave.days("north.rep", d(0), d(6)) == 5  # Mon-Sun: the weekend is rest
    leave.holiday(d(9))  # Wednesday of the next week
    assert leave.days("north.rep", d(7), d(13)) == 4


def test_halves_and_holidays_by_hand(leave: Leave) -> None:
    leave.schedule("north.rep", OFFICE)
    leave.holiday(d(2))
    r = leave.asked("north.rep", d(0), d(4), start_half="pm", end_half="am", draft=True)
    assert Decimal(r["days"]) == Decimal("3")  # 0.5 + 1 + 0 + 1 + 0.5
    assert [(p["day"], p["part"], p["days"]) for p in r["parts"]] == [
        ("2027-03-01", "pm", 0.5),
        ("2027-03-02", "full", 1.0),
        ("2027-03-04", "full", 1.0),
        ("2027-03-05", "am", 0.5),
    ]
    # one afternoon, one morning of the next week
    assert leave.days("north.rep", d(8), d(8), start_half="pm") == Decimal("0.5")
    assert leave.days("north.rep", d(8), d(8), end_half="am") == Decimal("0.5")
    # a half on a rest day counts nothing: Saturday noon to Monday noon is half a day
    assert leave.days("north.rep", d(12), d(14), start_half="pm", end_half="am") == Decimal("0.5")


def test_types_counting_every_day(leave: Leave) -> None:
    leave.schedule("north.rep", OFFICE)
    leave.holiday(d(2))
    assert leave.days("north.rep", d(0), d(6), "maternity") == 7


def test_night_shift_counts_on_the_day_it_starts(leave: Leave) -> None:
    leave.schedule("north.rep", NIGHTS)
    # Tue-Sat: the nights starting Tue, Wed, Thu, Fri; Saturday's morning ends Friday's
    assert leave.days("north.rep", d(1), d(5)) == 4
    # Sunday to Monday: Monday night only
    assert leave.days("north.rep", d(13), d(14)) == 1
    r = leave.ask("north.rep", d(19), d(20))  # Saturday and Sunday
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "no_working_days"


def test_the_default_week_counts_around_the_clock_days(leave: Leave) -> None:
    # the test tenant's default week is every day: a week is 7 days
    assert leave.days("north.rep2", d(0), d(6)) == 7
