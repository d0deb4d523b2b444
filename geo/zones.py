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


def _query_boxes(lons: FloatArray, lats: FloatArray, reach_m: FloatArray) -> NDArray[np.object_]:
    """Lon/lat boxes holding every point within ``reach_m`` of each point."""
    dlat = reach_m / _M_PER_DEG_LAT_MIN * 1.001 + 1e-9
    dlon = dlat / np.maximum(np.cos(np.radians(np.minimum(np.abs(lats) + dlat, 89.9))), 1e-3)
    return shapely.box(lons - dlon, lats - dlat, lons + dlon, lats + dlat)  # type: ignore[no-any-return]


def _query_box(lon: float, lat: float, reach_m: float) -> BaseGeometry:
    box = _query_boxes(np.array([lon]), np.array([lat]), np.array([reach_m]))[0]
    assert isinstance(box, BaseGeometry)
    return box


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
        # per position: whether a circle, and its centre and radius (for array maths)
        self._is_circle = np.zeros(len(zones), dtype=bool)
        self._circle_at = np.zeros((len(zones), 3), dtype=float)
        envelopes: list[BaseGeometry] = []
        for i, z in enumerate(zones):
            if z.is_circle:
                assert z.center is not None
                assert z.radius_m is not None
                lon, lat = z.center
                self._is_circle[i], self._circle_at[i] = True, (lon, lat, z.radius_m)
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
        return float(self.signed_distances(zone_id, np.array([lon]), np.array([lat]))[0])

    def signed_distances(self, zone_id: Hashable, lons: FloatArray, lats: FloatArray) -> FloatArray:
        """``signed_distance`` for many points at once."""
        lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        i = self._pos[zone_id]
        if self._is_circle[i]:
            return self._circle_signed(np.full(len(lons), i), lons, lats)
        return self._polygon_signed_many(i, lons, lats)

    def covers(self, zone_id: Hashable, lon: float, lat: float) -> bool:
        return self.signed_distance(zone_id, lon, lat) >= 0

    def _circle_signed(
        self, positions: NDArray[np.intp], lons: FloatArray, lats: FloatArray
    ) -> FloatArray:
        """Signed distances of points to the circles at ``positions``, pair by pair."""
        c = self._circle_at[positions]
        _, _, d = WGS84.inv(lons, lats, c[:, 0], c[:, 1])
        signed: FloatArray = c[:, 2] - np.asarray(d, dtype=float)
        return signed

    def _polygon_signed_many(self, i: int, lons: FloatArray, lats: FloatArray) -> FloatArray:
        """Signed distances of points to polygon zone ``i``, each as ``signed_distance``."""
        p = self._polys[i]
        inside = shapely.intersects_xy(p.geometry, lons, lats)
        points = shapely.points((lons - p.lon0) * p.kx, lats - p.lat0)
        nearest = shapely.get_coordinates(shapely.shortest_line(points, p.boundary_frame))
        q = nearest.reshape(len(lons), 2, 2)[:, 1]  # each line runs from the point
        _, _, d = WGS84.inv(lons, lats, q[:, 0] / p.kx + p.lon0, q[:, 1] + p.lat0)
        d = np.asarray(d, dtype=float)
        if p.large:
            for k in np.flatnonzero(d < _REFINE_WITHIN_M).tolist():
                d[k] = self._refined_distance(p, float(lons[k]), float(lats[k]), float(d[k]))
            assert p.vertices is not None
            far = np.flatnonzero(d >= _REFINE_WITHIN_M).tolist()
            for k in far:  # far from a large zone, the frame is off by percents
                n = len(p.vertices)
                _, _, ds = WGS84.inv(
                    np.full(n, lons[k]), np.full(n, lats[k]), p.vertices[:, 0], p.vertices[:, 1]
                )
                d[k] = min(d[k], float(np.min(ds)))
        return np.where(inside, d, -d)

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
        lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        accuracies = np.asarray(accuracies_m, dtype=float)
        reach = accuracies + np.asarray(margins_m, dtype=float)
        fix_idx, zone_idx = self._tree.query(
            _query_boxes(lons, lats, reach), predicate="intersects"
        )
        if any(a is not None for a in allowed):
            keep = self._permitted(fix_idx, zone_idx, allowed)
            fix_idx, zone_idx = fix_idx[keep], zone_idx[keep]
        signed = self._signed_pairs(lons, lats, fix_idx, zone_idx)
        # per fix, the zone it stands best in: sorted by fix, then most inside first
        order = np.lexsort((-signed, fix_idx))
        firsts = order[np.unique(fix_idx[order], return_index=True)[1]]
        best: dict[int, tuple[float, int]] = {
            int(fix_idx[j]): (float(signed[j]), int(zone_idx[j])) for j in firsts
        }
        out = []
        for k in range(len(lons)):
            if k not in best:  # nothing within reach
                out.append(Standing(Verdict.OUTSIDE, None, None))
                continue
            s, i = best[k]
            if s >= accuracies[k]:
                verdict = Verdict.INSIDE
            elif s < -reach[k]:
                verdict = Verdict.OUTSIDE
            else:
                verdict = Verdict.STRADDLING
            out.append(Standing(verdict, self.ids[i], s))
        return out

    def _permitted(
        self,
        fix_idx: NDArray[np.intp],
        zone_idx: NDArray[np.intp],
        allowed: Sequence[Collection[Hashable] | None],
    ) -> NDArray[np.bool_]:
        positions: list[set[int] | None] = [
            None if a is None else {self._pos[z] for z in a if z in self._pos} for a in allowed
        ]
        return np.array(
            [
                (p := positions[k]) is None or i in p
                for k, i in zip(fix_idx.tolist(), zone_idx.tolist(), strict=True)
            ],
            dtype=bool,
        )

    def _signed_pairs(
        self,
        lons: FloatArray,
        lats: FloatArray,
        fix_idx: NDArray[np.intp],
        zone_idx: NDArray[np.intp],
    ) -> FloatArray:
        """The signed distance of each (fix, zone) pair: circles in one geodesic call."""
        signed = np.empty(len(fix_idx), dtype=float)
        circle = self._is_circle[zone_idx]
        if circle.any():
            f = fix_idx[circle]
            signed[circle] = self._circle_signed(zone_idx[circle], lons[f], lats[f])
        polygon = np.flatnonzero(~circle)
        if not len(polygon):
            return signed
        polygon = polygon[np.argsort(zone_idx[polygon], kind="stable")]
        zones, firsts = np.unique(zone_idx[polygon], return_index=True)
        for i, j in zip(zones.tolist(), np.split(polygon, firsts[1:]), strict=True):
            f = fix_idx[j]  # a zone's fixes at once
            signed[j] = self._polygon_signed_many(i, lons[f], lats[f])
        return signed


def circle_polygon(lon: float, lat: float, radius_m: float, segments: int = 64) -> Polygon:
    """A polygon through points on the circle, for maps and for the database's index."""
    az = np.linspace(0.0, 360.0, segments, endpoint=False)
    lons, lats, _ = WGS84.fwd(
        np.full(segments, lon), np.full(segments, lat), az, np.full(segments, radius_m)
    )
    ring = np.column_stack([lons, lats])
    return Polygon(np.vstack([ring, ring[:1]]))
