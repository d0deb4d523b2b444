"""What the approval, leave and travel browser tests share."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.console.conftest import Console


def weekday_ahead(days: int) -> date:
    """The first Monday-to-Friday day at least ``days`` days from today."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def allocate_annual(console: Console, login: str, year: int) -> str:
    """Annual leave for the person in that year (the demo allocates only its own year; a
    second allocation is refused and changes nothing). Returns the type's id."""
    me = console.api(login, "GET", "/api/v1/me").json()
    types = console.api("admin", "GET", "/api/v1/leave-types").json()["items"]
    annual = str(next(t["id"] for t in types if t["code"] == "annual"))
    console.api(
        "admin",
        "POST",
        "/api/v1/leave-allocations",
        json={"staff_id": me["id"], "leave_type_id": annual, "year": year, "days": 10},
    )
    return annual
