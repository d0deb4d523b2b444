"""Nearest customers among 1,000,000 outlets: `customers.nearest` (scope, filters, the
index's planar candidates re-ordered by geodesic distance, the rows loaded) for an
administrator, against the bare PostGIS query of the same rows (the same KNN over the
GIST index with the geodesic distance of the 20 found), in the same run.

Outlets are spread over a 4° × 4° square round Hangzhou in 100 teams; 200 query points
are drawn in the same square.

    .venv/bin/python -m bench.customers [outlets]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import uuid

from sqlalchemy import insert, text

from bench.common import bench_database
from fieldforce.auth.service import actor_for
from fieldforce.customers import service
from fieldforce.customers.models import Customer
from fieldforce.db import make_engine, make_sessionmaker, owned_session
from fieldforce.org.models import OrgUnit, path_label
from fieldforce.tenancy.service import bootstrap

CENTRE = (120.1551, 30.2741)
TEAMS = 100
QUERIES = 200
LIMIT = 20

BARE = text("""
    SELECT id, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)
      FROM customer
     WHERE tenant_id = :tenant
     ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
     LIMIT :limit
""")


def build(url: str, outlets: int, rng: random.Random) -> tuple[uuid.UUID, uuid.UUID]:
    engine = make_engine(url, pool_size=2)
    factory = make_sessionmaker(engine)
    with owned_session(factory) as session:
        boot = bootstrap(
            session, tenant_name="Bench", admin_login="admin", admin_password="pass-word-1"
        )
        tenant, root = (
            boot.tenant.id,
            session.get(OrgUnit, (boot.tenant.id, boot.admin.org_unit_id)),
        )
        assert root is not None
        units = []
        for t in range(TEAMS):
            unit_id = uuid.uuid4()
            units.append(
                {
                    "tenant_id": tenant,
                    "id": unit_id,
                    "parent_id": root.id,
                    "name": f"Team {t}",
                    "kind": "team",
                    "path": f"{root.path}.{path_label(unit_id)}",
                }
            )
        session.execute(insert(OrgUnit), units)
        rows = []
        for n in range(outlets):
            lon = CENTRE[0] + rng.uniform(-2, 2)
            lat = CENTRE[1] + rng.uniform(-2, 2)
            rows.append(
                {
                    "tenant_id": tenant,
                    "id": uuid.uuid4(),
                    "name": f"Outlet {n}",
                    "name_key": f"outlet{n}",
                    "kind": "partner_outlet",
                    "stage": "partner",
                    "geom": f"SRID=4326;POINT({lon} {lat})",
                    "visit_radius_m": 100.0,
                    "org_unit_id": units[n % TEAMS]["id"],
                    "contacts": [],
                    "tags": [],
                }
            )
            if len(rows) == 10_000:
                session.execute(insert(Customer), rows)
                rows = []
        if rows:
            session.execute(insert(Customer), rows)
        admin = boot.admin.id
    with engine.begin() as conn:
        conn.execute(text("ANALYZE customer"))
    engine.dispose()
    return tenant, admin


def main() -> None:
    outlets = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(7)
    with bench_database() as url:
        began = time.perf_counter()
        tenant, admin = build(url, outlets, rng)
        built = time.perf_counter() - began
        points = [
            (CENTRE[0] + rng.uniform(-2, 2), CENTRE[1] + rng.uniform(-2, 2)) for _ in range(QUERIES)
        ]
        engine = make_engine(url, pool_size=2)
        factory = make_sessionmaker(engine)
        ours, bare = [], []
        agree = 0
        with owned_session(factory) as session:
            actor = actor_for(session, tenant, admin)
            for k, (lon, lat) in enumerate(points * 2):  # the first round warms the caches
                start = time.perf_counter()
                found = service.nearest(session, actor, lon, lat, service.Filters(), limit=LIMIT)
                ours.append(time.perf_counter() - start)
                start = time.perf_counter()
                rows = session.execute(
                    BARE, {"tenant": tenant, "lon": lon, "lat": lat, "limit": LIMIT}
                ).all()
                bare.append(time.perf_counter() - start)
                if k >= QUERIES:
                    agree += {n.customer.id for n in found} == {r[0] for r in rows}
        engine.dispose()
    ours, bare = ours[QUERIES:], bare[QUERIES:]
    mine, floor = statistics.median(ours) * 1000, statistics.median(bare) * 1000
    print(f"nearest {LIMIT} of {outlets:,} outlets ({QUERIES} points; built in {built:.0f} s)")
    p95 = int(QUERIES * 0.95)
    print(f"  customers.nearest: median {mine:6.2f} ms, p95 {sorted(ours)[p95] * 1000:6.2f} ms")
    print(f"  bare KNN query:    median {floor:6.2f} ms, p95 {sorted(bare)[p95] * 1000:6.2f} ms")
    print(f"  ratio {mine / floor:5.2f}x; the same {LIMIT} found for {agree}/{QUERIES} points")


if __name__ == "__main__":
    main()
