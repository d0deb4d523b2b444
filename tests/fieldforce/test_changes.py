"""Typed change objects: what a caller sent, and an update that leaves it as it was."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.audit.models import AuditEntry
from fieldforce.auth.service import actor_for
from fieldforce.changes import UNSET
from fieldforce.org.staff import StaffChanges, update_staff
from fieldforce.zones.service import ZoneChanges
from tests.world import World


def test_a_change_lists_the_fields_sent_and_null_is_sent() -> None:
    assert StaffChanges().sent() == {}
    assert StaffChanges(phone=None, active=False).sent() == {"phone": None, "active": False}
    assert ZoneChanges(radius_m=None, name=UNSET).sent() == {"radius_m": None}


def test_a_staff_update_leaves_the_callers_change_as_it_was(db: Session, world: World) -> None:
    admin, rep = world.staff["admin"], world.staff["north.rep"]
    roles = ["supervisor", "rep"]
    changes = StaffChanges(roles=roles, phone="+15550100")

    updated = update_staff(db, actor_for(db, admin.tenant_id, admin.id), rep.id, changes)

    assert roles == ["supervisor", "rep"]
    assert changes == StaffChanges(roles=["supervisor", "rep"], phone="+15550100")
    assert updated.roles == ["rep", "supervisor"]
    entry = db.scalars(
        select(AuditEntry).where(
            AuditEntry.tenant_id == rep.tenant_id,
            AuditEntry.action == "staff.update",
            AuditEntry.entity_id == rep.id,
        )
    ).one()
    assert entry.changes == {
        "phone": {"from": None, "to": "+15550100"},
        "roles": {"from": ["rep"], "to": ["rep", "supervisor"]},
    }


def audit_changes(db: Session, world: World, action: str, entity_id: object) -> object:
    return db.scalars(
        select(AuditEntry.changes).where(
            AuditEntry.tenant_id == world.tenant.id,
            AuditEntry.action == action,
            AuditEntry.entity_id == entity_id,
        )
    ).one()


def test_a_unit_update_sets_what_was_sent_and_records_from_and_to(
    client: TestClient, db: Session, world: World
) -> None:
    unit_id = world.unit_id("north-a")
    before = client.get(f"/api/v1/org-units/{unit_id}", headers=world.headers("admin")).json()
    r = client.patch(
        f"/api/v1/org-units/{unit_id}",
        headers=world.headers("admin"),
        json={"name": "North A Team", "code": None},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["code"], r.json()["kind"]) == (
        "North A Team",
        None,
        before["kind"],
    )
    expected: dict[str, object] = {"name": {"from": before["name"], "to": "North A Team"}}
    if before["code"] is not None:
        expected["code"] = {"from": before["code"], "to": None}
    assert audit_changes(db, world, "org_unit.update", uuid.UUID(unit_id)) == expected


def test_own_profile_clears_with_null_and_leaves_the_rest(
    client: TestClient, db: Session, world: World
) -> None:
    rep = world.staff["north.rep"]
    headers = world.headers("north.rep")
    assert client.patch("/api/v1/me", headers=headers, json={"email": "rep@example.com"}).is_success
    r = client.patch("/api/v1/me", headers=headers, json={"phone": "+86 139 1234 5678"})
    assert (r.json()["phone"], r.json()["email"]) == ("+86 139 1234 5678", "rep@example.com")
    r = client.patch("/api/v1/me", headers=headers, json={"email": None})
    assert (r.json()["phone"], r.json()["email"]) == ("+86 139 1234 5678", None)
    entries = db.scalars(
        select(AuditEntry.changes).where(
            AuditEntry.tenant_id == world.tenant.id,
            AuditEntry.action == "staff.update_profile",
            AuditEntry.entity_id == rep.id,
        )
    ).all()
    expected = [
        {"email": {"from": None, "to": "rep@example.com"}},
        {"phone": {"from": rep.phone, "to": "+86 139 1234 5678"}},
        {"email": {"from": "rep@example.com", "to": None}},
    ]
    assert len(entries) == 3
    assert all(e in entries for e in expected)
