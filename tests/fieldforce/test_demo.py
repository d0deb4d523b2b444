from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.auth.service import actor_for
from fieldforce.demo import DEMO_TENANT, build_demo
from fieldforce.devices.models import Device
from fieldforce.org import staff as staff_service
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.tenancy.models import Tenant


def test_demo_builds_a_provincial_operator_once(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    summary = build_demo(session_factory)
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
    again = build_demo(session_factory)
    assert again.tenant_id == summary.tenant_id
    assert count(Staff) == summary.staff
