"""geo/zones.py: verdicts for fixes with accuracy, and the zone index cross-checked against
PostGIS geography (ST_Covers, ST_Distance, ST_DWithin) on random zones and points."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import Connection, text

from geo.distance import WGS84
from geo.zones import Verdict, ZoneIndex, ZoneShape, circle_polygon, densify_great_circles

CHECK = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def square(lon: float, lat: float, half_m: float) -> Polygon:
    """A square of about 2 × half_m a side centred on [lon, lat]."""
    pts = [WGS84.fwd(lon, lat, az, half_m * 2**0.5)[:2] for az in (45, 135, 225, 315)]
    return Polygon([*pts, pts[0]])


def offset(lon: float, lat: float, az: float, m: float) -> tuple[float, float]:
    x, y, _ = WGS84.fwd(lon, lat, az, m)
    return float(x), float(y)


def star(rng: np.random.Generator, lon: float, lat: float, r_max: float, n: int) -> Polygon:
    az = np.sort(rng.uniform(0, 360, n))
    r = rng.uniform(0.3, 1, n) * r_max
    lo, la, _ = WGS84.fwd(np.full(n, lon), np.full(n, lat), az, r)
    ring = np.column_stack([lo, la])
    return Polygon(np.vstack([ring, ring[:1]]))


# --- verdicts ---

LON, LAT = 113.3245, 23.1291  # Guangzhou


def test_verdicts_follow_the_accuracy_circle() -> None:
    index = ZoneIndex([ZoneShape("office", square(LON, LAT, 500))])
    east = 90.0
    cases = [
        (0, 20, Verdict.INSIDE),  # centre, 20 m accuracy
        (450, 40, Verdict.INSIDE),  # 50 m from the edge, circle inside
        (450, 80, Verdict.STRADDLING),  # circle crosses the edge
        (600, 20, Verdict.OUTSIDE),  # 100 m out > 20 m accuracy + 20 m margin
        (600, 150, Verdict.STRADDLING),  # poor accuracy: could be inside
        (5_000, 30, Verdict.OUTSIDE),
    ]
    for dist, acc, expected in cases:
        lon, lat = offset(LON, LAT, east, dist)
        got = index.stand(lon, lat, acc, 20)
        assert got.verdict == expected, (dist, acc, got)
    lon, lat = offset(LON, LAT, east, 560)  # 60 m out: outside only with margin < 40 m
    assert index.stand(lon, lat, 20, 20).verdict == Verdict.OUTSIDE
    assert index.stand(lon, lat, 20, 45).verdict == Verdict.STRADDLING


def test_only_allowed_zones_count() -> None:
    a, b = square(LON, LAT, 300), square(LON + 0.05, LAT, 300)
    index = ZoneIndex([ZoneShape("a", a), ZoneShape("b", b)])
    lon, lat = LON + 0.05, LAT
    assert index.stand(lon, lat, 10, 20).zone_id == "b"
    assert index.stand(lon, lat, 10, 20, allowed={"a"}).verdict == Verdict.OUTSIDE
    assert index.stand(lon, lat, 10, 20, allowed={"b"}).verdict == Verdict.INSIDE
    assert index.stand(lon, lat, 10, 20, allowed=set()).verdict == Verdict.OUTSIDE
    # deepest zone wins where zones overlap
    index = ZoneIndex([ZoneShape("big", square(LON, LAT, 2000)), ZoneShape("small", a)])
    got = index.stand(*offset(LON, LAT, 0, 250), 10, 20)
    assert (got.verdict, got.zone_id) == (Verdict.INSIDE, "big")
    assert got.distance_m == pytest.approx(1750, rel=0.01)


def test_circles_and_multipolygons() -> None:
    two = MultiPolygon([square(LON, LAT, 100), square(LON + 0.01, LAT, 100)])
    index = ZoneIndex(
        [ZoneShape("shop", center=(LON, LAT + 0.01), radius_m=150), ZoneShape("two", two)]
    )
    assert index.signed_distance("shop", *offset(LON, LAT + 0.01, 30, 100)) == pytest.approx(50)
    assert index.stand(*offset(LON, LAT + 0.01, 200, 100), 60, 20).verdict == Verdict.STRADDLING
    assert index.stand(*offset(LON, LAT + 0.01, 200, 100), 10, 20).verdict == Verdict.INSIDE
    assert index.stand(*offset(LON, LAT + 0.01, 200, 300), 10, 20).verdict == Verdict.OUTSIDE
    assert index.stand(LON + 0.01, LAT, 10, 0).zone_id == "two"
    assert index.stand(LON + 0.005, LAT, 10, 0).verdict == Verdict.OUTSIDE


def test_stand_many_matches_stand() -> None:
    rng = np.random.default_rng(7)
    zones = [
        ZoneShape(i, square(LON + rng.uniform(-0.5, 0.5), LAT + rng.uniform(-0.5, 0.5), 800))
        if i % 3
        else ZoneShape(
            i, center=(LON + rng.uniform(-0.5, 0.5), LAT + rng.uniform(-0.5, 0.5)), radius_m=900
        )
        for i in range(300)
    ]
    index = ZoneIndex(zones)
    n = 500
    lons, lats = LON + rng.uniform(-0.5, 0.5, n), LAT + rng.uniform(-0.5, 0.5, n)
    accs, margins = rng.uniform(5, 200, n), np.full(n, 20.0)
    allowed = [set(rng.choice(300, 5).tolist()) if k % 2 else None for k in range(n)]
    many = index.stand_many(lons, lats, accs, margins, allowed)
    for k in range(n):
        assert many[k] == index.stand(lons[k], lats[k], accs[k], margins[k], allowed[k])
        if many[k].zone_id is not None:  # pairs measured together as each alone
            alone = index.signed_distance(many[k].zone_id, lons[k], lats[k])
            assert many[k].distance_m == pytest.approx(alone, abs=1e-6)
    assert {s.verdict for s in many} == set(Verdict)


def test_densified_edges_follow_great_circles() -> None:
    # an east-west edge of 600 km along 60°N: its great circle peaks at the middle, at
    # atan(tan 60° / cos 5.4°), about 12 km north of the parallel
    poly = Polygon([(0, 60), (10.8, 60), (10.8, 59), (0, 59), (0, 60)])
    dense = densify_great_circles(poly)
    assert len(dense.exterior.coords) > 600
    peak = np.degrees(np.arctan(np.tan(np.radians(60)) / np.cos(np.radians(5.4))))
    assert dense.bounds[3] == pytest.approx(peak, abs=1e-6)
    index = ZoneIndex([ZoneShape("z", poly)])
    assert index.covers("z", 5.4, 60.1)  # north of the parallel, south of the arc


def test_circle_polygon_lies_on_the_circle() -> None:
    ring = np.asarray(circle_polygon(LON, LAT, 250).exterior.coords)
    _, _, d = WGS84.inv(np.full(len(ring), LON), np.full(len(ring), LAT), ring[:, 0], ring[:, 1])
    assert np.allclose(d, 250, atol=1e-6)


# --- against PostGIS ---

# PostGIS measures a point against a whole boundary by finding the nearest boundary point
# on a sphere, then the ellipsoidal distance to it. Where two stretches of the boundary are
# about as far in different directions, the one nearer on the sphere can be the farther on
# the ellipsoid: longer than the true distance by up to the ratio of the ellipsoid's radii of
# curvature, N / M = 1 / (1 - e²), 0.67% at the equator. Edge by edge, the nearest points
# on the sphere and on the ellipsoid lie within a hair of each other, so the least distance
# to a single edge is the true distance.
SPHERE_STRETCH = 1 / (1 - WGS84.es)

_SQL = text("""
    SELECT ST_Covers(g::geography, p::geography),
           (SELECT min(ST_Distance(s.geom::geography, p::geography))
              FROM ST_DumpSegments(ST_Boundary(g)) AS s),
           ST_Distance(ST_Boundary(g)::geography, p::geography)
      FROM ST_GeomFromText(:wkt, 4326) AS g,
           unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) WITH ORDINALITY AS u(x, y, k),
           ST_SetSRID(ST_MakePoint(x, y), 4326) AS p
     ORDER BY k
""")


@CHECK
@given(
    lon=st.floats(-170, 170),
    lat=st.floats(-80, 80),
    size_m=st.sampled_from([15.0, 200.0, 5_000.0, 60_000.0, 400_000.0]),
    vertices=st.integers(3, 30),
    seed=st.integers(0, 2**32 - 1),
)
@example(lon=0.0, lat=69.0, size_m=400_000.0, vertices=6, seed=0)  # far: was 5.1% off
# the whole boundary in PostGIS 0.6% long at 17.7 km (two sides about as far)
@example(lon=0.0, lat=0.0, size_m=60_000.0, vertices=11, seed=4294967294)
# 1.7 km: a sphere's nearest side, 4 m farther on the ellipsoid
@example(lon=0.0, lat=0.0, size_m=5_000.0, vertices=15, seed=9791)
# 1 km at 77°S: a frame scaled at the zone's centre, 1.4 m long
@example(lon=0.0, lat=-77.0, size_m=5_000.0, vertices=19, seed=978)
def test_polygons_match_postgis_geography(
    connection: Connection, lon: float, lat: float, size_m: float, vertices: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    poly = star(rng, lon, lat, size_m, vertices)
    if not poly.is_valid:
        return
    index = ZoneIndex([ZoneShape("z", poly)])
    m = 40
    c = poly.centroid
    xs, ys, _ = WGS84.fwd(
        np.full(m, c.x), np.full(m, c.y), rng.uniform(0, 360, m), rng.uniform(0, 1.3, m) * size_m
    )
    rows = connection.execute(_SQL, {"wkt": poly.wkt, "xs": xs.tolist(), "ys": ys.tolist()})
    at_once = index.signed_distances("z", xs, ys)
    for (covers, boundary_m, whole_m), x, y, together in zip(rows, xs, ys, at_once, strict=True):
        signed = index.signed_distance("z", float(x), float(y))
        assert together == signed  # the same answer alone or with the others
        if boundary_m > 0.5:
            assert (signed >= 0) == covers, (x, y, signed, boundary_m)
        if boundary_m < 5_000:  # where decisions are made: metre-accurate
            assert abs(signed) == pytest.approx(boundary_m, rel=1e-3, abs=0.5)
        else:
            assert abs(signed) == pytest.approx(boundary_m, rel=0.005)
        # against the whole boundary at once: never shorter, at most the sphere's stretch longer
        assert abs(signed) * (1 - 1e-3) - 0.5 <= whole_m <= abs(signed) * SPHERE_STRETCH + 0.5


@CHECK
@given(
    lon=st.floats(-179, 179),
    lat=st.floats(-85, 85),
    radius_m=st.floats(5, 50_000),
    seed=st.integers(0, 2**32 - 1),
)
def test_circles_match_postgis_dwithin(
    connection: Connection, lon: float, lat: float, radius_m: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    index = ZoneIndex([ZoneShape("c", center=(lon, lat), radius_m=radius_m)])
    m = 30
    xs, ys, _ = WGS84.fwd(
        np.full(m, lon), np.full(m, lat), rng.uniform(0, 360, m), rng.uniform(0, 2, m) * radius_m
    )
    rows = connection.execute(
        text(
            "SELECT ST_DWithin(ST_MakePoint(:lon, :lat)::geography, "
            "ST_MakePoint(x, y)::geography, :r), "
            "ST_Distance(ST_MakePoint(:lon, :lat)::geography, ST_MakePoint(x, y)::geography) "
            "FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) AS p(x, y)"
        ),
        {"lon": lon, "lat": lat, "r": radius_m, "xs": xs.tolist(), "ys": ys.tolist()},
    )
    for (within, centre_m), x, y in zip(rows, xs, ys, strict=True):
        signed = index.signed_distance("c", float(x), float(y))
        assert signed == pytest.approx(radius_m - centre_m, abs=0.01)
        if abs(radius_m - centre_m) > 0.01:
            assert (signed >= 0) == within
