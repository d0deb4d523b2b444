"""Authorization, in one place.

Who may see or act on whom:
- everyone: their own record;
- supervisors and managers: everything in the subtree of their org unit (reading);
- managers: also create and change units strictly below their own;
- acting on a person (edit, roles, deactivate, password, devices, sign-out): only when the
  actor could grant every role that person holds, so admins act on anyone in their
  tenant, managers on reps and supervisors of their subtree, and nobody else on anyone;
- directing a person (locate now, tasks, notices naming them, zone assignments, duty
  schedules and exceptions): only when every role they hold is one the actor directs, so
  admins direct anyone in their tenant, managers reps and supervisors of their subtree,
  supervisors reps of their subtree; finance only admins. Locating oneself and giving
  oneself a task are always allowed to those who direct; one's own zones and duty are set
  by those above (an admin sets their own);
- nobody: another tenant. Every query is filtered by the actor's tenant first.

Records outside the read scope answer ``NotFound`` (their existence is not disclosed);
records that can be seen but not changed answer ``Forbidden``. List queries take the
``*_clause`` filters so that scoping happens in SQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.orm import Session

from fieldforce.errors import Forbidden, ModuleDisabled, NotFound
from fieldforce.org.models import OrgUnit, Role, Staff

OVERSEER_ROLES = frozenset({Role.SUPERVISOR.value, Role.MANAGER.value})
ALL_ROLES = frozenset(r.value for r in Role)
# Roles a manager (not an admin) may hand out inside their subtree.
MANAGER_GRANTABLE = frozenset({Role.REP.value, Role.SUPERVISOR.value})
# those who direct others' work: give tasks, send notices, locate, set zones and duty
DIRECTOR_ROLES = OVERSEER_ROLES | {Role.ADMIN.value}
# the roles whose holders each directing role may direct
DIRECTS_ROLES = {
    Role.ADMIN.value: ALL_ROLES,
    Role.MANAGER.value: frozenset({Role.REP.value, Role.SUPERVISOR.value}),
    Role.SUPERVISOR.value: frozenset({Role.REP.value}),
}


@dataclass(frozen=True)
class Actor:
    tenant_id: uuid.UUID
    staff_id: uuid.UUID
    roles: frozenset[str]
    org_unit_id: uuid.UUID
    unit_path: str
    modules: frozenset[str]
    device_id: uuid.UUID | None = None
    # the tenant's stored settings overrides, read with the actor to spare hot paths a query
    tenant_settings: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN.value in self.roles

    @property
    def oversees_subtree(self) -> bool:
        return bool(self.roles & OVERSEER_ROLES)

    @property
    def directs(self) -> bool:
        return bool(self.roles & DIRECTOR_ROLES)

    @property
    def is_manager(self) -> bool:
        return Role.MANAGER.value in self.roles

    @property
    def grantable_roles(self) -> frozenset[str]:
        """The roles this actor may hand out (and so the people they may act on)."""
        if self.is_admin:
            return ALL_ROLES
        if self.is_manager:
            return MANAGER_GRANTABLE
        return frozenset()

    @property
    def directable_roles(self) -> frozenset[str]:
        """The roles whose holders this actor may direct (locate, give work, zones, duty)."""
        return frozenset().union(*(DIRECTS_ROLES.get(role, frozenset()) for role in self.roles))

    # modules ----------------------------------------------------------------------------
    def require_module(self, module: str) -> None:
        if module not in self.modules:
            raise ModuleDisabled(module)

    # SQL filters ------------------------------------------------------------------------
    def subtree_unit_ids(self) -> Select[uuid.UUID]:
        return select(OrgUnit.id).where(
            OrgUnit.tenant_id == self.tenant_id, OrgUnit.path.op("<@")(self.unit_path)
        )

    def staff_clause(self) -> ColumnElement[bool]:
        """Staff rows this actor may read."""
        if self.is_admin:
            return Staff.tenant_id == self.tenant_id
        if self.oversees_subtree:
            return (Staff.tenant_id == self.tenant_id) & (
                Staff.org_unit_id.in_(self.subtree_unit_ids()) | (Staff.id == self.staff_id)
            )
        return (Staff.tenant_id == self.tenant_id) & (Staff.id == self.staff_id)

    def unit_clause(self) -> ColumnElement[bool]:
        """Org units this actor may read: their subtree, or just their own unit."""
        same_tenant = OrgUnit.tenant_id == self.tenant_id
        if self.is_admin:
            return same_tenant
        if self.oversees_subtree:
            return same_tenant & OrgUnit.path.op("<@")(self.unit_path)
        return same_tenant & (OrgUnit.id == self.org_unit_id)

    # single records ---------------------------------------------------------------------
    def visible_staff(self, session: Session, staff_id: uuid.UUID) -> Staff:
        staff = session.scalar(select(Staff).where(Staff.id == staff_id, self.staff_clause()))
        if staff is None:
            raise NotFound("no such staff member", details={"staff_id": str(staff_id)})
        return staff

    def manageable_staff(self, session: Session, staff_id: uuid.UUID) -> Staff:
        staff = self.visible_staff(session, staff_id)
        self.require_can_manage_staff(session, staff)
        return staff

    def require_can_manage_staff(self, session: Session, staff: Staff) -> None:
        """The one rule for acting on a person (``staff`` is one this actor can see):
        only when the actor could grant every role the person holds, within their own
        subtree. Managers thus never act on admins, finance, peer managers or themselves."""
        if not set(staff.roles) <= self.grantable_roles:
            raise Forbidden(
                "you may not change someone holding roles you cannot grant",
                details={"roles": sorted(set(staff.roles) - self.grantable_roles)},
            )
        if not self._unit_in_subtree(session, staff.org_unit_id):
            raise Forbidden("you may not change this staff member")

    def visible_unit(self, session: Session, unit_id: uuid.UUID) -> OrgUnit:
        unit = session.scalar(select(OrgUnit).where(OrgUnit.id == unit_id, self.unit_clause()))
        if unit is None:
            raise NotFound("no such org unit", details={"org_unit_id": str(unit_id)})
        return unit

    def require_can_place_in(self, session: Session, unit_id: uuid.UUID) -> OrgUnit:
        """May this actor put staff or child units in that unit?"""
        unit = self.visible_unit(session, unit_id)
        if self.is_admin or (self.is_manager and self._unit_in_subtree(session, unit.id)):
            return unit
        raise Forbidden("you may not add to this org unit")

    def require_can_change_unit(self, session: Session, unit_id: uuid.UUID) -> OrgUnit:
        """Change, move or delete: admins anywhere, managers strictly below their unit."""
        unit = self.visible_unit(session, unit_id)
        if self.is_admin:
            return unit
        below_own = unit.id != self.org_unit_id and self._unit_in_subtree(session, unit.id)
        if self.is_manager and below_own:
            return unit
        raise Forbidden("you may not change this org unit")

    def require_directs_unit(self, session: Session, unit_id: uuid.UUID) -> OrgUnit:
        """A unit whose subtree this supervisor, manager or admin directs (zones, duty)."""
        unit = self.visible_unit(session, unit_id)
        if not self.directs:
            raise Forbidden("only supervisors, managers and administrators may do this")
        return unit

    def require_directs_staff(
        self, session: Session, staff_id: uuid.UUID, *, oneself_allowed: bool = False
    ) -> Staff:
        """The one rule for directing a person (locate, tasks, notices naming them, zones,
        duty): a person in scope holding no role above those the actor directs. With
        ``oneself_allowed`` (locating oneself, a task for oneself) one's own roles do not
        matter."""
        if not self.directs:  # before the lookup: it depends on the actor alone
            raise Forbidden("only supervisors, managers and administrators may do this")
        staff = self.visible_staff(session, staff_id)
        if oneself_allowed and staff.id == self.staff_id:
            return staff
        above = set(staff.roles) - self.directable_roles
        if above:
            raise Forbidden(
                "you may not direct someone holding roles above those you direct",
                details={"roles": sorted(above)},
            )
        return staff

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("only a tenant administrator may do this")

    def _unit_in_subtree(self, session: Session, unit_id: uuid.UUID) -> bool:
        if self.is_admin:
            return True
        found = session.scalar(
            select(true())
            .where(OrgUnit.id == unit_id)
            .where(OrgUnit.id.in_(self.subtree_unit_ids()))
        )
        return bool(found)
