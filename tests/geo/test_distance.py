from __future__ import annotations

import math

import pytest

from geo.distance import check_lonlat, distance_m, path_length_m


def test_one_degree_of_latitude_and_longitude() -> None:
    assert distance_m(0, 0, 0, 1) == pytest.approx(110_574, abs=1)
    assert distance_m(0, 0, 1, 0) == pytest.approx(111_319, abs=1)
    assert distance_m(121.4737, 31.2304, 121.4737, 31.2304) == 0


def test_shanghai_to_hangzhou() -> None:
    # People's Square to West Lake, about 165 km
    assert distance_m(121.4737, 31.2304, 120.1551, 30.2741) == pytest.approx(164_800, rel=0.01)


def test_path_length_is_the_sum_of_its_segments() -> None:
    pts = [(121.0, 31.0), (121.01, 31.0), (121.01, 31.01)]
    assert path_length_m(pts) == pytest.approx(
        distance_m(121.0, 31.0, 121.01, 31.0) + distance_m(121.01, 31.0, 121.01, 31.01)
    )
    assert path_length_m(pts[:1]) == 0.0


@pytest.mark.parametrize(("lon", "lat"), [(181, 0), (0, -91), (math.nan, 0), (0, math.inf)])
def test_bad_coordinates_are_refused(lon: float, lat: float) -> None:
    with pytest.raises(ValueError, match=r"coordinates|outside"):
        check_lonlat(lon, lat)
