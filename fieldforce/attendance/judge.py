"""One person's day judged from what it rests on: shift, stays, leave, trip, holidays,
the monitor's minutes; the status and flags the sheet shows, with the tenant's grace and
thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from fieldforce.attendance.inputs import Inputs, utc_midnight
from fieldforce.attendance.models import DayStatus
from fieldforce.duty.plan import Shift
from fieldforce.monitoring.models import ZoneEvent
from fieldforce.tenancy.models import TenantSettings


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> timedelta:
    return max(timedelta(0), min(a1, b1) - max(a0, b0))


def judge_day(day: date, inputs: Inputs, now: datetime) -> dict[str, object]:
    """The sheet's row for one day, as column values."""
    s = inputs.settings
    shifts: list[Shift] = [
        x
        for x in inputs.plan.shifts(
            utc_midnight(day, inputs.tz) - timedelta(hours=12),
            utc_midnight(day, inputs.tz) + timedelta(days=1),
        )
        if x.day == day
    ]
    stays = sorted((a for a in inputs.attendances if a.day == day), key=lambda a: a.in_at)
    flags: list[str] = []
    first_in = stays[0].in_at if stays else None
    outs = [a.out_at for a in stays if a.out_at is not None]
    last_out = max(outs) if outs else None
    worked = timedelta(0)
    for a in stays:
        end = a.out_at or min(now, shifts[-1].end if shifts else now)
        worked += max(timedelta(0), end - a.in_at)
        if a.from_fixes:
            flags.append("from_fixes")
        elif a.out_at is None:
            flags.append("no_clock_out")
        elif a.closed_automatically:
            flags.append("auto_clock_out")
    if any(a.in_punch_id in inputs.field_punch_ids for a in stays):
        flags.append("field")
    if any({a.in_punch_id, a.out_punch_id} & inputs.corrected_punch_ids for a in stays):
        flags.append("corrected")
    row: dict[str, object] = {
        "shift_start": shifts[0].start if shifts else None,
        "shift_end": shifts[-1].end if shifts else None,
        "first_in": first_in,
        "last_out": last_out,
        "worked_minutes": _minutes(worked),
        "late_minutes": 0,
        "early_minutes": 0,
        "leave_type": None,
        "leave_part": None,
        "claim_id": inputs.trips.get(day),
    }
    row.update(_monitored(shifts, inputs.events, now))
    leave = inputs.leave.get(day)
    if leave is not None:
        row["leave_type"], row["leave_part"] = leave
    if leave is not None and leave[1] == "full":
        return {**row, "status": DayStatus.ON_LEAVE.value, "flags": flags}
    if day in inputs.trips:
        return {**row, "status": DayStatus.BUSINESS_TRIP.value, "flags": flags}
    if not shifts:
        if stays:
            flags.append("worked_day_off")
        status = DayStatus.HOLIDAY if day in inputs.holidays else DayStatus.REST_DAY
        return {**row, "status": status.value, "flags": flags}
    expected_start, expected_end = shifts[0].start, shifts[-1].end
    if leave is not None:  # half a day of leave: the other half is expected
        middle = expected_start + (expected_end - expected_start) / 2
        if leave[1] == "am":
            expected_start = middle
        else:
            expected_end = middle
        flags.append("half_day_leave")
    late_grace = timedelta(minutes=s.attendance_late_grace_min)
    early_grace = timedelta(minutes=s.attendance_early_grace_min)
    if first_in is not None and first_in > expected_start + late_grace:
        row["late_minutes"] = _minutes(first_in - expected_start)
    if last_out is not None and last_out < expected_end - early_grace:
        row["early_minutes"] = _minutes(expected_end - last_out)
    if now < expected_end:
        flags.append("in_progress")
    return {**row, "status": _status(row, flags, s), "flags": flags}


def _status(row: dict[str, object], flags: list[str], s: TenantSettings) -> str:
    worked = int(str(row["worked_minutes"]))
    if row["first_in"] is None:
        return DayStatus.ABSENT.value  # so far, for a day still in progress
    if "field" in flags:
        return DayStatus.PRESENT.value  # field work is never counted absent
    ended = row["last_out"] is not None
    if ended and worked < s.attendance_absent_below_min:
        return DayStatus.ABSENT.value
    if ended and worked < s.attendance_half_day_below_min and "half_day_leave" not in flags:
        return DayStatus.HALF_DAY.value
    if row["late_minutes"]:
        if row["early_minutes"]:
            flags.append("early_leave")
        return DayStatus.LATE.value
    if row["early_minutes"]:
        return DayStatus.EARLY_LEAVE.value
    return DayStatus.PRESENT.value


def _monitored(
    shifts: Sequence[Shift], events: Sequence[ZoneEvent], now: datetime
) -> dict[str, int]:
    """Minutes of the shifts off zone and without signal (the monitor's events), and in
    zone for the rest of what has passed of them."""
    off = no_signal = passed = timedelta(0)
    for shift in shifts:
        until = min(shift.end, now)
        if until <= shift.start:
            continue
        passed += until - shift.start
        for e in events:
            overlap = _overlap(e.started_at, e.ended_at or now, shift.start, until)
            if e.type == "off_zone":
                off += overlap
            else:
                no_signal += overlap
    return {
        "off_zone_minutes": _minutes(off),
        "no_signal_minutes": _minutes(no_signal),
        "in_zone_minutes": _minutes(passed - off - no_signal),
    }
