"""A simulated working day of a sales rep, for the demo: customer stops with dwell, road-like
legs between them, GPS noise, occasional bad fixes and jumps, and an offline stretch that is
uploaded late. Deterministic for a given random generator."""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from fieldforce.tracking.ingest import PingIn

M_PER_DEG_LAT = 110_900.0
MOVING_EVERY_S = 30
STOPPED_EVERY_S = 60


@dataclass(frozen=True)
class SimulatedDay:
    pings: list[PingIn]  # in upload order: the offline stretch comes last
    stops: list[tuple[float, float]]
    offline: tuple[datetime, datetime] | None


def _offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    return (
        lon + east_m / (M_PER_DEG_LAT * math.cos(math.radians(lat))),
        lat + north_m / M_PER_DEG_LAT,
    )


def simulate_day(
    rng: random.Random,
    base: tuple[float, float],
    start: datetime,
    end: datetime,
    *,
    customers: int = 5,
    offline: bool = False,
) -> SimulatedDay:
    lon, lat = base
    stops = [
        _offset(lon, lat, rng.uniform(-5000, 5000), rng.uniform(-5000, 5000))
        for _ in range(customers)
    ]
    fixes: list[tuple[datetime, float, float, bool]] = []  # time, lon, lat, moving
    t = start

    def dwell(at: tuple[float, float], until: datetime) -> None:
        nonlocal t
        while t < until:
            t += timedelta(seconds=STOPPED_EVERY_S)
            fixes.append((t, at[0], at[1], False))

    dwell(base, start + timedelta(minutes=rng.uniform(15, 40)))  # the morning meeting
    here = base
    for stop in [*stops, base]:
        # drive along a street grid: east-west first, then north-south
        corner = (stop[0], here[1])
        for a, b in ((here, corner), (corner, stop)):
            length = _metres(a, b)
            speed = rng.uniform(6, 11)
            steps = max(1, int(length / (speed * MOVING_EVERY_S)))
            for k in range(1, steps + 1):
                t += timedelta(seconds=MOVING_EVERY_S)
                f = k / steps
                fixes.append((t, a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, True))
        here = stop
        if stop is base or t >= end:
            break
        dwell(stop, t + timedelta(minutes=rng.uniform(25, 70)))
    dwell(base, end)  # back at the office for the paperwork
    fixes = [f for f in fixes if f[0] <= end]

    pings = [_noisy(rng, t, x, y, moving) for t, x, y, moving in fixes]
    window = None
    if offline and len(pings) > 200:
        first = rng.randint(50, len(pings) - 120)
        late = pings[first : first + 80]
        pings = pings[:first] + pings[first + 80 :] + late
        window = (late[0].fix_time, late[-1].fix_time)
    return SimulatedDay(pings, stops, window)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (b[0] - a[0]) * M_PER_DEG_LAT * math.cos(math.radians(a[1]))
    dy = (b[1] - a[1]) * M_PER_DEG_LAT
    return math.hypot(dx, dy)


def _noisy(rng: random.Random, t: datetime, lon: float, lat: float, moving: bool) -> PingIn:
    accuracy = rng.uniform(4, 20)
    roll = rng.random()
    if roll < 0.01:  # a wild fix kilometres away
        lon, lat = _offset(lon, lat, rng.uniform(3000, 8000), rng.uniform(-8000, 8000))
    elif roll < 0.03:  # indoors, network location only
        accuracy = rng.uniform(200, 800)
        lon, lat = _offset(lon, lat, rng.gauss(0, 150), rng.gauss(0, 150))
    else:
        lon, lat = _offset(lon, lat, rng.gauss(0, accuracy / 2), rng.gauss(0, accuracy / 2))
    return PingIn(
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        fix_time=t,
        lon=round(lon, 7),
        lat=round(lat, 7),
        accuracy_m=round(accuracy, 1),
        speed_mps=round(rng.uniform(5, 11), 1) if moving else 0.0,
        battery_pct=None,
        source="gps" if accuracy < 100 else "network",
    )
