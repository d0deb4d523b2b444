"""The coordinate systems of maps in China: GCJ-02 (AMap, Tencent, Google in China) and
BD-09 (Baidu) are WGS-84 shifted by a published obfuscation, by 100–700 m. Positions given
in them are turned back into WGS-84 (prcoords' iterative inverse, well under a metre);
outside China both are WGS-84 already."""

from __future__ import annotations

from enum import StrEnum

import prcoords


class Crs(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def in_china(lon: float, lat: float) -> bool:
    return bool(prcoords.sanity_in_china_p(prcoords.Coords(lat, lon)))


def to_wgs84(lon: float, lat: float, crs: Crs | str) -> tuple[float, float]:
    """(lon, lat) in WGS-84 of a position given in ``crs``."""
    crs = Crs(crs)
    if crs is Crs.WGS84 or not in_china(lon, lat):
        return lon, lat
    given = prcoords.Coords(lat, lon)
    back = prcoords.gcj_wgs_bored(given) if crs is Crs.GCJ02 else prcoords.bd_wgs_bored(given)
    return float(back.lon), float(back.lat)


def from_wgs84(lon: float, lat: float, crs: Crs | str) -> tuple[float, float]:
    """(lon, lat) in ``crs`` of a WGS-84 position (to hand to a map that draws in it)."""
    crs = Crs(crs)
    if crs is Crs.WGS84 or not in_china(lon, lat):
        return lon, lat
    given = prcoords.Coords(lat, lon)
    there = prcoords.wgs_gcj(given) if crs is Crs.GCJ02 else prcoords.wgs_bd(given)
    return float(there.lon), float(there.lat)
