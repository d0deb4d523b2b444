"""Changes elsewhere that alter whose schedule, zones or thresholds apply make the running
shifts of exactly those concerned judged again (the flows behind the org and tenant API)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.monitoring.models import MonitorState
from fieldforce.monitoring.service import AT_ONCE
from tests.world import World

LATER = datetime(2030, 1, 1, tzinfo=UTC)
PEOPLE = ("north.rep", "north.rep2", "south.rep")


def _fresh_states(db: Session, world: World) -> None:
    for login in PEOPLE:
        staff = world.staff[login]
        db.add(
            MonitorState(
                tenant_id=staff.tenant_id, staff_id=staff.id, next_check_at=LATER, stale=False
            )
        )
    db.commit()


def _stale(db: Session, world: World) -> set[str]:
    db.expire_all()
    by_id = {world.staff[login].id: login for login in PEOPLE}
    rows = db.scalars(select(MonitorState).where(MonitorState.staff_id.in_(by_id)))
    return {by_id[r.staff_id] for r in rows if r.stale and r.next_check_at == AT_ONCE}


def test_a_person_moved_to_another_unit_is_judged_again(
    client: TestClient, world: World, db: Session
) -> None:
    _fresh_states(db, world)
    admin = world.headers("admin")
    r = client.patch(
        f"/api/v1/staff/{world.staff_id('north.rep')}",
        headers=admin,
        json={"phone": "+8613800000000"},
    )
    assert r.status_code == 200, r.text
    assert _stale(db, world) == set()
    r = client.patch(
        f"/api/v1/staff/{world.staff_id('north.rep')}",
        headers=admin,
        json={"org_unit_id": world.unit_id("north-b")},
    )
    assert r.status_code == 200, r.text
    assert _stale(db, world) == {"north.rep"}


def test_a_unit_moved_with_its_people_is_judged_again(
    client: TestClient, world: World, db: Session
) -> None:
    _fresh_states(db, world)
    r = client.post(
        f"/api/v1/org-units/{world.unit_id('north-b')}/move",
        headers=world.headers("admin"),
        json={"parent_id": world.unit_id("south")},
    )
    assert r.status_code == 200, r.text
    assert _stale(db, world) == {"north.rep2"}


def test_changed_tenant_settings_judge_everyone_again(
    client: TestClient, world: World, db: Session
) -> None:
    _fresh_states(db, world)
    admin = world.headers("admin")
    r = client.patch("/api/v1/tenant", headers=admin, json={})
    assert r.status_code == 200, r.text
    assert _stale(db, world) == set()
    r = client.patch("/api/v1/tenant", headers=admin, json={"timezone": "Asia/Tokyo"})
    assert r.status_code == 200, r.text
    assert _stale(db, world) == set(PEOPLE)
