"""Zones (geofences) and where a fix stands against them, in metres on the WGS84 ellipsoid.

A zone is a polygon (edges are great-circle arcs, as in PostGIS geography) or a circle
(centre and radius). A fix is a point with an accuracy radius. Against the zones a person
may be in, a fix is

- ``inside`` when its whole accuracy circle lies within one zone,
- ``outside`` when its whole accuracy circle, grown by a margin, misses every zone,
- ``straddling`` otherwise: it proves nothing either way.

Polygon edges are densified along great circles (segments of at most 1 km, where they
differ from straight lines in lon/lat by centimetres), so containment in lon/lat is
containment on the sphere. The nearest boundary point is found in the zone's own
equirectangular frame and the distance to it is a geodesic; for large zones, a fix close
to the boundary is refined in a frame centred on the fix, and a fix far from it takes the
least geodesic distance to the boundary's points.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LinearRing, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.distance import WGS84, metres_per_degree

FloatArray = NDArray[np.float64]

MAX_SEGMENT_M = 1000.0
_EARTH_R = 6_371_008.8  # mean radius: only for densifying and for degree boxes
_M_PER_DEG_LAT_MIN = 110_574.0  # a degree of latitude is never shorter than this
_LARGE_ZONE_DEG = 0.5  # zones taller than this get the refinement near their boundary
_REFINE_WITHIN_M = 5_000.0


class Verdict(StrEnum):
    INSIDE = "inside"
    OUTSIDE = "outside"
    STRADDLING = "straddling"


@dataclass(frozen=True)
class ZoneShape:
    """What the index needs of a zone: a polygon or multipolygon in lon/lat, or a circle."""

    id: Hashable
    geometry: Polygon | MultiPolygon | None = None
    center: tuple[float, float] | None = None  # circle: [lon, lat]
    radius_m: float | None = None

    @property
    def is_circle(self) -> bool:
        return self.center is not None


@dataclass(frozen=True)
class Standing:
    """Where one fix stands. ``zone_id`` is the zone it is deepest in (or nearest to);
    ``distance_m`` is signed: positive inside that zone (to its boundary), negative
    outside; ``None`` when no zone is within reach of the fix."""

    verdict: Verdict
    zone_id: Hashable | None
    distance_m: float | None


# --- great circles ---


def _to_xyz(lon: FloatArray, lat: FloatArray) -> FloatArray:
    lo, la = np.radians(lon), np.radians(lat)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def _densify_ring(coords: FloatArray, max_segment_m: float) -> FloatArray:
    start, end = coords[:-1], coords[1:]
    a, b = _to_xyz(start[:, 0], start[:, 1]), _to_xyz(end[:, 0], end[:, 1])
    angle = np.arccos(np.clip(np.sum(a * b, axis=1), -1.0, 1.0))
    pieces = np.maximum(1, np.ceil(angle * _EARTH_R / max_segment_m)).astype(int)
    out: list[FloatArray] = []
    for i, n in enumerate(pieces):
        if n == 1:
            out.append(start[i : i + 1])
            continue
        t = np.arange(n) / n
        w = angle[i]
        s = np.sin(w)
        p = (np.sin((1 - t) * w) / s)[:, None] * a[i] + (np.sin(t * w) / s)[:, None] * b[i]
        lat = np.degrees(np.arcsin(np.clip(p[:, 2], -1.0, 1.0)))
        lon = np.degrees(np.arctan2(p[:, 1], p[:, 0]))
        # stay on the same side of the antimeridian as the segment's own ends
        lon = np.where(lon - start[i, 0] > 180, lon - 360, lon)
        lon = np.where(lon - start[i, 0] < -180, lon + 360, lon)
        lon[0], lat[0] = start[i]
        out.append(np.column_stack([lon, lat]))
    out.append(coords[-1:])
    return np.concatenate(out)


def densify_great_circles(
    geom: Polygon | MultiPolygon, max_segment_m: float = MAX_SEGMENT_M
) -> Polygon | MultiPolygon:
    """The same polygon with points added along its great-circle edges."""

    def ring(r: LinearRing) -> FloatArray:
        return _densify_ring(np.asarray(r.coords, dtype=float)[:, :2], max_segment_m)

    def poly(p: Polygon) -> Polygon:
        return Polygon(ring(p.exterior), [ring(i) for i in p.interiors])

    if isinstance(geom, MultiPolygon):
        return MultiPolygon([poly(p) for p in geom.geoms])
    return poly(geom)


# --- frames ---


def _query_box(lon: float, lat: float, reach_m: float) -> BaseGeometry:
    dlat = reach_m / _M_PER_DEG_LAT_MIN * 1.001 + 1e-9
    dlon = dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-3)
    return shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)


@dataclass
class _Polygon:
    geometry: BaseGeometry  # densified, lon/lat, prepared
    boundary_frame: BaseGeometry  # boundary in the zone's frame
    lon0: float
    lat0: float
    kx: float  # x = (lon - lon0) * kx; y = lat - lat0
    large: bool
    vertices: FloatArray | None = None  # a large zone's boundary points (lon, lat)


class ZoneIndex:
    """An STRtree over zones, answering for fixes against the zones each person may be in."""

    def __init__(self, zones: Sequence[ZoneShape]) -> None:
        self.ids: list[Hashable] = [z.id for z in zones]
        self._pos = {zid: i for i, zid in enumerate(self.ids)}
        self._polys: dict[int, _Polygon] = {}
        self._circles: dict[int, tuple[float, float, float]] = {}
        envelopes: list[BaseGeometry] = []
        for i, z in enumerate(zones):
            if z.is_circle:
                assert z.center is not None
                assert z.radius_m is not None
                lon, lat = z.center
                self._circles[i] = (lon, lat, z.radius_m)
                envelopes.append(_query_box(lon, lat, z.radius_m))
                continue
            assert z.geometry is not None
            dense = densify_great_circles(z.geometry)
            shapely.prepare(dense)
            minx, miny, maxx, maxy = dense.bounds
            lon0, lat0 = (minx + maxx) / 2, (miny + maxy) / 2
            kx = math.cos(math.radians(lat0))
            boundary = shapely.transform(
                dense.boundary,
                lambda c, lon0=lon0, lat0=lat0, kx=kx: np.column_stack(
                    [(c[:, 0] - lon0) * kx, c[:, 1] - lat0]
                ),
            )
            large = (maxy - miny) > _LARGE_ZONE_DEG
            vertices = shapely.get_coordinates(dense.boundary) if large else None
            self._polys[i] = _Polygon(dense, boundary, lon0, lat0, kx, large, vertices)
            envelopes.append(shapely.envelope(dense))
        self._tree = shapely.STRtree(envelopes)

    def __len__(self) -> int:
        return len(self.ids)

    # one zone ---------------------------------------------------------------------------
    def signed_distance(self, zone_id: Hashable, lon: float, lat: float) -> float:
        """Metres from the zone's boundary: positive inside (or on it), negative outside."""
        i = self._pos[zone_id]
        if i in self._circles:
            clon, clat, r = self._circles[i]
            _, _, d = WGS84.inv(lon, lat, clon, clat)
            return float(r - d)
        return self._polygon_signed(i, lon, lat)

    def covers(self, zone_id: Hashable, lon: float, lat: float) -> bool:
        return self.signed_distance(zone_id, lon, lat) >= 0

    def _polygon_signed(self, i: int, lon: float, lat: float) -> float:
        p = self._polys[i]
        inside = bool(shapely.intersects_xy(p.geometry, lon, lat))
        point = shapely.Point((lon - p.lon0) * p.kx, lat - p.lat0)
        nearest = shapely.shortest_line(point, p.boundary_frame)
        qx, qy = shapely.get_coordinates(nearest)[1]
        qlon, qlat = qx / p.kx + p.lon0, qy + p.lat0
        _, _, d = WGS84.inv(lon, lat, qlon, qlat)
        if p.large and d < _REFINE_WITHIN_M:
            d = self._refined_distance(p, lon, lat, d)
        elif p.vertices is not None:  # far from a large zone, the frame is off by percents
            n = len(p.vertices)
            _, _, ds = WGS84.inv(
                np.full(n, lon), np.full(n, lat), p.vertices[:, 0], p.vertices[:, 1]
            )
            d = min(d, float(np.min(ds)))
        return float(d if inside else -d)

    @staticmethod
    def _refined_distance(p: _Polygon, lon: float, lat: float, d: float) -> float:
        """Within a large zone's frame the nearest point can be a little off; look again in
        a frame centred on the fix, at the boundary near it."""
        ex, ny = metres_per_degree(lat)
        reach = d * 1.05 + 1.0
        box = (lon - reach / ex, lat - reach / ny, lon + reach / ex, lat + reach / ny)
        near = shapely.clip_by_rect(p.geometry.boundary, *box)
        if near.is_empty:
            return d
        local = shapely.transform(
            near, lambda c: np.column_stack([(c[:, 0] - lon) * ex, (c[:, 1] - lat) * ny])
        )
        qx, qy = shapely.get_coordinates(shapely.shortest_line(shapely.Point(0, 0), local))[1]
        _, _, refined = WGS84.inv(lon, lat, lon + qx / ex, lat + qy / ny)
        return min(d, float(refined))

    # fixes ------------------------------------------------------------------------------
    def stand(
        self,
        lon: float,
        lat: float,
        accuracy_m: float,
        margin_m: float,
        allowed: Collection[Hashable] | None = None,
    ) -> Standing:
        """Where one fix stands against the allowed zones (all zones when ``None``)."""
        return self.stand_many(
            np.array([lon]),
            np.array([lat]),
            np.array([accuracy_m]),
            np.array([margin_m]),
            [allowed],
        )[0]

    def stand_many(
        self,
        lons: FloatArray,
        lats: FloatArray,
        accuracies_m: FloatArray,
        margins_m: FloatArray,
        allowed: Sequence[Collection[Hashable] | None],
    ) -> list[Standing]:
        """Where each fix stands against its own allowed zones; one tree query for all."""
        n = len(lons)
        reach = np.asarray(accuracies_m, dtype=float) + np.asarray(margins_m, dtype=float)
        boxes = [_query_box(float(lons[k]), float(lats[k]), float(reach[k])) for k in range(n)]
        fix_idx, zone_idx = self._tree.query(boxes, predicate="intersects")
        allowed_pos: list[set[int] | None] = [
            None if a is None else {self._pos[z] for z in a if z in self._pos} for a in allowed
        ]
        best: list[tuple[float, int] | None] = [None] * n
        for k, i in zip(fix_idx.tolist(), zone_idx.tolist(), strict=True):
            permitted = allowed_pos[k]
            if permitted is not None and i not in permitted:
                continue
            s = self.signed_distance(self.ids[i], float(lons[k]), float(lats[k]))
            if best[k] is None or s > best[k][0]:
                best[k] = (s, i)
        out = []
        for k in range(n):
            b = best[k]
            if b is None:  # nothing within reach
                out.append(Standing(Verdict.OUTSIDE, None, None))
                continue
            s, i = b
            if s >= accuracies_m[k]:
                verdict = Verdict.INSIDE
            elif s < -reach[k]:
                verdict = Verdict.OUTSIDE
            else:
                verdict = Verdict.STRADDLING
            out.append(Standing(verdict, self.ids[i], s))
        return out


def circle_polygon(lon: float, lat: float, radius_m: float, segments: int = 64) -> Polygon:
    """A polygon through points on the circle, for maps and for the database's index."""
    az = np.linspace(0.0, 360.0, segments, endpoint=False)
    lons, lats, _ = WGS84.fwd(
        np.full(segments, lon), np.full(segments, lat), az, np.full(segments, radius_m)
    )
    ring = np.column_stack([lons, lats])
    return Polygon(np.vstack([ring, ring[:1]]))
