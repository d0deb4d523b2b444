"""Zone evaluation: where fixes stand against 10,000 zones, geo/zones.py against a per-fix
PostGIS query doing the same work (index lookup, ST_Covers and ST_Distance on geography),
measured in the same run.

    .venv/bin/python -m bench.zones
"""

from __future__ import annotations

import random
import time
import uuid

import numpy as np
from geoalchemy2.shape import from_shape
from shapely.geometry import Point, box
from sqlalchemy import insert, select, text

from bench.common import bench_database
from fieldforce.db import make_engine, make_sessionmaker, owned_session
from fieldforce.tenancy.service import bootstrap
from fieldforce.zones.models import Zone
from fieldforce.zones.service import shapes
from geo.zones import ZoneIndex, circle_polygon

ZONES = 10_000
FIXES = 20_000
POSTGIS_FIXES = 2_000
LON, LAT = 121.4737, 31.2304
MARGIN = 20.0

_PER_FIX = text("""
    SELECT z.id,
           ST_Covers(z.geom::geography, p.g::geography) AS inside,
           ST_Distance(ST_Boundary(z.geom)::geography, p.g::geography) AS boundary_m
      FROM (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g) AS p
      JOIN zone z ON z.tenant_id = :tenant AND ST_DWithin(z.geom, p.g, :deg)
""")


def build_zones(rng: random.Random, tenant: uuid.UUID, unit: uuid.UUID) -> list[dict]:
    rows = []
    for i in range(ZONES):
        lon, lat = LON + rng.uniform(-1, 1), LAT + rng.uniform(-1, 1)
        if i % 3 == 0:
            r = rng.uniform(100, 1500)
            geom, center, radius, shape = circle_polygon(lon, lat, r), Point(lon, lat), r, "circle"
        else:
            d = rng.uniform(0.003, 0.03)
            geom, center, radius, shape = (
                box(lon - d, lat - d, lon + d, lat + d),
                None,
                None,
                "polygon",
            )
        rows.append(
            {
                "tenant_id": tenant,
                "id": uuid.uuid4(),
                "org_unit_id": unit,
                "name": f"zone {i}",
                "kind": "work_area",
                "shape": shape,
                "geom": from_shape(geom, srid=4326),
                "center": from_shape(center, srid=4326) if center else None,
                "radius_m": radius,
                "area_m2": 1.0,
                "settings": {},
                "properties": {},
                "active": True,
            }
        )
    return rows


def main() -> None:
    rng = random.Random(42)
    with bench_database() as url:
        engine = make_engine(url, pool_size=2)
        factory = make_sessionmaker(engine)
        with owned_session(factory) as session:
            boot = bootstrap(
                session,
                tenant_name="Zones bench",
                admin_login="admin",
                admin_password="pass-word-1",
            )
            tenant, unit = boot.tenant.id, boot.admin.org_unit_id
            session.execute(insert(Zone), build_zones(rng, tenant, unit))
        with owned_session(factory) as session:
            session.execute(text("ANALYZE zone"))
            zones = list(session.scalars(select(Zone).where(Zone.tenant_id == tenant)))
            start = time.perf_counter()
            index = ZoneIndex(shapes(session, zones))
            build_s = time.perf_counter() - start

        lons = np.array([LON + rng.uniform(-1, 1) for _ in range(FIXES)])
        lats = np.array([LAT + rng.uniform(-1, 1) for _ in range(FIXES)])
        accs = np.array([rng.uniform(5, 150) for _ in range(FIXES)])
        margins = np.full(FIXES, MARGIN)

        start = time.perf_counter()
        standings = index.stand_many(lons, lats, accs, margins, [None] * FIXES)
        ours = FIXES / (time.perf_counter() - start)

        with engine.connect() as conn:
            start = time.perf_counter()
            for k in range(POSTGIS_FIXES):
                reach_deg = (accs[k] + MARGIN) / 110_574 / np.cos(np.radians(LAT + 1))
                conn.execute(
                    _PER_FIX,
                    {
                        "lon": float(lons[k]),
                        "lat": float(lats[k]),
                        "tenant": tenant,
                        "deg": float(reach_deg),
                    },
                ).all()
            theirs = POSTGIS_FIXES / (time.perf_counter() - start)
        engine.dispose()

    verdicts = {
        v: sum(1 for s in standings if s.verdict == v) for v in {s.verdict for s in standings}
    }
    print(f"{ZONES} zones; index built in {build_s * 1000:.0f} ms")
    print(f"geo/zones.py:            {ours:10,.0f} fixes/s  ({verdicts})")
    print(f"per-fix PostGIS query:   {theirs:10,.0f} fixes/s")
    print(f"ratio: {ours / theirs:.1f}x")


if __name__ == "__main__":
    main()
