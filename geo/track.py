"""Track maths on [lon, lat] fixes with times in seconds: implied speed, jumps."""

from __future__ import annotations

from geo.distance import distance_m

# Two fixes closer in time than this are compared by distance alone.
MIN_DT_S = 1.0


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
