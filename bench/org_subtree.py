"""Scope filter over a large org tree: ltree path (ours) vs recursive CTE (baseline).

5,000 units in a tree six levels deep and 20,000 staff; the query is a branch manager's
staff list (one of the top branches, about a sixth of everyone), first page of 50 and the
full count.
"""

from __future__ import annotations

import random
import uuid

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from bench.common import bench_database, timed
from fieldforce.db import make_engine
from fieldforce.org.models import OrgUnit, Staff, path_label
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import ALL_MODULES, Tenant

UNITS = 5_000
STAFF = 20_000

CTE_PAGE = text("""
    WITH RECURSIVE sub AS (
        SELECT id FROM org_unit WHERE tenant_id = :t AND id = :u
        UNION ALL
        SELECT o.id FROM org_unit o JOIN sub ON o.tenant_id = :t AND o.parent_id = sub.id
    )
    SELECT s.* FROM staff s WHERE s.tenant_id = :t AND s.org_unit_id IN (SELECT id FROM sub)
    ORDER BY s.name, s.id LIMIT 50
""")
CTE_COUNT = text("""
    WITH RECURSIVE sub AS (
        SELECT id FROM org_unit WHERE tenant_id = :t AND id = :u
        UNION ALL
        SELECT o.id FROM org_unit o JOIN sub ON o.tenant_id = :t AND o.parent_id = sub.id
    )
    SELECT count(*) FROM staff s WHERE s.tenant_id = :t AND s.org_unit_id IN (SELECT id FROM sub)
""")


def build(session: Session, rng: random.Random) -> tuple[Tenant, OrgUnit]:
    tenant = Tenant(
        name="Bench", slug="bench", timezone="UTC", settings={}, modules=ALL_MODULES, active=True
    )
    session.add(tenant)
    session.flush()
    root_id = uuid.uuid4()
    units = [
        {
            "tenant_id": tenant.id,
            "id": root_id,
            "parent_id": None,
            "name": "root",
            "kind": "group",
            "path": path_label(root_id),
        }
    ]
    levels = [[units[0]]]
    while len(units) < UNITS:
        level = []
        fan = 6 if len(levels) == 1 else 4
        for parent in levels[-1]:
            for _ in range(fan):
                uid = uuid.uuid4()
                row = {
                    "tenant_id": tenant.id,
                    "id": uid,
                    "parent_id": parent["id"],
                    "name": f"u{len(units)}",
                    "kind": "team",
                    "path": f"{parent['path']}.{path_label(uid)}",
                }
                units.append(row)
                level.append(row)
                if len(units) >= UNITS:
                    break
            if len(units) >= UNITS:
                break
        levels.append(level)
    session.execute(insert(OrgUnit), units)
    staff = [
        {
            "tenant_id": tenant.id,
            "login": f"s{i}",
            "name": f"Staff {i:05d}",
            "password_hash": "x",
            "org_unit_id": rng.choice(units)["id"],
            "roles": ["rep"],
            "active": True,
        }
        for i in range(STAFF)
    ]
    session.execute(insert(Staff), staff)
    session.execute(text("ANALYZE org_unit; ANALYZE staff"))
    branch = session.get(OrgUnit, (tenant.id, levels[1][0]["id"]))
    assert branch is not None
    return tenant, branch


def main() -> None:
    with bench_database() as url:
        engine = make_engine(url, pool_size=2)
        with Session(engine) as session:
            tenant, branch = build(session, random.Random(1))
            session.commit()
            actor = Actor(
                tenant_id=tenant.id,
                staff_id=uuid.uuid4(),
                roles=frozenset({"manager"}),
                org_unit_id=branch.id,
                unit_path=branch.path,
                modules=frozenset(ALL_MODULES),
            )
            ours_page = (
                select(Staff).where(actor.staff_clause()).order_by(Staff.name, Staff.id).limit(50)
            )
            ours_count = select(func.count()).select_from(Staff).where(actor.staff_clause())
            params = {"t": tenant.id, "u": branch.id}
            n_ours = session.scalar(ours_count)
            n_cte = session.scalar(CTE_COUNT, params)
            assert n_ours == n_cte, (n_ours, n_cte)
            results = {
                "ltree page": timed(lambda: session.scalars(ours_page).all()),
                "cte page": timed(lambda: session.execute(CTE_PAGE, params).all()),
                "ltree count": timed(lambda: session.scalar(ours_count)),
                "cte count": timed(lambda: session.scalar(CTE_COUNT, params)),
            }
        engine.dispose()
    print(f"{UNITS} units, {STAFF} staff; branch subtree holds {n_ours} staff")
    for name, (median, worst) in results.items():
        print(f"  {name:12s} median {median:7.2f} ms   max {worst:7.2f} ms")
    for what in ("page", "count"):
        ratio = results[f"cte {what}"][0] / results[f"ltree {what}"][0]
        print(f"  {what}: ltree is {ratio:.2f}x the speed of the recursive CTE")


if __name__ == "__main__":
    main()
