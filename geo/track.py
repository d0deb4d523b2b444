"""Track maths on time-ordered fixes: implied speed and jumps, stops and trips,
simplification. Coordinates are [lon, lat] degrees, times epoch seconds, lengths metres."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from shapely import LineString

from geo.distance import distance_m, metres_per_degree, path_length_m

# Two fixes closer in time than this are compared by distance alone.
MIN_DT_S = 1.0
EARTH_RADIUS_M = 6_371_008.8
WEB_MERCATOR_M_PER_PX_Z0 = 156_543.033_928

FloatArray = npt.NDArray[np.float64]


def implied_speed_mps(
    lon1: float, lat1: float, t1: float, lon2: float, lat2: float, t2: float
) -> float:
    """Speed needed to get from one fix to the other. Fixes less than a second apart count
    as one second apart, so that simultaneous fixes at one place are not a jump."""
    return distance_m(lon1, lat1, lon2, lat2) / max(abs(t2 - t1), MIN_DT_S)


def is_jump(
    prev: tuple[float, float, float], cur: tuple[float, float, float], max_speed_mps: float
) -> bool:
    """``prev`` and ``cur`` are (lon, lat, epoch seconds)."""
    return implied_speed_mps(*prev, *cur) > max_speed_mps


@dataclass(frozen=True)
class Stop:
    first: int  # index of the first fix of the stop
    last: int  # index of the last fix
    start_t: float
    end_t: float
    lon: float  # mean position of the stop's fixes
    lat: float

    @property
    def duration_s(self) -> float:
        return self.end_t - self.start_t


@dataclass(frozen=True)
class Trip:
    first: int
    last: int
    start_t: float
    end_t: float
    distance_m: float

    @property
    def duration_s(self) -> float:
        return self.end_t - self.start_t


def _distances_from(lon: float, lat: float, lons: FloatArray, lats: FloatArray) -> FloatArray:
    """Distances from one point to nearby points, in the plane tangent to the ellipsoid
    there: within a few kilometres this is within 0.1% of the geodesic, and stop radii
    are metres."""
    east, north = metres_per_degree(lat)
    return np.asarray(np.hypot((lons - lon) * east, (lats - lat) * north), dtype=np.float64)


def detect_stops(
    ts: Sequence[float],
    lons: Sequence[float],
    lats: Sequence[float],
    *,
    radius_m: float = 100.0,
    min_duration_s: float = 300.0,
) -> list[Stop]:
    """A stop is a run of fixes that all stay within ``radius_m`` of the run's first fix
    for at least ``min_duration_s``. Runs do not overlap; fixes must be in time order."""
    t = np.asarray(ts, dtype=np.float64)
    x = np.asarray(lons, dtype=np.float64)
    y = np.asarray(lats, dtype=np.float64)
    n = len(t)
    stops: list[Stop] = []
    i = 0
    while i < n - 1:
        j = i + 1
        window = 8
        while j < n:  # grow the run in doubling windows, one vectorized call each
            d = _distances_from(x[i], y[i], x[j : j + window], y[j : j + window])
            outside = np.nonzero(d > radius_m)[0]
            if len(outside):
                j += int(outside[0])
                break
            j += len(d)
            window *= 2
        last = j - 1
        if last > i and t[last] - t[i] >= min_duration_s:
            stops.append(
                Stop(
                    i,
                    last,
                    float(t[i]),
                    float(t[last]),
                    float(x[i : last + 1].mean()),
                    float(y[i : last + 1].mean()),
                )
            )
            i = j
        else:
            i += 1
    return stops


def trips_between(
    stops: Sequence[Stop], ts: Sequence[float], lons: Sequence[float], lats: Sequence[float]
) -> list[Trip]:
    """The moving parts: from the start of the track or the end of a stop to the start of
    the next stop or the end of the track. A trip's distance runs from stop to stop through
    the fixes between them, each stop counted as its mean position, so that jitter while
    standing still is never distance."""
    n = len(ts)
    if n < 2:
        return []
    trips = []
    prev: Stop | None = None
    for stop in [*stops, None]:
        first = prev.last if prev else 0
        last = stop.first if stop else n - 1
        if last > first:
            coords = list(zip(lons[first : last + 1], lats[first : last + 1], strict=True))
            if prev:
                coords[0] = (prev.lon, prev.lat)
            if stop:
                coords[-1] = (stop.lon, stop.lat)
            trips.append(
                Trip(first, last, float(ts[first]), float(ts[last]), path_length_m(coords))
            )
        prev = stop
    return trips


def tolerance_for_zoom(zoom: float, lat: float) -> float:
    """Metres one screen pixel covers at a web-map zoom level and latitude."""
    return WEB_MERCATOR_M_PER_PX_Z0 * math.cos(math.radians(lat)) / (2**zoom)


def simplify(
    lons: Sequence[float], lats: Sequence[float], tolerance_m: float
) -> list[tuple[float, float]]:
    """Douglas-Peucker with a tolerance in metres (local equirectangular projection around
    the track's mean latitude; exact enough for tracks a day long)."""
    if len(lons) < 3 or tolerance_m <= 0:
        return list(zip(lons, lats, strict=True))
    x = np.asarray(lons, dtype=np.float64)
    y = np.asarray(lats, dtype=np.float64)
    lat0 = math.radians(float(y.mean()))
    k = math.radians(1) * EARTH_RADIUS_M
    projected = LineString(np.column_stack([x * k * math.cos(lat0), y * k]))
    kept = projected.simplify(tolerance_m, preserve_topology=False)
    out = np.asarray(kept.coords)
    return [(float(px / (k * math.cos(lat0))), float(py / k)) for px, py in out]
