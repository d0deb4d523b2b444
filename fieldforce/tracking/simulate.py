"""A simulated working day of a sales rep, for the demo: customer stops with dwell, road-like
legs between them, GPS noise, occasional bad fixes and jumps, and an offline stretch of a
few minutes that is uploaded late. Deterministic for a given random generator.

An ordinary day stays well inside the rep's work area: the office and the customers lie
within three quarters of its radius, and the street-grid legs between them turn at the
corner nearer the centre, so no good fix comes near the edge. A day may depart from that in
one way (``Deviation``): a customer beyond the area, a phone gone quiet, or a late start from
home beyond the area. Legs that leave the area take the highway, straight, so they cross
its edge once each way."""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fieldforce.tracking.ingest import PingIn

M_PER_DEG_LAT = 110_900.0
MOVING_EVERY_S = 30
STOPPED_EVERY_S = 60
STEADY = timedelta(seconds=STOPPED_EVERY_S)
OFFICE_WITHIN = 0.5  # of the work area's radius
CUSTOMERS_WITHIN = 0.75
# shorter than the no-signal time: a phone back in coverage sends its buffer before anyone
# is alerted, so the stretch uploaded late raises and retracts nothing
OFFLINE_MINUTES = (8.0, 15.0)


class Deviation(StrEnum):
    """How a day departs from the ordinary."""

    EXCURSION = "excursion"  # a customer 1.5–3.5 km beyond it: 35–85 min out of the area
    SILENCE = "silence"  # the phone sends nothing for 40–80 min
    LATE = "late"  # the day starts at home 2–4 km beyond it: in the area 25–55 min late


@dataclass(frozen=True)
class WorkArea:
    """A circle the rep is meant to work in."""

    centre: tuple[float, float]  # lon, lat
    radius_m: float

    def point(self, rng: random.Random, within: float) -> tuple[float, float]:
        """A point uniformly spread over the disc of ``within`` times the radius."""
        return self.at(
            rng.uniform(0, 2 * math.pi), self.radius_m * within * math.sqrt(rng.random())
        )

    def at(self, bearing: float, distance_m: float) -> tuple[float, float]:
        return _offset(*self.centre, distance_m * math.sin(bearing), distance_m * math.cos(bearing))

    def bearing(self, p: tuple[float, float]) -> float:
        east, north = _east_north(self.centre, p)
        return math.atan2(east, north)

    def distance_m(self, p: tuple[float, float]) -> float:
        return math.hypot(*_east_north(self.centre, p))

    def covers(self, p: tuple[float, float]) -> bool:
        return self.distance_m(p) <= self.radius_m


@dataclass(frozen=True)
class SimulatedDay:
    pings: list[PingIn]  # in upload order: the offline stretch comes last
    stops: list[tuple[float, float]]  # the customers, in the order visited
    offline: tuple[datetime, datetime] | None
    away: tuple[datetime, datetime] | None = None  # out of the area (excursion, late start)
    silent: tuple[datetime, datetime] | None = None  # no fix sent


def _offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    return (
        lon + east_m / (M_PER_DEG_LAT * math.cos(math.radians(lat))),
        lat + north_m / M_PER_DEG_LAT,
    )


def _east_north(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return (
        (b[0] - a[0]) * M_PER_DEG_LAT * math.cos(math.radians(a[1])),
        (b[1] - a[1]) * M_PER_DEG_LAT,
    )


def simulate_day(
    rng: random.Random,
    area: WorkArea,
    start: datetime,
    end: datetime,
    *,
    customers: int = 5,
    offline: bool = False,
    deviation: Deviation | None = None,
) -> SimulatedDay:
    office = area.point(rng, OFFICE_WITHIN)
    stops = [area.point(rng, CUSTOMERS_WITHIN) for _ in range(customers)]
    if deviation is Deviation.EXCURSION:  # the second or third call is out of town
        far = area.at(
            area.bearing(office) + rng.uniform(-0.6, 0.6), area.radius_m + rng.uniform(1500, 3500)
        )
        stops.insert(rng.randint(1, 2), far)
    fixes: list[tuple[datetime, float, float, float]] = []  # time, lon, lat, speed
    t = start

    def dwell(at: tuple[float, float], until: datetime) -> None:
        nonlocal t
        while t < until:
            t += timedelta(seconds=STOPPED_EVERY_S)
            fixes.append((t, at[0], at[1], 0.0))

    def drive(a: tuple[float, float], b: tuple[float, float]) -> None:
        nonlocal t
        length = math.hypot(*_east_north(a, b))
        speed = rng.uniform(4, 9)
        steps = max(1, int(length / (speed * MOVING_EVERY_S)))
        for k in range(1, steps + 1):
            t += timedelta(seconds=MOVING_EVERY_S)
            f = k / steps
            fixes.append((t, a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, speed))

    if deviation is Deviation.LATE:  # from home beyond the area, straight to the office
        home = area.at(
            area.bearing(office) + rng.uniform(-0.5, 0.5), area.radius_m + rng.uniform(2000, 4000)
        )
        dwell(home, start + timedelta(minutes=rng.uniform(20, 40)))
        drive(home, office)
        dwell(office, t + timedelta(minutes=rng.uniform(10, 20)))
    else:
        dwell(office, start + timedelta(minutes=rng.uniform(15, 40)))  # the morning meeting
    here = office
    for stop in [*stops, office]:
        if area.covers(here) and area.covers(stop):
            # along a street grid, turning at the corner nearer the centre: in the area
            corner = min((stop[0], here[1]), (here[0], stop[1]), key=area.distance_m)
            drive(here, corner)
            drive(corner, stop)
        else:
            drive(here, stop)  # the highway out of town and back
        here = stop
        if stop is office or t >= end:
            break
        minutes = rng.uniform(25, 70) if area.covers(stop) else rng.uniform(30, 60)
        dwell(stop, t + timedelta(minutes=minutes))
    dwell(office, end)  # back at the office for the paperwork
    fixes = [f for f in fixes if f[0] <= end]

    silent = None
    if deviation is Deviation.SILENCE:  # a flat battery, a basement: then back
        quiet = start + timedelta(minutes=rng.uniform(120, 360))
        silent = (quiet, quiet + timedelta(minutes=rng.uniform(40, 80)))
        fixes = [f for f in fixes if not silent[0] <= f[0] <= silent[1]]
    outside = [f[0] for f in fixes if not area.covers((f[1], f[2]))]
    away = (outside[0], outside[-1]) if outside else None

    # a wild fix only within a minute of a plain one, so that ingest flags it as a jump
    pings: list[PingIn] = []
    plain_at: datetime | None = None
    for when, x, y, speed in fixes:
        ping, plain = _noisy(
            rng, when, x, y, speed, wild=plain_at is not None and when - plain_at <= STEADY
        )
        pings.append(ping)
        plain_at = when if plain else plain_at
    window = None
    if offline and len(pings) > 200:  # out of coverage for a while, the buffer sent last
        first = rng.randint(50, len(pings) - 120)
        until = pings[first].fix_time + timedelta(minutes=rng.uniform(*OFFLINE_MINUTES))
        after = next(k for k in range(first, len(pings)) if pings[k].fix_time > until)
        late = pings[first:after]
        pings = pings[:first] + pings[after:] + late
        window = (late[0].fix_time, late[-1].fix_time)
    return SimulatedDay(pings, stops, window, away, silent)


def _noisy(
    rng: random.Random, t: datetime, lon: float, lat: float, speed: float, *, wild: bool
) -> tuple[PingIn, bool]:
    """The fix a phone reports at a place, and whether it is a plain one (GPS, near)."""
    accuracy = rng.uniform(4, 20)
    roll = rng.random()
    plain = False
    if roll < 0.01 and wild:  # a wild fix far off, faster than anyone drives: flagged as a jump
        lon, lat = WorkArea((lon, lat), 0).at(rng.uniform(0, 2 * math.pi), rng.uniform(6000, 15000))
    elif roll < 0.03:  # indoors, network location only
        accuracy = rng.uniform(200, 800)
        lon, lat = _offset(lon, lat, rng.gauss(0, 150), rng.gauss(0, 150))
    else:
        lon, lat = _offset(lon, lat, rng.gauss(0, accuracy / 2), rng.gauss(0, accuracy / 2))
        plain = True
    ping = PingIn(
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        fix_time=t,
        lon=round(lon, 7),
        lat=round(lat, 7),
        accuracy_m=round(accuracy, 1),
        speed_mps=round(speed * rng.uniform(0.85, 1.15), 1) if speed else 0.0,
        battery_pct=None,
        source="gps" if accuracy < 100 else "network",
    )
    return ping, plain
