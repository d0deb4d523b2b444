"""A position from what a phone heard instead of GPS: the tenant's own registered Wi-Fi
access points first, then the cell database.

Wi-Fi: an access point registered on an attendance zone puts the phone at the zone's
centre, as far off as the zone's radius plus ``WIFI_REACH_M`` (the strongest one heard
decides when several are known).

Cells: each known cell weighs ``q / r``, its range ``r`` (at least ``MIN_RANGE_M``) against
the signal's quality ``q`` = dBm + 140 kept within 1..100 (``DEFAULT_QUALITY``, as for
-100 dBm, when the phone gave none): small, loud cells count most. The position is the
weighted mean of the cells' positions; its accuracy ``min(d_i + r_i)`` over the cells
(``d_i`` the distance to cell i) is the radius of a circle that holds the whole range of
at least one cell heard, so the phone is inside it. Cells the database does not know are
left out; with none known there is no position.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from geoalchemy2 import Geography
from sqlalchemy import cast, func, select, tuple_
from sqlalchemy.orm import Session

from fieldforce.attendance.models import ZoneWifi
from fieldforce.positioning.models import Cell, Radio
from fieldforce.zones.models import Zone
from geo.distance import distance_m

MIN_RANGE_M = 100.0
DEFAULT_QUALITY = 40.0
WIFI_REACH_M = 50.0
UNKNOWN_WIFI_DBM = -90.0
RADIO_NAMES = {
    "gsm": Radio.GSM,
    "umts": Radio.UMTS,
    "wcdma": Radio.UMTS,
    "cdma": Radio.CDMA,
    "lte": Radio.LTE,
    "nr": Radio.NR,
}


CellKey = tuple[str, int, int, int, int]


@dataclass(frozen=True)
class CellSeen:
    radio: str
    mcc: int
    mnc: int
    area: int
    cell: int
    signal_dbm: float | None = None

    @property
    def key(self) -> CellKey:
        return (RADIO_NAMES[self.radio.lower()].value, self.mcc, self.mnc, self.area, self.cell)


@dataclass(frozen=True)
class WifiSeen:
    bssid: str  # aa:bb:cc:dd:ee:ff
    signal_dbm: float | None = None


@dataclass(frozen=True)
class Heard:
    cells: tuple[CellSeen, ...] = ()
    wifi: tuple[WifiSeen, ...] = ()


@dataclass(frozen=True)
class Located:
    lon: float
    lat: float
    accuracy_m: float
    source: str  # cell or wifi
    used: int  # cells or access points it rests on


def _quality(signal_dbm: float | None) -> float:
    if signal_dbm is None:
        return DEFAULT_QUALITY
    return min(100.0, max(1.0, signal_dbm + 140.0))


def from_cells(
    seen: Sequence[CellSeen], known: dict[tuple[str, int, int, int, int], Cell]
) -> Located | None:
    found = [(s, known[s.key]) for s in seen if s.key in known]
    if not found:
        return None
    weights = [_quality(s.signal_dbm) / max(float(c.range_m), MIN_RANGE_M) for s, c in found]
    total = sum(weights)
    lon = sum(w * c.lon for w, (_, c) in zip(weights, found, strict=True)) / total
    lat = sum(w * c.lat for w, (_, c) in zip(weights, found, strict=True)) / total
    accuracy = min(
        distance_m(lon, lat, c.lon, c.lat) + max(float(c.range_m), MIN_RANGE_M) for _, c in found
    )
    return Located(lon, lat, round(accuracy, 1), "cell", len(found))


@dataclass(frozen=True)
class AccessPoint:
    lon: float
    lat: float
    radius_m: float


def from_wifi(seen: Sequence[WifiSeen], known: dict[str, AccessPoint]) -> Located | None:
    heard = [s for s in seen if s.bssid in known]
    if not heard:
        return None
    loudest = max(
        heard,
        key=lambda s: (
            UNKNOWN_WIFI_DBM if s.signal_dbm is None else s.signal_dbm,
            -known[s.bssid].radius_m,
        ),
    )
    ap = known[loudest.bssid]
    return Located(ap.lon, ap.lat, round(ap.radius_m + WIFI_REACH_M, 1), "wifi", len(heard))


def _known_cells(session: Session, asks: Sequence[Heard]) -> dict[CellKey, Cell]:
    keys = {s.key for a in asks for s in a.cells}
    if not keys:
        return {}
    rows = session.scalars(
        select(Cell).where(tuple_(Cell.radio, Cell.mcc, Cell.mnc, Cell.area, Cell.cell).in_(keys))
    )
    return {(c.radio, c.mcc, c.mnc, c.area, c.cell): c for c in rows}


def _known_access_points(
    session: Session, tenant_id: uuid.UUID, asks: Sequence[Heard]
) -> dict[str, AccessPoint]:
    bssids = {s.bssid for a in asks for s in a.wifi}
    if not bssids:
        return {}
    centre = func.coalesce(Zone.center, func.ST_Centroid(Zone.geom))
    radius = func.coalesce(
        Zone.radius_m,
        func.ST_Length(cast(func.ST_LongestLine(centre, Zone.geom), Geography)),
    )
    rows = session.execute(
        select(ZoneWifi.bssid, func.ST_X(centre), func.ST_Y(centre), radius)
        .join(Zone, (Zone.tenant_id == ZoneWifi.tenant_id) & (Zone.id == ZoneWifi.zone_id))
        .where(ZoneWifi.tenant_id == tenant_id, ZoneWifi.bssid.in_(bssids), Zone.active.is_(True))
    )
    out: dict[str, AccessPoint] = {}
    for bssid, lon, lat, r in rows:
        ap = AccessPoint(float(lon), float(lat), float(r))
        if bssid not in out or ap.radius_m < out[bssid].radius_m:  # on two zones: the smaller
            out[bssid] = ap
    return out


def locate_many(
    session: Session, tenant_id: uuid.UUID, asks: Sequence[Heard]
) -> list[Located | None]:
    """A position for each set of radio observations (or None), in two queries for all."""
    cells = _known_cells(session, asks)
    access_points = _known_access_points(session, tenant_id, asks)
    return [from_wifi(a.wifi, access_points) or from_cells(a.cells, cells) for a in asks]
