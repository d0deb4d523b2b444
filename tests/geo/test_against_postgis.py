"""geo/ cross-checked against PostGIS geography on random inputs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from geo.distance import distance_m, path_length_m

lons = st.floats(min_value=-180, max_value=180, allow_nan=False)
lats = st.floats(min_value=-85, max_value=85, allow_nan=False)
points = st.tuples(lons, lats)
CHECK = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@CHECK
@given(a=points, b=points)
def test_distance_matches_st_distance(
    connection: Connection, a: tuple[float, float], b: tuple[float, float]
) -> None:
    expected = connection.scalar(
        text(
            "SELECT ST_Distance(ST_MakePoint(:x1, :y1)::geography, "
            "ST_MakePoint(:x2, :y2)::geography)"
        ),
        {"x1": a[0], "y1": a[1], "x2": b[0], "y2": b[1]},
    )
    assert distance_m(*a, *b) == pytest.approx(expected, rel=1e-6, abs=0.01)


local = st.tuples(
    st.floats(min_value=-0.05, max_value=0.05), st.floats(min_value=-0.05, max_value=0.05)
)


@CHECK
@given(start=points, steps=st.lists(local, min_size=1, max_size=40))
def test_path_length_matches_st_length(
    connection: Connection, start: tuple[float, float], steps: list[tuple[float, float]]
) -> None:
    coords = [start]
    for dx, dy in steps:
        x, y = coords[-1]
        coords.append((max(-180.0, min(180.0, x + dx)), max(-85.0, min(85.0, y + dy))))
    wkt = "LINESTRING(" + ", ".join(f"{x!r} {y!r}" for x, y in coords) + ")"
    expected = connection.scalar(text("SELECT ST_Length(ST_GeogFromText(:w))"), {"w": wkt})
    assert path_length_m(coords) == pytest.approx(expected, rel=1e-6, abs=0.01)
