"""Changes elsewhere that alter whose schedule, zones or thresholds apply make the running
shifts of exactly those concerned judged again (the flows behind the org, tenant, zone and
duty API)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fieldforce.monitoring.models import MonitorState
from fieldforce.monitoring.service import AT_ONCE
from tests.world import World
from tests.zones.test_zones_api import feature, square

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


def _all_fresh(db: Session) -> None:
    db.execute(update(MonitorState).values(stale=False, next_check_at=LATER))
    db.commit()


def _judged_against(db: Session, world: World, login: str, zone_id: str) -> None:
    db.execute(
        update(MonitorState)
        .where(MonitorState.staff_id == world.staff[login].id)
        .values(zone_ids=[uuid.UUID(zone_id)])
    )
    _all_fresh(db)


def test_a_changed_zone_judges_again_those_assigned_and_those_judged_against_it(
    client: TestClient, world: World, db: Session
) -> None:
    _fresh_states(db, world)
    admin = world.headers("admin")
    r = client.post("/api/v1/zones", headers=admin, json=feature(square(), code="Z1"))
    assert r.status_code == 201, r.text
    zone_id = r.json()["id"]
    assert _stale(db, world) == set()
    r = client.post(
        f"/api/v1/zones/{zone_id}/assignments",
        headers=admin,
        json={"org_unit_id": world.unit_id("north-a")},
    )
    assert r.status_code == 201, r.text
    assert _stale(db, world) == {"north.rep"}
    _judged_against(db, world, "south.rep", zone_id)
    r = client.patch(f"/api/v1/zones/{zone_id}", headers=admin, json={"name": "Moved"})
    assert r.status_code == 200, r.text
    assert _stale(db, world) == {"north.rep", "south.rep"}
    _all_fresh(db)
    r = client.post(
        "/api/v1/zones/import",
        headers=admin,
        json={"type": "FeatureCollection", "features": [feature(square(d=0.02), code="Z1")]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["updated"] == 1
    assert _stale(db, world) == {"north.rep", "south.rep"}
    _all_fresh(db)
    r = client.delete(f"/api/v1/zones/{zone_id}", headers=admin)
    assert r.status_code == 204, r.text
    assert _stale(db, world) == {"north.rep", "south.rep"}


def test_an_assignment_removed_judges_them_again(
    client: TestClient, world: World, db: Session
) -> None:
    admin = world.headers("admin")
    zone_id = client.post("/api/v1/zones", headers=admin, json=feature(square())).json()["id"]
    r = client.post(
        f"/api/v1/zones/{zone_id}/assignments",
        headers=admin,
        json={"staff_id": world.staff_id("north.rep2")},
    )
    assert r.status_code == 201, r.text
    _fresh_states(db, world)
    r = client.delete(f"/api/v1/zones/{zone_id}/assignments/{r.json()['id']}", headers=admin)
    assert r.status_code == 204, r.text
    assert _stale(db, world) == {"north.rep2"}


def test_a_schedule_made_changed_or_deleted_judges_them_again(
    client: TestClient, world: World, db: Session
) -> None:
    _fresh_states(db, world)
    admin = world.headers("admin")
    week = [{"weekday": 0, "start": "09:00", "end": "17:00"}]
    r = client.post(
        "/api/v1/schedules",
        headers=admin,
        json={"org_unit_id": world.unit_id("north"), "timezone": "Asia/Shanghai", "weekly": week},
    )
    assert r.status_code == 201, r.text
    assert _stale(db, world) == {"north.rep", "north.rep2"}
    _all_fresh(db)
    r = client.post(
        "/api/v1/schedules",
        headers=admin,
        json={"staff_id": world.staff_id("south.rep"), "timezone": "Asia/Tokyo", "weekly": week},
    )
    assert r.status_code == 201, r.text
    assert _stale(db, world) == {"south.rep"}
    _all_fresh(db)
    schedule = f"/api/v1/schedules/{r.json()['id']}"
    r = client.patch(schedule, headers=admin, json={"name": "Early"})
    assert r.status_code == 200, r.text
    assert _stale(db, world) == {"south.rep"}
    _all_fresh(db)
    r = client.delete(schedule, headers=admin)
    assert r.status_code == 204, r.text
    assert _stale(db, world) == {"south.rep"}


def test_a_duty_exception_made_or_deleted_judges_them_again(
    client: TestClient, world: World, db: Session
) -> None:
    _fresh_states(db, world)
    admin = world.headers("admin")
    day_off = {"day": "2026-10-01", "kind": "off"}
    r = client.post(
        "/api/v1/duty-exceptions",
        headers=admin,
        json={**day_off, "org_unit_id": world.unit_id("north-b")},
    )
    assert r.status_code == 201, r.text
    assert _stale(db, world) == {"north.rep2"}
    _all_fresh(db)
    r = client.delete(f"/api/v1/duty-exceptions/{r.json()['id']}", headers=admin)
    assert r.status_code == 204, r.text
    assert _stale(db, world) == {"north.rep2"}
    _all_fresh(db)
    r = client.post("/api/v1/duty-exceptions", headers=admin, json=day_off)  # the whole tenant
    assert r.status_code == 201, r.text
    assert _stale(db, world) == set(PEOPLE)
    _all_fresh(db)
    r = client.delete(f"/api/v1/duty-exceptions/{r.json()['id']}", headers=admin)
    assert r.status_code == 204, r.text
    assert _stale(db, world) == set(PEOPLE)
