"""The monitoring sweep over 100,000 on-duty staff (1,000 teams of 100, a supervisor and a
circular work zone per team, the tenant's default week).

Two sweeps are timed, each with every person due at once (the worst minutes of a day):
- shift start: everyone enrolled, their duty plan, zones and rules looked up, their shift
  opened;
- silence: 21 minutes later with no fix from anyone: every person's no-signal timer fires,
  each an event and an alert to the team's supervisor (inbox and outbox rows);
and then an ordinary minute in which nobody is due (who is monitored is still checked).
Both are compared with the floor of touching the same rows: one UPDATE of all 100,000
state rows, measured in the same run.

    .venv/bin/python -m bench.sweep [people]
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from bench.common import bench_database
from fieldforce.db import make_engine, make_sessionmaker, owned_session
from fieldforce.flows import sweep_monitors
from fieldforce.org.models import OrgUnit, Staff, path_label
from fieldforce.tenancy.service import bootstrap
from fieldforce.tracking.models import LatestPosition
from fieldforce.zones.models import Zone, ZoneAssignment
from fieldforce.zones.service import circle_columns

TEAM = 100
START = datetime(2026, 11, 16, 8, 30, tzinfo=UTC)  # a Monday, 08:30 in the tenant's UTC


def build(session: Session, people: int) -> None:
    boot = bootstrap(
        session, tenant_name="Bench", admin_login="admin", admin_password="pass-word-1"
    )
    tenant = boot.tenant.id
    root = session.get(OrgUnit, (tenant, boot.admin.org_unit_id))
    assert root is not None
    units, staff, zones, assignments, positions = [], [], [], [], []
    for t in range(people // TEAM):
        unit_id, zone_id = uuid.uuid4(), uuid.uuid4()
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
        lon, lat = 100 + (t % 40) * 0.5, 20 + (t // 40) * 0.5
        zones.append(
            {
                "tenant_id": tenant,
                "id": zone_id,
                "org_unit_id": unit_id,
                "name": f"Area {t}",
                "kind": "work_area",
                **circle_columns(lon, lat, 2000),
            }
        )
        assignments.append({"tenant_id": tenant, "zone_id": zone_id, "org_unit_id": unit_id})
        staff.append(_person(tenant, unit_id, f"sup{t}", ["supervisor"]))
        for i in range(TEAM):
            person = _person(tenant, unit_id, f"rep{t}.{i}", ["rep"])
            staff.append(person)
            positions.append(
                {
                    "tenant_id": tenant,
                    "staff_id": person["id"],
                    "ping_id": uuid.uuid4(),
                    "fix_time": START - timedelta(hours=14),
                    "geom": f"SRID=4326;POINT({lon} {lat})",
                    "accuracy_m": 10.0,
                }
            )
    session.execute(text("UPDATE tenant SET timezone = 'UTC' WHERE id = :t"), {"t": tenant})
    for table, rows in (
        (OrgUnit, units),
        (Staff, staff),
        (Zone, zones),
        (ZoneAssignment, assignments),
        (LatestPosition, positions),
    ):
        for k in range(0, len(rows), 5000):
            session.execute(insert(table), rows[k : k + 5000])


def _person(tenant: uuid.UUID, unit: uuid.UUID, login: str, roles: list[str]) -> dict[str, object]:
    return {
        "tenant_id": tenant,
        "id": uuid.uuid4(),
        "login": login,
        "name": login,
        "password_hash": "x",
        "org_unit_id": unit,
        "roles": roles,
        "active": True,
    }


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with bench_database() as url:
        engine = make_engine(url, pool_size=2)
        factory = make_sessionmaker(engine)
        with owned_session(factory) as session:
            build(session, people)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))

        def sweep(at: datetime) -> tuple[float, int]:
            began = time.perf_counter()
            n = sweep_monitors(factory, at, push=False)
            return time.perf_counter() - began, n

        opened, n_open = sweep(START + timedelta(minutes=1))
        silent, n_silent = sweep(START + timedelta(minutes=21, seconds=30))
        idle, n_idle = sweep(START + timedelta(minutes=22, seconds=30))  # nobody due
        with engine.begin() as conn:
            began = time.perf_counter()
            touched = conn.execute(
                text("UPDATE monitor_state SET next_check_at = next_check_at")
            ).rowcount
            floor = time.perf_counter() - began
            events = conn.scalar(text("SELECT count(*) FROM zone_event"))
            alerts = conn.scalar(text("SELECT count(*) FROM inbox_item WHERE kind = 'alert'"))
        engine.dispose()
    print(f"sweep over {people:,} on-duty staff ({people // TEAM:,} teams and zones)")
    print(f"  shift start: {n_open:,} people in {opened:7.1f} s = {n_open / opened:8,.0f} /s")
    print(
        f"  silence:     {n_silent:,} people in {silent:7.1f} s = {n_silent / silent:8,.0f} /s"
        f"  ({events:,} events, {alerts:,} alerts)"
    )
    print(f"  a minute later, nobody due: {n_idle:,} people looked at in {idle:6.2f} s")
    print(f"  floor: one UPDATE of {touched:,} state rows {floor:6.2f} s")
    print(f"  ratio: shift start {opened / floor:6.1f}x the floor, silence {silent / floor:6.1f}x")


if __name__ == "__main__":
    main()
