"""A team's monthly visit report (visits per rep by kind, verified share, time on site)
among 100 teams of 50 reps with six visits a working day each, against the bare query of
the same rows (the team's visits of the month, fetched), in the same run.

    .venv/bin/python -m bench.visits_report [teams]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text

from bench.common import bench_database
from fieldforce.auth.service import actor_for
from fieldforce.customers.models import Customer
from fieldforce.db import make_engine, make_sessionmaker, owned_session
from fieldforce.org.models import OrgUnit, Staff, path_label
from fieldforce.reports import field
from fieldforce.tenancy.service import bootstrap
from fieldforce.visits.models import Visit

TEAM = 50
FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)
KINDS = ("routine", "routine", "routine", "routine", "cold", "follow_up")

BARE = text("""
    SELECT v.staff_id, v.type, v.in_verification, v.duration_s
      FROM visit v JOIN staff s ON s.tenant_id = v.tenant_id AND s.id = v.staff_id
     WHERE v.tenant_id = :tenant AND s.org_unit_id = :unit
       AND v.in_at >= :start AND v.in_at < :end
""")


def build(url: str, teams: int, rng: random.Random) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    engine = make_engine(url, pool_size=2)
    factory = make_sessionmaker(engine)
    with owned_session(factory) as session:
        boot = bootstrap(
            session, tenant_name="Bench", admin_login="admin", admin_password="pass-word-1"
        )
        tenant = boot.tenant.id
        session.execute(text("UPDATE tenant SET timezone = 'UTC' WHERE id = :t"), {"t": tenant})
        root = session.get(OrgUnit, (tenant, boot.admin.org_unit_id))
        assert root is not None
        first_unit = None
        for t in range(teams):
            unit_id = uuid.uuid4()
            first_unit = first_unit or unit_id
            session.execute(
                insert(OrgUnit),
                [
                    {
                        "tenant_id": tenant,
                        "id": unit_id,
                        "parent_id": root.id,
                        "name": f"Team {t}",
                        "kind": "team",
                        "path": f"{root.path}.{path_label(unit_id)}",
                    }
                ],
            )
            people = [
                {
                    "tenant_id": tenant,
                    "id": uuid.uuid4(),
                    "login": f"rep{t}.{i}",
                    "name": f"Rep {t}.{i}",
                    "password_hash": "x",
                    "org_unit_id": unit_id,
                    "roles": ["rep"],
                    "active": True,
                }
                for i in range(TEAM)
            ]
            session.execute(insert(Staff), people)
            outlets = [
                {
                    "tenant_id": tenant,
                    "id": uuid.uuid4(),
                    "name": f"Outlet {t}.{k}",
                    "name_key": f"o{t}.{k}",
                    "kind": "partner_outlet",
                    "stage": "partner",
                    "visit_radius_m": 100.0,
                    "org_unit_id": unit_id,
                    "geom": f"SRID=4326;POINT({120 + rng.random()} {30 + rng.random()})",
                    "contacts": [],
                    "tags": [],
                }
                for k in range(100)
            ]
            session.execute(insert(Customer), outlets)
            visits = []
            day = FIRST
            while day <= LAST:
                if day.weekday() < 6:
                    for person in people:
                        for n in range(6):
                            at = datetime(day.year, day.month, day.day, 9 + n, tzinfo=UTC)
                            visits.append(
                                {
                                    "tenant_id": tenant,
                                    "id": uuid.uuid4(),
                                    "staff_id": person["id"],
                                    "customer_id": rng.choice(outlets)["id"],
                                    "type": KINDS[n],
                                    "status": "closed",
                                    "in_at": at,
                                    "in_received_at": at,
                                    "in_geom": "SRID=4326;POINT(120 30)",
                                    "in_distance_m": 10.0,
                                    "in_verification": "verified"
                                    if rng.random() < 0.9
                                    else "unverified",
                                    "mock": False,
                                    "out_at": at + timedelta(minutes=30),
                                    "duration_s": 1800,
                                }
                            )
                day += timedelta(days=1)
            for k in range(0, len(visits), 10_000):
                session.execute(insert(Visit), visits[k : k + 10_000])
        admin = boot.admin.id
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    assert first_unit is not None
    return tenant, admin, first_unit


def main() -> None:
    teams = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with bench_database() as url:
        began = time.perf_counter()
        tenant, admin, unit = build(url, teams, random.Random(7))
        built = time.perf_counter() - began
        engine = make_engine(url, pool_size=2)
        factory = make_sessionmaker(engine)
        ours, bare = [], []
        with owned_session(factory) as session:
            actor = actor_for(session, tenant, admin)
            for _ in range(12):
                start = time.perf_counter()
                rows = field.visits_by_rep(session, actor, FIRST, LAST, unit_id=unit)
                ours.append(time.perf_counter() - start)
                start = time.perf_counter()
                raw = session.execute(
                    BARE,
                    {
                        "tenant": tenant,
                        "unit": unit,
                        "start": datetime(2026, 11, 1, tzinfo=UTC),
                        "end": datetime(2026, 12, 1, tzinfo=UTC),
                    },
                ).all()
                bare.append(time.perf_counter() - start)
        engine.dispose()
    mine, floor = statistics.median(ours[2:]) * 1000, statistics.median(bare[2:]) * 1000
    total = sum(r.total for r in rows)
    everyone = teams * TEAM * 156
    print(f"a team's monthly visit report: {len(rows)} reps, {total:,} of {everyone:,} visits")
    print(f"  (built in {built:.0f} s)")
    print(f"  report: median {mine:7.1f} ms")
    print(f"  bare query of the same {len(raw):,} rows: median {floor:7.1f} ms")
    print(f"  ratio {mine / floor:5.2f}x")


if __name__ == "__main__":
    main()
