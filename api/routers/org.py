from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ActorDep, CursorQ, LimitQ, SessionDep
from api.schemas.common import Page
from api.schemas.org import (
    OrgUnitCreate,
    OrgUnitMove,
    OrgUnitOut,
    OrgUnitPatch,
    PasswordReset,
    StaffCreate,
    StaffOut,
    StaffPatch,
)
from api.schemas.types import Line
from fieldforce import flows
from fieldforce.changes import UNSET, unless_none
from fieldforce.org import service as units
from fieldforce.org import staff as staff_service
from fieldforce.org.models import Role

router = APIRouter(prefix="/api/v1", tags=["org"])

Search = Annotated[Line | None, Query(max_length=100, description="substring, any case")]


@router.post("/org-units", response_model=OrgUnitOut, status_code=201)
def create_org_unit(body: OrgUnitCreate, actor: ActorDep, session: SessionDep) -> object:
    """Admins anywhere; managers under their own unit."""
    return units.create_unit(
        session,
        actor,
        name=body.name,
        parent_id=body.parent_id,
        kind=body.kind.value,
        code=body.code,
    )


@router.get("/org-units", response_model=Page[OrgUnitOut])
def list_org_units(
    actor: ActorDep,
    session: SessionDep,
    q: Search = None,
    parent_id: uuid.UUID | None = None,
    within: Annotated[uuid.UUID | None, Query(description="only this unit's subtree")] = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> object:
    return units.list_units(
        session, actor, q=q, parent_id=parent_id, within=within, limit=limit, cursor=cursor
    )


@router.get("/org-units/{unit_id}", response_model=OrgUnitOut)
def get_org_unit(unit_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> object:
    return actor.visible_unit(session, unit_id)


@router.patch("/org-units/{unit_id}", response_model=OrgUnitOut)
def update_org_unit(
    unit_id: uuid.UUID, body: OrgUnitPatch, actor: ActorDep, session: SessionDep
) -> object:
    changes = units.UnitChanges(
        name=unless_none(body.name),
        kind=UNSET if body.kind is None else str(body.kind),
        code=body.sent("code", body.code),
    )
    return units.update_unit(session, actor, unit_id, changes)


@router.post("/org-units/{unit_id}/move", response_model=OrgUnitOut)
def move_org_unit(
    unit_id: uuid.UUID, body: OrgUnitMove, actor: ActorDep, session: SessionDep
) -> object:
    """Move the unit with its whole subtree under `parent_id`."""
    return flows.move_unit(session, actor, unit_id, new_parent_id=body.parent_id)


@router.delete("/org-units/{unit_id}", status_code=204)
def delete_org_unit(unit_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> None:
    """Only empty units (no sub-units, no staff) can be deleted."""
    units.delete_unit(session, actor, unit_id)


@router.post("/staff", response_model=StaffOut, status_code=201)
def create_staff(body: StaffCreate, actor: ActorDep, session: SessionDep) -> object:
    return staff_service.create_staff(
        session,
        actor,
        login=body.login,
        password=body.password,
        name=body.name,
        org_unit_id=body.org_unit_id,
        manager_id=body.manager_id,
        roles=[r.value for r in body.roles],
        employee_code=body.employee_code,
        phone=body.phone,
        email=body.email,
        active=body.active,
    )


@router.get("/staff", response_model=Page[StaffOut])
def list_staff(
    actor: ActorDep,
    session: SessionDep,
    q: Search = None,
    org_unit: uuid.UUID | None = None,
    include_subtree: bool = True,
    role: Role | None = None,
    active: bool | None = None,
    manager_id: uuid.UUID | None = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> object:
    """Staff in the caller's scope, by name. `q` searches name, login, code and phone."""
    return staff_service.list_staff(
        session,
        actor,
        q=q,
        org_unit_id=org_unit,
        include_subtree=include_subtree,
        role=role.value if role else None,
        active=active,
        manager_id=manager_id,
        limit=limit,
        cursor=cursor,
    )


@router.get("/staff/{staff_id}", response_model=StaffOut)
def get_staff(staff_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> object:
    return actor.visible_staff(session, staff_id)


@router.patch("/staff/{staff_id}", response_model=StaffOut)
def update_staff(
    staff_id: uuid.UUID, body: StaffPatch, actor: ActorDep, session: SessionDep
) -> object:
    return flows.update_staff(session, actor, staff_id, _staff_changes(body))


def _staff_changes(body: StaffPatch) -> staff_service.StaffChanges:
    return staff_service.StaffChanges(
        name=unless_none(body.name),
        employee_code=body.sent("employee_code", body.employee_code),
        phone=body.sent("phone", body.phone),
        email=body.sent("email", body.email),
        org_unit_id=unless_none(body.org_unit_id),
        manager_id=body.sent("manager_id", body.manager_id),
        roles=UNSET if body.roles is None else [str(r) for r in body.roles],
        active=unless_none(body.active),
    )


@router.post("/staff/{staff_id}/password", status_code=204)
def reset_staff_password(
    staff_id: uuid.UUID, body: PasswordReset, actor: ActorDep, session: SessionDep
) -> None:
    """Set a new password; the person's existing tokens stop working."""
    staff_service.reset_password(session, actor, staff_id, body.password)


@router.post("/staff/{staff_id}/sign-out-everywhere", status_code=204)
def sign_out_staff_everywhere(staff_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> None:
    """End every session of the person: all tokens issued to them so far stop working."""
    staff_service.sign_out_everywhere(session, actor, staff_id)
