"""Distances on the WGS84 ellipsoid, in metres, for [lon, lat] coordinates."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pyproj import Geod

WGS84 = Geod(ellps="WGS84")


def check_lonlat(lon: float, lat: float) -> None:
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise ValueError("coordinates must be finite numbers")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"[{lon}, {lat}] is outside [-180..180, -90..90]")


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance between two points."""
    _, _, dist = WGS84.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def path_length_m(coords: Sequence[tuple[float, float]]) -> float:
    """Length of a path through [lon, lat] points, segment by segment."""
    if len(coords) < 2:
        return 0.0
    arr = np.asarray(coords, dtype=float)
    _, _, dists = WGS84.inv(arr[:-1, 0], arr[:-1, 1], arr[1:, 0], arr[1:, 1])
    return float(np.sum(dists))


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(east, north) metres per degree at a latitude on the WGS84 ellipsoid."""
    a, e2 = 6_378_137.0, 0.006_694_379_990_14
    phi = math.radians(lat)
    w = 1 - e2 * math.sin(phi) ** 2
    north = math.radians(1) * a * (1 - e2) / w**1.5  # meridional radius of curvature
    east = math.radians(1) * a / math.sqrt(w) * math.cos(phi)  # prime vertical
    return east, north
