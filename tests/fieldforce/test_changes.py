"""Typed change objects: what a caller sent, and an update that leaves it as it was."""

from __future__ import annotations

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
