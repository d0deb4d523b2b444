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
least geodesic distance to the boundary's segments near its nearest points.
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

from geo.distance import WGS84

FloatArray = NDArray[np.float64]

MAX_SEGMENT_M = 1000.0
_EARTH_R = 6_371_008.8  # mean radius: only for densifying and for degree boxes
_M_PER_DEG_LAT_MIN = 110_574.0  # a degree of latitude is never shorter than this
_LARGE_ZONE_DEG = 0.5  # zones taller than this get the refinement near their boundary
_REFINE_WITHIN_M = 5_000.0
_SEGMENT_SAMPLES = 33  # points along a boundary segment when measuring to it from afar


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


_A, _E2 = WGS84.a, WGS84.es
_E = math.sqrt(_E2)


def _isometric_latitude(lat_rad: FloatArray) -> FloatArray:
    sin = np.sin(lat_rad)
    psi: FloatArray = np.arctanh(sin) - _E * np.arctanh(_E * sin)
    return psi


@dataclass(frozen=True)
class _Frame:
    """Metres on the ellipsoid's Lambert conformal conic touching it at ``lat0``, centred
    on (``lon0``, ``lat0``). Conformal, and its scale is 1 along ``lat0`` and grows only
    with the square of the distance from it (3e-5 half a degree away at 80°), so straight
    distances in it are the ellipsoid's. A frame that is not conformal (lon/lat scaled at
    the centre, or a sphere's) stretches some directions more than others and can take
    the wrong side of a zone for the nearest."""

    lon0: float
    psi0: float
    n: float  # sin(lat0): the cone's constant
    r0: float  # radius of the parallel lat0

    @classmethod
    def at(cls, lon0: float, lat0: float) -> _Frame:
        phi = math.radians(lat0)
        r0 = _A * math.cos(phi) / math.sqrt(1 - _E2 * math.sin(phi) ** 2)
        psi0 = float(_isometric_latitude(np.array(phi)))
        return cls(lon0, psi0, math.sin(phi), r0)

    def project(self, lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
        u = np.radians(lons - self.lon0)
        v = _isometric_latitude(np.radians(lats)) - self.psi0
        n = self.n
        if abs(n) < 1e-12:  # the equator: Mercator
            return self.r0 * u, self.r0 * v
        shrink = np.exp(-n * v)  # written so that nothing cancels when n is small
        x = self.r0 * shrink * np.sin(n * u) / n
        y = self.r0 * (-np.expm1(-n * v) * np.cos(n * u) + 2 * np.sin(n * u / 2) ** 2) / n
        return x, y

    def transform(self, geometry: BaseGeometry) -> BaseGeometry:
        def to_frame(c: FloatArray) -> FloatArray:
            return np.column_stack(self.project(c[:, 0], c[:, 1]))

        return shapely.transform(geometry, to_frame)


@dataclass(frozen=True)
class _Segments:
    """A boundary cut into its densified segments, ring by ring: ``starts[k]`` to
    ``ends[k]`` (lon, lat), and ``before[k]``, the segment that ends where ``k`` starts."""

    starts: FloatArray
    ends: FloatArray
    before: NDArray[np.intp]

    @classmethod
    def of(cls, boundary: BaseGeometry) -> _Segments:
        rings = [np.asarray(r.coords, dtype=float)[:, :2] for r in _lines(boundary)]
        counts = [len(r) - 1 for r in rings]
        offsets = np.cumsum([0, *counts[:-1]])
        return cls(
            np.concatenate([r[:-1] for r in rings]),
            np.concatenate([r[1:] for r in rings]),
            np.concatenate(
                [o + np.roll(np.arange(n), 1) for o, n in zip(offsets, counts, strict=True)]
            ),
        )


def _lines(boundary: BaseGeometry) -> list[BaseGeometry]:
    return list(getattr(boundary, "geoms", [boundary]))


@dataclass
class _Polygon:
    geometry: BaseGeometry  # densified, lon/lat, prepared
    frame: _Frame  # centred on the zone
    boundary_frame: BaseGeometry  # boundary in the zone's frame
    large: bool
    segments: _Segments | None = None  # a large zone's boundary


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
            frame = _Frame.at(lon0, lat0)
            large = (maxy - miny) > _LARGE_ZONE_DEG
            segments = _Segments.of(dense.boundary) if large else None
            boundary = frame.transform(dense.boundary)
            self._polys[i] = _Polygon(dense, frame, boundary, large, segments)
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
        points = shapely.points(*p.frame.project(lons, lats))
        d: FloatArray = shapely.distance(points, p.boundary_frame)
        if p.large:  # the zone's frame is off by up to 0.2% at its far ends
            assert p.segments is not None
            for k in range(len(d)):
                d[k] = _large_zone_distance(p, p.segments, float(lons[k]), float(lats[k]), d[k])
        return np.where(inside, d, -d)

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


def _large_zone_distance(
    p: _Polygon, segments: _Segments, lon: float, lat: float, estimate: float
) -> float:
    """Near the boundary, the distance in a frame centred on the fix; far from it, the
    least geodesic distance to the boundary's segments."""
    if estimate < _REFINE_WITHIN_M:
        near = _near_distance(p.geometry, lon, lat, estimate * 1.1 + 100.0)
        if near is not None:
            return near
    return _far_distance(segments, lon, lat)


def _near_distance(zone: BaseGeometry, lon: float, lat: float, reach: float) -> float | None:
    """The distance to the boundary in a frame centred on the fix, if within ``reach``."""
    near = shapely.clip_by_rect(zone.boundary, *_query_box(lon, lat, reach).bounds)
    if near.is_empty:
        return None
    d = float(shapely.distance(shapely.Point(0, 0), _Frame.at(lon, lat).transform(near)))
    return d if d <= reach else None


def _far_distance(segments: _Segments, lon: float, lat: float) -> float:
    """The least geodesic distance from a far point to a boundary: to the segment ends
    first, then finely along the segments beside the nearest ends. The nearest point of
    the boundary lies on a segment with an end at most s²/8d farther than the nearest end
    (s a segment's length, d the distance), so those segments hold it."""
    starts, ends = segments.starts, segments.ends
    n = len(starts)
    _, _, to_starts = WGS84.inv(np.full(n, lon), np.full(n, lat), starts[:, 0], starts[:, 1])
    nearest = float(np.min(to_starts))
    s = MAX_SEGMENT_M * 1.1  # the densifying sphere's metres are not quite the ellipsoid's
    near_ends = np.flatnonzero(to_starts <= nearest + s * s / (8 * max(nearest - s / 2, s)))
    candidates = np.unique(np.concatenate([near_ends, segments.before[near_ends]]))
    t = np.linspace(0.0, 1.0, _SEGMENT_SAMPLES)[None, :, None]
    a, b = starts[candidates][:, None, :], ends[candidates][:, None, :]
    along = (a + t * (b - a)).reshape(-1, 2)  # lon/lat lines: centimetres from the arcs
    m = len(along)
    _, _, to_along = WGS84.inv(np.full(m, lon), np.full(m, lat), along[:, 0], along[:, 1])
    return min(nearest, float(np.min(to_along)))


def circle_polygon(lon: float, lat: float, radius_m: float, segments: int = 64) -> Polygon:
    """A polygon through points on the circle, for maps and for the database's index."""
    az = np.linspace(0.0, 360.0, segments, endpoint=False)
    lons, lats, _ = WGS84.fwd(
        np.full(segments, lon), np.full(segments, lat), az, np.full(segments, radius_m)
    )
    ring = np.column_stack([lons, lats])
    return Polygon(np.vstack([ring, ring[:1]]))
