"""The cell database: an OpenCelliD file imported (bad rows skipped and counted, the
newest copy of a cell kept, a region replaced by its re-import and the others left), and
positions from what a phone heard checked against hand-computed ones: one cell, several
weighted by range and signal, unknown cells, Wi-Fi before cells."""

from __future__ import annotations

import io
import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.errors import Invalid
from fieldforce.positioning.cells import HEADER, import_cells
from fieldforce.positioning.models import Cell
from fieldforce.positioning.resolve import CellSeen, Heard, WifiSeen, locate_many
from fieldforce.tracking.models import Ping
from tests.attendance.scene import AP, OFFICE, OFFICE_RADIUS, Office
from tests.world import World

# a degree of longitude at 30° N on the WGS-84 ellipsoid (geo.distance is geodesic)
A, E2 = 6_378_137.0, 0.006_694_379_990_14
LON_DEG_30N_M = math.pi * A * math.cos(math.radians(30)) / (180 * math.sqrt(1 - E2 / 4))


def row(
    radio: str,
    mcc: int,
    net: int,
    area: int,
    cell: int,
    lon: object,
    lat: object,
    rng: int = 1000,
    updated: int = 1_700_000_000,
) -> str:
    return f"{radio},{mcc},{net},{area},{cell},,{lon},{lat},{rng},12,1,1600000000,{updated},-85"


def csv(*rows: str) -> io.BytesIO:
    return io.BytesIO(("\n".join([HEADER, *rows]) + "\n").encode())


def cell_file() -> io.BytesIO:
    return csv(
        row("LTE", 460, 0, 22801, 1001, 120.00, 30.00, 1000),
        row("LTE", 460, 0, 22801, 1002, 120.01, 30.00, 500),
        row("GSM", 460, 0, 4101, 7, 120.20, 30.20, 3000),
        row("LTE", 460, 1, 9001, 55, 121.47, 31.23, 800),
        row("LTE", 460, 1, 9001, 55, 121.48, 31.24, 800, updated=1_600_000_000),  # an older copy
        row("XYZ", 460, 0, 1, 1, 120.0, 30.0),  # unknown radio
        row("LTE", 460, 0, 1, 2, "abc", 30.0),  # not a number
        row("LTE", 460, 0, 1, 3, 120.0, 95.0),  # off the globe
        row("LTE", 460, 0, 1, 4, 0, 0),  # null island
    )


def count(db: Session, **where: int) -> int:
    stmt = select(func.count()).select_from(Cell)
    for name, value in where.items():
        stmt = stmt.where(getattr(Cell, name) == value)
    return db.scalar(stmt) or 0


def test_an_import_keeps_the_cells_and_a_reimport_replaces_its_regions(db: Session) -> None:
    done = import_cells(db, cell_file())
    assert (done.rows, done.stored, done.skipped) == (9, 4, 5)
    assert done.regions == [(460, 0), (460, 1)]
    assert count(db) == 4
    newest = db.get(Cell, ("LTE", 460, 1, 9001, 55))
    assert newest is not None
    assert (newest.lon, newest.lat, newest.range_m) == (121.47, 31.23, 800)
    again = import_cells(db, csv(row("NR", 460, 0, 5, 9, 120.05, 30.05, 300)))
    assert (again.stored, again.replaced, again.regions) == (1, 3, [(460, 0)])
    assert (count(db, mnc=0), count(db, mnc=1)) == (1, 1)


def test_a_file_that_is_not_a_cell_file_writes_nothing(db: Session) -> None:
    with pytest.raises(Invalid) as refused:
        import_cells(db, io.BytesIO(b"name,lon,lat\nA,1,2\n"))
    assert refused.value.code == "invalid_cell_file"
    with pytest.raises(Invalid) as broken:
        import_cells(db, csv(row("LTE", 460, 0, 1, 1, 120, 30), "LTE,460,0"))
    assert broken.value.code == "invalid_cell_file"
    assert count(db) == 0


def lte(cell: int, signal: float | None = None, area: int = 22801) -> CellSeen:
    return CellSeen("lte", 460, 0, area, cell, signal)


def test_positions_from_cells_against_hand_computed_ones(db: Session, world: World) -> None:
    import_cells(
        db,
        csv(
            row("LTE", 460, 0, 22801, 1001, 120.00, 30.00, 1000),
            row("LTE", 460, 0, 22801, 1002, 120.01, 30.00, 500),
            row("LTE", 460, 0, 22801, 1003, 120.00, 30.01, 40),
        ),
    )
    one, two, small, unknown, none = locate_many(
        db,
        world.tenant.id,
        [
            Heard(cells=(lte(1001),)),
            # weights: 1001 (-80 dBm: 60) / 1000 m = 0.06; 1002 (-100 dBm: 40) / 500 m = 0.08
            Heard(cells=(lte(1001, -80), lte(1002, -100), lte(999_999, -50))),
            Heard(cells=(lte(1003, -200),)),  # a 40 m cell counts as 100 m; quality at least 1
            Heard(cells=(lte(999_999),)),
            Heard(wifi=(WifiSeen("aa:bb:cc:dd:ee:ff"),)),
        ],
    )
    assert one is not None
    assert (one.lon, one.lat, one.accuracy_m, one.source, one.used) == (
        120.0,
        30.0,
        1000.0,
        "cell",
        1,
    )
    assert two is not None
    assert two.used == 2  # the unknown cell is left out
    assert two.lon == pytest.approx((0.06 * 120.00 + 0.08 * 120.01) / 0.14, abs=1e-9)
    assert two.lat == pytest.approx(30.0)
    # to 1001: 0.0057143° of longitude at 30° N (551.3 m) + 1000; to 1002: 413.5 m + 500
    to_1002 = (120.01 - two.lon) * LON_DEG_30N_M
    assert to_1002 == pytest.approx(413.5, abs=0.1)
    assert two.accuracy_m == pytest.approx(to_1002 + 500, abs=0.2)
    assert small is not None
    assert small.accuracy_m == 100.0
    assert unknown is None
    assert none is None


def test_a_registered_access_point_comes_before_the_cells(
    client: TestClient, world: World, db: Session
) -> None:
    import_cells(db, cell_file())
    Office(client, world, db)  # its access point AP on a 300 m office zone
    heard = Heard(
        cells=(lte(1001, -60),),
        wifi=(WifiSeen("00:00:00:00:00:01"), WifiSeen(AP.lower().replace("-", ":"))),
    )
    (mine,) = locate_many(db, world.tenant.id, [heard])
    assert mine is not None
    assert (mine.source, mine.used) == ("wifi", 1)
    assert (mine.lon, mine.lat) == pytest.approx(OFFICE)
    assert mine.accuracy_m == OFFICE_RADIUS + 50
    (theirs,) = locate_many(db, world.other_tenant.id, [heard])  # another tenant's access point
    assert theirs is not None
    assert theirs.source == "cell"


def test_fixes_without_gps_are_placed_or_rejected_as_unresolved(
    client: TestClient, world: World, db: Session
) -> None:
    import_cells(db, cell_file())
    now = datetime.now(UTC)
    items = [
        {
            "id": str(uuid.uuid4()),
            "fix_time": (now - timedelta(minutes=2)).isoformat(),
            "cells": [
                {
                    "radio": "LTE",
                    "mcc": 460,
                    "mnc": 0,
                    "area": 22801,
                    "cell": 1002,
                    "signal_dbm": -95,
                }
            ],
        },
        {
            "id": str(uuid.uuid4()),
            "fix_time": (now - timedelta(minutes=1)).isoformat(),
            "cells": [{"radio": "lte", "mcc": 460, "mnc": 0, "area": 1, "cell": 1}],
        },
    ]
    r = client.post("/api/v1/pings", headers=world.headers("north.rep"), json={"pings": items})
    assert r.status_code == 200, r.text
    placed, lost = r.json()["results"]
    assert placed["status"] == "accepted"
    assert placed["flags"] == ["inaccurate"]  # 500 m: over the tenant's 150 m limit
    assert (lost["status"], lost["reason"]) == ("rejected", "unresolved")
    ping = db.scalar(select(Ping).where(Ping.id == uuid.UUID(items[0]["id"])))
    assert ping is not None
    assert (ping.source, ping.accuracy_m) == ("cell", 500.0)
    assert (
        db.scalar(
            select(func.count()).select_from(Ping).where(Ping.id == uuid.UUID(items[1]["id"]))
        )
        == 0
    )
    for bad in (
        {"lon": 120.0},  # lon without lat
        {},  # no position and nothing heard
        {"cells": [{"radio": "5g", "mcc": 460, "mnc": 0, "area": 1, "cell": 1}]},
        {"wifi": [{"bssid": "not-a-bssid"}]},
    ):
        item = {"id": str(uuid.uuid4()), "fix_time": now.isoformat()} | bad
        r = client.post("/api/v1/pings", headers=world.headers("north.rep"), json={"pings": [item]})
        assert r.status_code == 422, (bad, r.text)


def test_a_coarse_placed_fix_is_shown_but_never_taken_for_a_good_one(
    client: TestClient, world: World, db: Session
) -> None:
    import_cells(db, cell_file())
    now = datetime.now(UTC)
    coarse = {
        "id": str(uuid.uuid4()),
        "fix_time": (now - timedelta(seconds=10)).isoformat(),
        "cells": [{"radio": "gsm", "mcc": 460, "mnc": 0, "area": 4101, "cell": 7}],  # 3 km
    }
    # 5 s later and 26 km away: a jump from the coarse fix, but that is not a good fix
    gps = {"id": str(uuid.uuid4()), "fix_time": (now - timedelta(seconds=5)).isoformat()}
    gps |= {"lon": 120.0, "lat": 30.0, "accuracy_m": 8}
    headers = world.headers("north.rep")

    def shown() -> dict[str, Any]:
        features = client.get("/api/v1/positions", headers=headers).json()["features"]
        return dict(features[0]["properties"])

    first = client.post("/api/v1/pings", headers=headers, json={"pings": [coarse]}).json()
    assert first["results"][0]["flags"] == ["inaccurate"]
    assert (shown()["source"], shown()["good"], shown()["accuracy_m"]) == ("cell", False, 3000)
    second = client.post("/api/v1/pings", headers=headers, json={"pings": [gps]}).json()
    assert second["results"][0] == {"id": gps["id"], "status": "accepted"}
    assert (shown()["good"], shown()["accuracy_m"]) == (True, 8)
