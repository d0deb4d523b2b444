from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.auth.service import actor_for
from fieldforce.demo import DEMO_TENANT, build_demo, last_working_day
from fieldforce.devices.models import Device
from fieldforce.monitoring.models import ZoneEvent
from fieldforce.org import staff as staff_service
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.tenancy.models import Tenant
from fieldforce.tracking.models import LatestPosition, Ping, PingFlag
from fieldforce.tracking.queries import load_track


def test_demo_builds_a_provincial_operator_once(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    summary = build_demo(session_factory, push=False)
    tenant = db.scalar(select(Tenant).where(Tenant.name == DEMO_TENANT))
    assert tenant is not None
    assert tenant.timezone == "Asia/Shanghai"

    def count(model: type[OrgUnit] | type[Staff] | type[Device]) -> int:
        return (
            db.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant.id))
            or 0
        )

    assert (summary.units, summary.staff, summary.devices) == (
        count(OrgUnit),
        count(Staff),
        count(Device),
    )
    assert count(OrgUnit) == 1 + 3 + 6 + 12  # group, city branches, districts, teams
    reps = db.scalar(
        select(func.count()).where(Staff.tenant_id == tenant.id, Staff.roles.contains(["rep"]))
    )
    assert reps == 48
    assert count(Device) == reps
    # a city manager sees exactly their branch: themselves, 4 leads and 16 reps
    manager = db.scalar(
        select(Staff).where(Staff.tenant_id == tenant.id, Staff.login == "hangzhou.manager")
    )
    assert manager is not None
    page = staff_service.list_staff(
        db, actor_for(db, tenant.id, manager.id), limit=500, cursor=None
    )
    assert len(page.items) == 21
    # every rep reports to the supervisor of their own team
    leads = {
        s.id: s
        for s in db.scalars(
            select(Staff).where(Staff.tenant_id == tenant.id, Staff.roles.contains(["supervisor"]))
        )
    }
    for rep in db.scalars(
        select(Staff).where(Staff.tenant_id == tenant.id, Staff.roles.contains(["rep"]))
    ):
        assert rep.manager_id in leads
        assert leads[rep.manager_id].org_unit_id == rep.org_unit_id
    # one simulated working day per rep: everyone is on the map, with some flagged fixes
    assert summary.pings > 48 * 400
    flagged = dict(
        db.execute(
            select(Ping.flags, func.count()).where(Ping.tenant_id == tenant.id).group_by(Ping.flags)
        ).all()
    )
    assert sum(flagged.values()) == summary.pings
    assert flagged[PingFlag.JUMP] > 0
    assert flagged[PingFlag.INACCURATE] > 0
    assert flagged[0] > 0.9 * summary.pings
    positions = db.scalar(
        select(func.count())
        .select_from(LatestPosition)
        .where(LatestPosition.tenant_id == tenant.id)
    )
    assert positions == reps
    # a work zone per city branch, and the day's events: reps visiting customers beyond it
    assert summary.zones == 3
    start, end = last_working_day(datetime.now(UTC))
    kinds = dict(
        db.execute(
            select(ZoneEvent.type, func.count())
            .where(ZoneEvent.tenant_id == tenant.id, ZoneEvent.shift_start == start)
            .group_by(ZoneEvent.type)
        ).all()
    )
    assert kinds.get("off_zone", 0) > 0
    rep = db.scalar(select(Staff).where(Staff.tenant_id == tenant.id, Staff.login == "xihu1.rep1"))
    assert rep is not None
    track = load_track(
        db, actor_for(db, tenant.id, manager.id), rep.id, start, end + timedelta(hours=1)
    )
    assert len(track.stops) >= 4  # customers visited (and the office at the end)
    assert track.distance_m > 5_000
    again = build_demo(session_factory, push=False)
    assert again.tenant_id == summary.tenant_id
    assert count(Staff) == summary.staff
