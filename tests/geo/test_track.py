from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.distance import distance_m, path_length_m
from geo.track import (
    _distances_from,
    detect_stops,
    implied_speed_mps,
    is_jump,
    simplify,
    tolerance_for_zoom,
    trips_between,
)

LON, LAT = 121.4737, 31.2304
M_PER_DEG_LAT = 110_900.0


def walk(t0: float, n: int, step_s: float, dlat_m: float, start_lat: float = LAT):
    """n fixes going north at dlat_m metres per fix."""
    return [(t0 + i * step_s, LON, start_lat + i * dlat_m / M_PER_DEG_LAT) for i in range(n)]


def test_implied_speed_and_jumps() -> None:
    # about 1,109 m north in 100 s
    v = implied_speed_mps(LON, LAT, 0, LON, LAT + 0.01, 100)
    assert v == pytest.approx(11.09, abs=0.05)
    assert not is_jump((LON, LAT, 0), (LON, LAT + 0.01, 100), 70)
    assert is_jump((LON, LAT, 0), (LON, LAT + 0.1, 10), 70)
    assert not is_jump((LON, LAT, 5), (LON, LAT, 5), 70)  # same place, same time


def test_stops_and_trips_of_a_simple_day() -> None:
    fixes = []
    fixes += [(i * 60.0, LON, LAT) for i in range(10)]  # 9 minutes at A
    fixes += walk(600, 10, 60, 200)  # walk north 1.8 km in 9 minutes
    b_lat = fixes[-1][2]
    fixes += [(1200 + i * 60.0, LON, b_lat + (i % 2) * 0.0002) for i in range(8)]  # 7 min at B
    fixes += walk(1700, 3, 60, 300, b_lat)  # leave
    ts, lons, lats = zip(*fixes, strict=True)
    stops = detect_stops(ts, lons, lats, radius_m=100, min_duration_s=300)
    assert len(stops) == 2
    assert stops[0].start_t == 0
    assert stops[0].duration_s == pytest.approx(600)  # until the first fix of the walk
    assert stops[1].lat == pytest.approx(b_lat + 0.0001, abs=0.0001)
    assert stops[1].duration_s >= 300
    trips = trips_between(stops, ts, lons, lats)
    assert len(trips) == 2
    walked = trips[0]
    assert walked.first == stops[0].last
    assert walked.last == stops[1].first
    inner = list(zip(lons, lats, strict=True))[walked.first + 1 : walked.last]
    assert walked.distance_m == pytest.approx(
        path_length_m([(stops[0].lon, stops[0].lat), *inner, (stops[1].lon, stops[1].lat)])
    )
    assert walked.distance_m == pytest.approx(1800, rel=0.01)  # 9 steps of 200 m


def test_short_pauses_are_not_stops() -> None:
    fixes = [(i * 60.0, LON, LAT) for i in range(4)] + walk(240, 5, 60, 500)
    ts, lons, lats = zip(*fixes, strict=True)
    assert detect_stops(ts, lons, lats, min_duration_s=300) == []
    assert len(trips_between([], ts, lons, lats)) == 1


def test_simplify_keeps_shape_within_tolerance() -> None:
    # a zig-zag of 10 m amplitude along a 5 km line
    pts = [(LON + i * 0.0005, LAT + (0.00009 if i % 2 else 0.0)) for i in range(100)]
    lons, lats = zip(*pts, strict=True)
    coarse = simplify(lons, lats, 50)
    fine = simplify(lons, lats, 1)
    assert len(coarse) == 2
    assert len(fine) == 100
    assert coarse[0] == pytest.approx(pts[0])
    assert coarse[-1] == pytest.approx(pts[-1])


def test_tolerance_for_zoom() -> None:
    assert tolerance_for_zoom(0, 0) == pytest.approx(156_543, rel=1e-4)
    assert tolerance_for_zoom(15, 60) == pytest.approx(156_543 / 2**15 / 2, rel=1e-3)
    assert math.isclose(distance_m(0, 0, 0, 0), 0)


@settings(max_examples=300, deadline=None)
@given(
    lon=st.floats(-179, 179),
    lat=st.floats(-80, 80),
    dx=st.floats(-0.01, 0.01),
    dy=st.floats(-0.01, 0.01),
)
def test_local_distances_agree_with_geodesics(lon: float, lat: float, dx: float, dy: float) -> None:
    """The fast distances used for stop detection stay within 0.1% (or 5 cm) of the
    geodesic over the ~1 km a stop radius can span."""
    fast = _distances_from(lon, lat, np.array([lon + dx]), np.array([lat + dy]))[0]
    assert fast == pytest.approx(distance_m(lon, lat, lon + dx, lat + dy), rel=1e-3, abs=0.05)
