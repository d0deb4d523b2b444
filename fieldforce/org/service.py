"""The org tree: create, rename, move and delete units; list a scope's units."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.changes import UNSET, Changes, Unset
from fieldforce.db import substring_match
from fieldforce.errors import Conflict, Invalid
from fieldforce.org.models import OrgUnit, Staff, UnitKind, path_label
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate


def _lock_tree(session: Session, tenant_id: uuid.UUID) -> None:
    """Serialize structural changes of one tenant's tree (two crossing moves could
    otherwise make a cycle)."""
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"org-tree:{tenant_id}"},
    )


def _check_code_free(
    session: Session, tenant_id: uuid.UUID, code: str | None, unit_id: uuid.UUID | None = None
) -> None:
    if code is None:
        return
    stmt = select(OrgUnit.id).where(OrgUnit.tenant_id == tenant_id, OrgUnit.code == code)
    if unit_id is not None:
        stmt = stmt.where(OrgUnit.id != unit_id)
    if session.scalar(stmt) is not None:
        raise Conflict(f"an org unit with code '{code}' exists", code="code_taken")


def create_unit(
    session: Session,
    actor: Actor,
    *,
    name: str,
    parent_id: uuid.UUID,
    kind: str = UnitKind.TEAM.value,
    code: str | None = None,
) -> OrgUnit:
    parent = actor.require_can_place_in(session, parent_id)
    _check_code_free(session, actor.tenant_id, code)
    unit_id = uuid.uuid4()
    unit = OrgUnit(
        tenant_id=actor.tenant_id,
        id=unit_id,
        parent_id=parent.id,
        name=name,
        kind=kind,
        code=code,
        path=f"{parent.path}.{path_label(unit_id)}",
    )
    session.add(unit)
    session.flush()
    audit.record_by(
        session,
        actor,
        "org_unit.create",
        "org_unit",
        unit.id,
        {"name": name, "parent_id": parent.id, "kind": kind, "code": code},
    )
    return unit


@dataclass(frozen=True)
class UnitChanges(Changes):
    """What a unit update changes; fields left UNSET stay as they are (a code may be
    cleared with None)."""

    name: str | Unset = UNSET
    kind: str | Unset = UNSET
    code: str | Unset | None = UNSET


def update_unit(
    session: Session, actor: Actor, unit_id: uuid.UUID, changes: UnitChanges
) -> OrgUnit:
    unit = actor.require_can_change_unit(session, unit_id)
    if not isinstance(changes.code, Unset):
        _check_code_free(session, actor.tenant_id, changes.code, unit.id)
    values = changes.sent()
    before = {k: getattr(unit, k) for k in values}
    for key, value in values.items():
        setattr(unit, key, value)
    session.flush()
    audit.record_by(
        session,
        actor,
        "org_unit.update",
        "org_unit",
        unit.id,
        {k: {"from": before[k], "to": v} for k, v in values.items() if before[k] != v},
    )
    return unit


def move_unit(
    session: Session, actor: Actor, unit_id: uuid.UUID, *, new_parent_id: uuid.UUID
) -> OrgUnit:
    """Move a unit with its whole subtree under another parent."""
    _lock_tree(session, actor.tenant_id)
    unit = actor.require_can_change_unit(session, unit_id)
    if unit.parent_id is None:
        raise Invalid("the root unit cannot be moved", code="root_unit")
    new_parent = actor.require_can_place_in(session, new_parent_id)
    session.refresh(unit)
    session.refresh(new_parent)
    inside = session.scalar(
        select(func.count()).where(
            OrgUnit.tenant_id == actor.tenant_id,
            OrgUnit.id == new_parent.id,
            OrgUnit.path.op("<@")(unit.path),
        )
    )
    if inside:
        raise Invalid("a unit cannot be moved into its own subtree", code="tree_cycle")
    old_parent_id, old_path = unit.parent_id, unit.path
    session.execute(
        update(OrgUnit)
        .where(OrgUnit.tenant_id == actor.tenant_id, OrgUnit.path.op("<@")(old_path))
        .values(
            path=text(
                "CAST(:new_prefix AS ltree) || subpath(path, nlevel(CAST(:old AS ltree)) - 1)"
            ).bindparams(new_prefix=new_parent.path, old=old_path)
        )
        .execution_options(synchronize_session=False)
    )
    unit.parent_id = new_parent.id
    session.flush()
    session.refresh(unit)
    audit.record_by(
        session,
        actor,
        "org_unit.move",
        "org_unit",
        unit.id,
        {"from_parent_id": old_parent_id, "to_parent_id": new_parent.id},
    )
    return unit


def delete_unit(session: Session, actor: Actor, unit_id: uuid.UUID) -> None:
    _lock_tree(session, actor.tenant_id)
    unit = actor.require_can_change_unit(session, unit_id)
    if unit.parent_id is None:
        raise Invalid("the root unit cannot be deleted", code="root_unit")
    has_children = session.scalar(
        select(func.count()).where(
            OrgUnit.tenant_id == unit.tenant_id, OrgUnit.parent_id == unit.id
        )
    )
    has_staff = session.scalar(
        select(func.count()).where(Staff.tenant_id == unit.tenant_id, Staff.org_unit_id == unit.id)
    )
    if has_children or has_staff:
        raise Conflict(
            "only an empty unit can be deleted: move its sub-units and staff first",
            code="unit_not_empty",
            details={"sub_units": has_children, "staff": has_staff},
        )
    session.delete(unit)
    session.flush()
    audit.record_by(session, actor, "org_unit.delete", "org_unit", unit_id, {"name": unit.name})


def list_units(
    session: Session,
    actor: Actor,
    *,
    q: str | None = None,
    parent_id: uuid.UUID | None = None,
    within: uuid.UUID | None = None,
    limit: int,
    cursor: str | None,
) -> Page[OrgUnit]:
    stmt = select(OrgUnit).where(actor.unit_clause())
    if q:
        stmt = stmt.where(substring_match(q, OrgUnit.name, OrgUnit.code))
    if parent_id is not None:
        stmt = stmt.where(OrgUnit.parent_id == parent_id)
    if within is not None:
        top = actor.visible_unit(session, within)
        stmt = stmt.where(OrgUnit.path.op("<@")(top.path))
    return paginate(session, stmt, [OrgUnit.name, OrgUnit.id], limit=limit, cursor=cursor)
