"""Map and track queries: positions of 10,000 staff, a one-day track of 2,880 fixes.

Each is compared with the bare SELECT of the same rows (no scope filter, no GeoJSON, no
track maths), measured in the same run. Ours include rendering the answer as the API does.

    .venv/bin/python -m bench.queries
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from api.formats.geojson import GeoJSONResponse, positions_collection, track_collection
from bench.common import bench_database, timed
from fieldforce.auth.service import actor_for
from fieldforce.db import make_engine, make_sessionmaker, owned_session
from fieldforce.monitoring import positions
from fieldforce.org.models import Staff
from fieldforce.tenancy.models import TenantSettings
from fieldforce.tenancy.service import bootstrap
from fieldforce.tracking import queries
from fieldforce.tracking.ingest import PingIn, Uploader, ingest_pings
from fieldforce.tracking.jobs import maintain_ping_partitions
from fieldforce.tracking.models import LatestPosition

STAFF = 10_000
DAY_FIXES = 2_880  # one fix every 30 s for 24 h
LON, LAT = 121.4737, 31.2304


def build(session: Session, rng: random.Random) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    maintain_ping_partitions(session, datetime.now(UTC))
    boot = bootstrap(
        session, tenant_name="Bench", admin_login="admin", admin_password="pass-word-1"
    )
    tenant, unit = boot.tenant.id, boot.admin.org_unit_id
    staff = [
        {
            "tenant_id": tenant,
            "id": uuid.uuid4(),
            "login": f"s{i}",
            "name": f"Staff {i:05d}",
            "password_hash": "x",
            "org_unit_id": unit,
            "roles": ["rep"],
            "active": True,
        }
        for i in range(STAFF)
    ]
    session.execute(insert(Staff), staff)
    now = datetime.now(UTC)
    session.execute(
        insert(LatestPosition),
        [
            {
                "tenant_id": tenant,
                "staff_id": s["id"],
                "ping_id": uuid.uuid4(),
                "fix_time": now - timedelta(seconds=rng.randint(0, 3600)),
                "geom": f"SRID=4326;POINT({LON + rng.uniform(-1, 1)} {LAT + rng.uniform(-1, 1)})",
                "accuracy_m": 10.0,
                "speed_mps": 1.0,
                "bearing_deg": 90.0,
                "battery_pct": 80.0,
            }
            for s in staff
        ],
    )
    walker = staff[0]["id"]
    start = now - timedelta(days=1, minutes=5)
    fixes, lon, lat = [], LON, LAT
    for i in range(DAY_FIXES):
        if (i // 40) % 2:  # 20 minutes moving, 20 minutes at a customer
            lon += rng.uniform(0.0002, 0.0008)
            lat += rng.uniform(-0.0004, 0.0004)
        fixes.append(
            PingIn(
                uuid.uuid4(),
                start + timedelta(seconds=30 * i),
                lon + rng.gauss(0, 0.00003),
                lat + rng.gauss(0, 0.00003),
                accuracy_m=8,
            )
        )
    who = Uploader(tenant, walker, None, TenantSettings())
    for k in range(0, DAY_FIXES, 1000):
        ingest_pings(session, who, fixes[k : k + 1000])
    session.execute(text("ANALYZE"))
    return tenant, boot.admin.id, walker


def main() -> None:
    with bench_database() as url:
        engine = make_engine(url, pool_size=2)
        factory = make_sessionmaker(engine)
        with owned_session(factory) as session:
            tenant, admin_id, walker = build(session, random.Random(3))
        with Session(engine) as session:
            admin = actor_for(session, tenant, admin_id)
            now = datetime.now(UTC)
            start, end = now - timedelta(days=1, minutes=10), now

            def ours_positions() -> str:
                answer = GeoJSONResponse(
                    positions_collection(positions.latest_positions(session, admin))
                )
                return answer.body.decode()

            def bare_positions() -> list[object]:
                return list(
                    session.execute(
                        text(
                            "SELECT staff_id, ST_X(geom), ST_Y(geom), fix_time, accuracy_m "
                            "FROM latest_position WHERE tenant_id = :t"
                        ),
                        {"t": tenant},
                    )
                )

            def ours_track() -> dict[str, object]:
                track = queries.load_track(session, admin, walker, start, end, zoom=14)
                return track_collection(track).model_dump(mode="json", by_alias=True)

            def bare_track() -> list[object]:
                return list(
                    session.execute(
                        text(
                            "SELECT fix_time, ST_X(geom), ST_Y(geom) FROM ping "
                            "WHERE tenant_id = :t AND staff_id = :s "
                            "AND fix_time >= :a AND fix_time < :b ORDER BY fix_time"
                        ),
                        {"t": tenant, "s": walker, "a": start, "b": end},
                    )
                )

            features = ours_positions().count('"Feature"')
            track = ours_track()
            results = {
                "positions": (timed(ours_positions, 20), timed(bare_positions, 20)),
                "track": (timed(ours_track, 20), timed(bare_track, 20)),
            }
        engine.dispose()
    print(f"positions: {features:,} staff in one FeatureCollection (GeoJSON by PostGIS)")
    (o, _), (b, _) = results["positions"]
    print(f"  GET /positions query   median {o:7.1f} ms   (target < 100 ms)")
    print(f"  bare SELECT same rows  median {b:7.1f} ms   ratio {o / b:5.2f}x the bare read")
    kinds = [f["properties"]["kind"] for f in track["features"]]  # type: ignore[attr-defined]
    line = track["features"][0]["properties"]  # type: ignore[index]
    print(
        f"track: {DAY_FIXES:,} fixes in one day -> {line['points']} points at zoom 14, "
        f"{kinds.count('stop')} stops, {kinds.count('trip')} trips, "
        f"{track['distance_m']:,.0f} m"
    )
    (o, _), (b, _) = results["track"]
    print(f"  track with stops/trips median {o:7.1f} ms   (target < 50 ms)")
    print(f"  bare SELECT same rows     median {b:7.1f} ms   ratio {o / b:5.2f}x the bare read")


if __name__ == "__main__":
    main()
