"""The zones of many org units in one query (``assignments.unit_zones``, used by the
monitoring sweep) are the zones ``assigned_zones`` finds for a person of each unit with no
zone of their own: through the unit and every unit above it, only active zones, only
assignments valid that day, each zone once, and nothing from another tenant."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.zones.assignments import assigned_zones, unit_zones
from fieldforce.zones.models import ZoneAssignment
from tests.world import World, add_work_area

DAY = date(2026, 11, 16)


def test_the_zones_of_units_are_those_of_their_people(db: Session, world: World) -> None:
    u = world.units
    branch = add_work_area(db, u["north"], (121.47, 31.23), 2_000)  # reaches both teams
    team = add_work_area(db, u["north-a"], (121.48, 31.24), 300)
    # the branch's zone assigned to the team itself as well: still one zone
    db.add(
        ZoneAssignment(tenant_id=branch.tenant_id, zone_id=branch.id, org_unit_id=team.org_unit_id)
    )
    ended = add_work_area(db, u["north-b"], (121.49, 31.25), 300)
    assignment = db.scalars(select(ZoneAssignment).where(ZoneAssignment.zone_id == ended.id)).one()
    assignment.valid_to = DAY - timedelta(days=1)
    idle = add_work_area(db, u["south-a"], (121.50, 31.26), 300)
    idle.active = False
    add_work_area(db, u["other-root"], (121.47, 31.23), 300)  # another tenant's
    db.flush()

    people = ["north.rep", "north.rep2", "south.rep", "north.manager", "admin"]
    units = {world.staff[p].org_unit_id for p in people}
    found = unit_zones(db, world.tenant.id, units, DAY)

    for p in people:
        staff = world.staff[p]
        expected = [z.id for z, _ in assigned_zones(db, staff, DAY)]
        got = [z.id for z in found[staff.org_unit_id]]
        assert sorted(got) == sorted(expected), p
        assert len(got) == len(set(got)), p
    assert {z.id for z in found[u["north-a"].id]} == {branch.id, team.id}
    assert [z.id for z in found[u["north-b"].id]] == [branch.id]  # its own assignment ended
    assert found[u["south-a"].id] == []  # its zone is switched off
    assert found[u["root"].id] == []  # nothing above the root
