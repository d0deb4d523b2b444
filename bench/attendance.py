"""The monthly attendance grid (月度考勤表) of 10,000 people: computed and exported as
XLSX, against a bare SELECT of the same month's punches, in the same run.

100 teams of 100 reps, the tenant's default week (Monday to Saturday, 08:30–18:00), a
month (November 2026) in which everyone clocks in and out each working day (a few late,
a few absent): 500,000 punches and their attendances, inserted directly. Timed:
- the grid computed: every person-day judged and written to the sheet, then the grid read;
- the grid again: the sheet is already there, only read and summed;
- the XLSX export of the grid (the API's table and workbook code);
- the floor: one SELECT of the month's punches (staff, kind, time), fetched.

    .venv/bin/python -m bench.attendance [people]
"""

from __future__ import annotations

import io
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from api.formats.tables import to_xlsx
from api.routers.attendance_reports import LEGEND, grid_out, grid_table
from bench.common import bench_database
from fieldforce.attendance import monthly
from fieldforce.attendance.models import Attendance, Punch
from fieldforce.auth.service import actor_for
from fieldforce.db import make_engine, make_sessionmaker, owned_session
from fieldforce.org.models import OrgUnit, Staff, path_label
from fieldforce.tenancy.models import Tenant
from fieldforce.tenancy.service import bootstrap

TEAM = 100
MONTH = "2026-11"
FIRST = date(2026, 11, 1)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")


def _at(day: date, minutes: int) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TZ).astimezone(UTC) + timedelta(
        minutes=minutes
    )


def build(session: Session, people: int, rng: random.Random) -> tuple[uuid.UUID, uuid.UUID]:
    boot = bootstrap(
        session, tenant_name="Bench", admin_login="admin", admin_password="pass-word-1"
    )
    tenant = boot.tenant.id
    root = session.get(OrgUnit, (tenant, boot.admin.org_unit_id))
    assert root is not None
    units, staff = [], []
    for t in range(people // TEAM):
        unit_id = uuid.uuid4()
        units.append(
            {
                "tenant_id": tenant,
                "id": unit_id,
                "parent_id": root.id,
                "name": f"Team {t:03d}",
                "kind": "team",
                "path": f"{root.path}.{path_label(unit_id)}",
            }
        )
        for i in range(TEAM):
            staff.append(
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
            )
    _insert(session, OrgUnit, units)
    _insert(session, Staff, staff)
    days = [
        FIRST + timedelta(days=k) for k in range(30) if (FIRST + timedelta(days=k)).weekday() < 6
    ]
    punches, attendances = [], []
    for person in staff:
        for day in days:
            if rng.random() < 0.01:
                continue  # absent
            late = rng.random() < 0.05
            in_at = _at(day, 8 * 60 + (rng.randint(35, 90) if late else rng.randint(0, 29)))
            out_at = _at(day, 18 * 60 + rng.randint(0, 40))
            in_id, out_id, stay = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            for pid, kind, when in ((in_id, "in", in_at), (out_id, "out", out_at)):
                punches.append(
                    {
                        "tenant_id": tenant,
                        "id": pid,
                        "staff_id": person["id"],
                        "kind": kind,
                        "status": "accepted",
                        "punched_at": when,
                        "received_at": when,
                        "verdict": "inside",
                        "basis": "gps",
                        "flags": [],
                        "source": "app",
                        "attendance_id": stay,
                    }
                )
            attendances.append(
                {
                    "tenant_id": tenant,
                    "id": stay,
                    "staff_id": person["id"],
                    "day": day,
                    "in_punch_id": in_id,
                    "in_at": in_at,
                    "out_punch_id": out_id,
                    "out_at": out_at,
                }
            )
    _insert(session, Punch, punches)
    _insert(session, Attendance, attendances)
    return tenant, boot.admin.id


def _insert(session: Session, table: type, rows: list[dict[str, object]]) -> None:
    for k in range(0, len(rows), 5000):
        session.execute(insert(table), rows[k : k + 5000])


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with bench_database() as url:
        engine = make_engine(url, pool_size=2)
        factory = make_sessionmaker(engine)
        with owned_session(factory) as session:
            tenant_id, admin_id = build(session, people, random.Random(7))
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))

        def grid() -> tuple[float, monthly.Grid]:
            with owned_session(factory) as session:
                actor = actor_for(session, tenant_id, admin_id)
                began = time.perf_counter()
                made = monthly.monthly_grid(session, actor, MONTH, now=NOW)
                return time.perf_counter() - began, made

        computed, made = grid()
        again, made = grid()
        began = time.perf_counter()
        out = grid_out(made)
        workbook = to_xlsx(grid_table(out), more=[LEGEND], freeze="E2")
        exported = time.perf_counter() - began
        with owned_session(factory) as session:
            tenant = session.get(Tenant, tenant_id)
            assert tenant is not None
            began = time.perf_counter()
            rows = session.execute(
                select(Punch.staff_id, Punch.kind, Punch.punched_at).where(
                    Punch.tenant_id == tenant_id,
                    Punch.punched_at >= _at(FIRST, 0),
                    Punch.punched_at < _at(date(2026, 12, 1), 0),
                )
            ).all()
            floor = time.perf_counter() - began
        engine.dispose()
    cells = sum(len(r.codes) for r in made.rows)
    print(f"monthly grid of {len(made.rows):,} people, {MONTH} ({cells:,} day cells)")
    print(f"  computed (sheet written):  {computed:7.1f} s = {cells / computed:8,.0f} days/s")
    print(f"  again (sheet read):        {again:7.2f} s")
    size = len(io.BytesIO(workbook).getvalue())
    print(f"  XLSX export:               {exported:7.2f} s ({size:,} bytes)")
    print(f"  floor: SELECT of {len(rows):,} punches {floor:6.2f} s")
    print(
        f"  ratio: computed {computed / floor:6.1f}x the floor, read {again / floor:5.1f}x, "
        f"read + export {(again + exported) / floor:5.1f}x"
    )


if __name__ == "__main__":
    main()
