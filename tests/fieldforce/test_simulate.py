"""The demo's simulated days: ordinary ones stay well inside the work area, the unusual ones
depart from it by enough, and for long enough, for the monitor's thresholds to count them."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from fieldforce.tenancy.models import TenantSettings
from fieldforce.tracking.ingest import PingIn
from fieldforce.tracking.simulate import Deviation, SimulatedDay, WorkArea, simulate_day
from geo.track import is_jump

AREA = WorkArea((121.5497, 29.8750), 6_000)
START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
END = START + timedelta(hours=9, minutes=30)
RULES = TenantSettings()
DAYS = 40


def _day(seed: int, deviation: Deviation | None = None) -> SimulatedDay:
    rng = random.Random(seed)
    return simulate_day(
        rng,
        AREA,
        START,
        END,
        customers=rng.randint(4, 6),
        offline=seed % 3 == 0,
        deviation=deviation,
    )


def _good(day: SimulatedDay) -> list[PingIn]:
    """The fixes the monitor judges, in time order: accurate enough, and no jump (a fix
    farther from the last good one than anyone drives in the time), as ingest flags them."""
    good: list[PingIn] = []
    for p in sorted(day.pings, key=lambda p: p.fix_time):
        if p.accuracy_m is None or p.accuracy_m > RULES.accuracy_limit_m:
            continue
        here = (p.lon, p.lat, p.fix_time.timestamp())
        if good:
            last = good[-1]
            if is_jump((last.lon, last.lat, last.fix_time.timestamp()), here, RULES.max_speed_mps):
                continue
        good.append(p)
    return good


def _gaps(day: SimulatedDay) -> list[timedelta]:
    times = sorted(p.fix_time for p in day.pings)
    return [b - a for a, b in itertools.pairwise(times)]


def test_the_same_seed_gives_the_same_day() -> None:
    assert _day(5).pings == _day(5).pings
    assert _day(5, Deviation.EXCURSION).pings == _day(5, Deviation.EXCURSION).pings
    assert _day(5).pings != _day(6).pings


def test_an_ordinary_day_stays_well_inside_the_work_area() -> None:
    # far from the edge, the accuracy circle and the margin included: never straddling
    clear = AREA.radius_m - 1_000
    for seed in range(DAYS):
        day = _day(seed)
        assert day.away is None
        assert day.silent is None
        good = _good(day)
        assert len(good) > 0.95 * len(day.pings)
        assert max(AREA.distance_m((p.lon, p.lat)) for p in good) < clear
        assert all(AREA.distance_m(s) < clear for s in day.stops)
        assert max(_gaps(day)) <= timedelta(minutes=1)  # the phone never goes quiet
        assert 550 < len(day.pings) < 750  # about 31k for 48 reps
        assert (day.offline is not None) == (seed % 3 == 0)
        if day.offline is not None:  # uploaded last, and too short to be taken for a silence
            start, end = day.offline
            late = [p for p in day.pings if start <= p.fix_time <= end]
            assert day.pings[-len(late) :] == late
            assert day.pings[-len(late) - 1].fix_time > end  # older than what came before
            assert end - start < timedelta(seconds=RULES.no_signal_after_s)


def _outside_runs(day: SimulatedDay) -> list[tuple[datetime, datetime]]:
    runs: list[tuple[datetime, datetime]] = []
    inside_before = True
    for p in _good(day):
        edge = AREA.distance_m((p.lon, p.lat)) - AREA.radius_m
        if edge > RULES.offzone_margin_m + (p.accuracy_m or 0):
            if inside_before:
                runs.append((p.fix_time, p.fix_time))
            runs[-1] = (runs[-1][0], p.fix_time)
            inside_before = False
        elif edge < -(RULES.offzone_margin_m + (p.accuracy_m or 0)):
            inside_before = True
    return runs


def test_an_excursion_leaves_the_area_once_for_half_an_hour_to_an_hour_and_a_half() -> None:
    dwell = timedelta(seconds=RULES.offzone_dwell_s)
    for seed in range(DAYS):
        day = _day(seed, Deviation.EXCURSION)
        assert day.away is not None
        assert day.silent is None
        assert timedelta(minutes=30) <= day.away[1] - day.away[0] <= timedelta(minutes=90)
        assert START + timedelta(minutes=45) < day.away[0]
        assert day.away[1] < END - timedelta(hours=1)
        runs = _outside_runs(day)
        assert len(runs) == 1  # one off-zone event, confirmed well past the dwell time
        assert runs[0][1] - runs[0][0] > 2 * dwell
        assert max(_gaps(day)) <= timedelta(minutes=1)


def test_a_silence_is_long_enough_to_count() -> None:
    quiet = timedelta(seconds=RULES.no_signal_after_s)
    for seed in range(DAYS):
        day = _day(seed, Deviation.SILENCE)
        assert day.silent is not None
        assert day.away is None
        gaps = _gaps(day)
        assert [g > quiet for g in gaps].count(True) == 1
        assert timedelta(minutes=40) <= max(gaps) <= timedelta(minutes=82)
        assert _outside_runs(day) == []


def test_a_late_start_reaches_the_area_well_after_the_grace() -> None:
    grace = timedelta(seconds=RULES.late_arrival_grace_s)
    for seed in range(DAYS):
        day = _day(seed, Deviation.LATE)
        assert day.away is not None
        good = _good(day)
        first_inside = next(p.fix_time for p in good if AREA.covers((p.lon, p.lat)))
        assert first_inside > START + grace + timedelta(minutes=5)
        assert first_inside < START + timedelta(minutes=65)
        assert day.away[0] == min(p.fix_time for p in day.pings)  # from the day's first fix
        assert len(_outside_runs(day)) == 1


@pytest.mark.parametrize("deviation", [None, *Deviation])
def test_every_day_fits_the_shift(deviation: Deviation | None) -> None:
    for seed in range(10):
        day = _day(seed, deviation)
        assert all(START < p.fix_time <= END for p in day.pings)
        assert len({p.id for p in day.pings}) == len(day.pings)
