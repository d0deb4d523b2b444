"""Staff: create, change, deactivate, reset passwords, end sessions, list a scope's staff."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import literal, select, text
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.changes import UNSET, Changes, Unset
from fieldforce.db import substring_match
from fieldforce.errors import Conflict, Forbidden, Invalid
from fieldforce.org.models import OrgUnit, Role, Staff
from fieldforce.org.passwords import check_password_strength, hash_password
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._@+-]{1,119}$")
ALL_ROLES = [r.value for r in Role]


def normalize_login(login: str) -> str:
    value = login.strip().lower()
    if not LOGIN_RE.match(value):
        raise Invalid(
            "a login is 2-120 characters: letters, digits and . _ @ + - (no '/')",
            code="invalid_login",
        )
    return value


def _check_roles(actor: Actor, roles: list[str], current: list[str] | None = None) -> list[str]:
    unknown = sorted(set(roles) - set(ALL_ROLES))
    if unknown:
        raise Invalid(
            f"unknown roles: {', '.join(unknown)}",
            code="invalid_roles",
            details={"allowed": ALL_ROLES},
        )
    if not roles:
        raise Invalid("a staff member needs at least one role", code="invalid_roles")
    added = set(roles) - set(current or [])
    removed = set(current or []) - set(roles)
    if (added | removed) - actor.grantable_roles:
        raise Forbidden(
            "only an administrator may grant or remove the manager, admin and finance roles",
            code="role_not_grantable",
        )
    return [r for r in ALL_ROLES if r in roles]


def _check_unique(
    session: Session,
    tenant_id: uuid.UUID,
    staff_id: uuid.UUID | None,
    *,
    login: str | None = None,
    employee_code: str | None = None,
) -> None:
    for column, value, code in (
        (Staff.login, login, "login_taken"),
        (Staff.employee_code, employee_code, "employee_code_taken"),
    ):
        if value is None:
            continue
        stmt = select(Staff.id).where(Staff.tenant_id == tenant_id, column == value)
        if staff_id is not None:
            stmt = stmt.where(Staff.id != staff_id)
        if session.scalar(stmt) is not None:
            raise Conflict(f"'{value}' is already used by another staff member", code=code)


def _check_manager(
    session: Session, actor: Actor, staff_id: uuid.UUID | None, manager_id: uuid.UUID | None
) -> None:
    if manager_id is None:
        return
    manager = actor.visible_staff(session, manager_id)
    if not manager.active:
        raise Invalid("the manager is not active", code="inactive_manager")
    if staff_id is None:
        return
    if manager_id == staff_id:
        raise Invalid("nobody reports to themselves", code="reporting_cycle")
    chain = (
        select(Staff.id, Staff.manager_id)
        .where(Staff.tenant_id == actor.tenant_id, Staff.id == manager_id)
        .cte("chain", recursive=True)
    )
    chain = chain.union(
        select(Staff.id, Staff.manager_id).join(
            chain, (Staff.tenant_id == actor.tenant_id) & (Staff.id == chain.c.manager_id)
        )
    )
    if session.scalar(select(literal(True)).where(chain.c.id == staff_id).select_from(chain)):
        raise Invalid("this would make a reporting cycle", code="reporting_cycle")


def create_staff(
    session: Session,
    actor: Actor,
    *,
    login: str,
    password: str,
    name: str,
    org_unit_id: uuid.UUID,
    manager_id: uuid.UUID | None = None,
    roles: list[str] | None = None,
    employee_code: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    active: bool = True,
) -> Staff:
    login = normalize_login(login)
    actor.require_can_place_in(session, org_unit_id)
    role_list = _check_roles(actor, roles or [Role.REP.value])
    check_password_strength(password)
    _check_unique(session, actor.tenant_id, None, login=login, employee_code=employee_code)
    _check_manager(session, actor, None, manager_id)
    staff = Staff(
        tenant_id=actor.tenant_id,
        login=login,
        password_hash=hash_password(password),
        name=name,
        org_unit_id=org_unit_id,
        manager_id=manager_id,
        roles=role_list,
        employee_code=employee_code,
        phone=phone,
        email=email,
        active=active,
        password_changed_at=datetime.now(UTC),
    )
    session.add(staff)
    session.flush()
    audit.record_by(
        session,
        actor,
        "staff.create",
        "staff",
        staff.id,
        {
            "login": login,
            "name": name,
            "org_unit_id": org_unit_id,
            "manager_id": manager_id,
            "roles": role_list,
        },
    )
    return staff


@dataclass(frozen=True)
class StaffChanges(Changes):
    """What an update changes; fields left UNSET stay as they are."""

    name: str | Unset = UNSET
    employee_code: str | Unset | None = UNSET
    phone: str | Unset | None = UNSET
    email: str | Unset | None = UNSET
    org_unit_id: uuid.UUID | Unset = UNSET
    manager_id: uuid.UUID | Unset | None = UNSET
    roles: Sequence[str] | Unset = UNSET
    active: bool | Unset = UNSET


def update_staff(
    session: Session, actor: Actor, staff_id: uuid.UUID, changes: StaffChanges
) -> Staff:
    staff = actor.manageable_staff(session, staff_id)
    values = _checked_changes(session, actor, staff, changes)
    if values.get("active") is False and staff.active:
        _end_sessions(staff)  # reactivating must not revive tokens issued before
    before = {k: getattr(staff, k) for k in values}
    for key, value in values.items():
        setattr(staff, key, value)
    session.flush()
    audit.record_by(
        session,
        actor,
        "staff.update",
        "staff",
        staff.id,
        {k: {"from": before[k], "to": v} for k, v in values.items() if before[k] != v},
    )
    return staff


def _checked_changes(
    session: Session, actor: Actor, staff: Staff, changes: StaffChanges
) -> dict[str, object]:
    """The values to set, checked in a fixed order; roles in their canonical order."""
    values = changes.sent()
    if not isinstance(changes.org_unit_id, Unset):
        actor.require_can_place_in(session, changes.org_unit_id)
    if not isinstance(changes.roles, Unset):
        values["roles"] = roles = _check_roles(actor, list(changes.roles), staff.roles)
        if staff.id == actor.staff_id and Role.ADMIN.value not in roles:
            raise Invalid("you cannot remove your own admin role", code="self_lockout")
    if changes.active is False and staff.id == actor.staff_id:
        raise Invalid("you cannot deactivate yourself", code="self_lockout")
    if not isinstance(changes.manager_id, Unset):
        _check_manager(session, actor, staff.id, changes.manager_id)
    employee_code = None if isinstance(changes.employee_code, Unset) else changes.employee_code
    _check_unique(session, actor.tenant_id, staff.id, employee_code=employee_code)
    return values


@dataclass(frozen=True)
class ProfileChanges(Changes):
    """What a person may change of their own record; None clears a field."""

    phone: str | Unset | None = UNSET
    email: str | Unset | None = UNSET


def update_own_profile(session: Session, actor: Actor, changes: ProfileChanges) -> Staff:
    staff = actor.visible_staff(session, actor.staff_id)
    values = changes.sent()
    before = {k: getattr(staff, k) for k in values}
    for key, value in values.items():
        setattr(staff, key, value)
    session.flush()
    audit.record_by(
        session,
        actor,
        "staff.update_profile",
        "staff",
        staff.id,
        {k: {"from": before[k], "to": v} for k, v in values.items() if before[k] != v},
    )
    return staff


def _end_sessions(staff: Staff) -> None:
    """Every access token issued to this person so far stops working."""
    staff.token_version += 1


def _set_password(session: Session, actor: Actor, staff: Staff, password: str, action: str) -> None:
    check_password_strength(password)
    staff.password_hash = hash_password(password)
    staff.password_changed_at = datetime.now(UTC)
    _end_sessions(staff)
    session.flush()
    audit.record_by(session, actor, action, "staff", staff.id)


def reset_password(session: Session, actor: Actor, staff_id: uuid.UUID, password: str) -> None:
    staff = actor.manageable_staff(session, staff_id)
    _set_password(session, actor, staff, password, "staff.reset_password")


def change_own_password(session: Session, actor: Actor, new: str) -> Staff:
    """After the caller confirmed their current password (a throttled check in auth).
    Returns the person, whose older tokens (the caller's too) no longer work."""
    staff = actor.visible_staff(session, actor.staff_id)
    _set_password(session, actor, staff, new, "staff.change_password")
    return staff


def sign_out_everywhere(session: Session, actor: Actor, staff_id: uuid.UUID) -> None:
    """End every session of someone the actor may manage."""
    staff = actor.manageable_staff(session, staff_id)
    _sign_out(session, actor, staff)


def sign_out_own_sessions(session: Session, actor: Actor) -> None:
    _sign_out(session, actor, actor.visible_staff(session, actor.staff_id))


def _sign_out(session: Session, actor: Actor, staff: Staff) -> None:
    _end_sessions(staff)
    session.flush()
    audit.record_by(session, actor, "staff.sign_out_everywhere", "staff", staff.id)


def list_staff(
    session: Session,
    actor: Actor,
    *,
    q: str | None = None,
    org_unit_id: uuid.UUID | None = None,
    include_subtree: bool = True,
    role: str | None = None,
    active: bool | None = None,
    manager_id: uuid.UUID | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Staff]:
    stmt = select(Staff).where(actor.staff_clause())
    if q:
        stmt = stmt.where(
            substring_match(q, Staff.name, Staff.login, Staff.employee_code, Staff.phone)
        )
    if org_unit_id is not None:
        unit = actor.visible_unit(session, org_unit_id)
        if include_subtree:
            stmt = stmt.where(
                Staff.org_unit_id.in_(
                    select(OrgUnit.id).where(
                        OrgUnit.tenant_id == actor.tenant_id, OrgUnit.path.op("<@")(unit.path)
                    )
                )
            )
        else:
            stmt = stmt.where(Staff.org_unit_id == unit.id)
    if role is not None:
        stmt = stmt.where(Staff.roles.contains([role]))
    if active is not None:
        stmt = stmt.where(Staff.active.is_(active))
    if manager_id is not None:
        stmt = stmt.where(Staff.manager_id == manager_id)
    return paginate(session, stmt, [Staff.name, Staff.id], limit=limit, cursor=cursor)


_SUPERVISORS = text("""
    WITH own AS (
        SELECT u.path FROM org_unit u WHERE u.tenant_id = :tenant AND u.id = :unit
    ), leads AS (
        SELECT s.id, nlevel(u.path) AS depth
          FROM staff s JOIN org_unit u ON u.tenant_id = s.tenant_id AND u.id = s.org_unit_id
         WHERE s.tenant_id = :tenant AND s.active AND s.id <> :staff
           AND s.roles && ARRAY['supervisor', 'manager']::varchar[]
           AND u.path @> (SELECT path FROM own)
    )
    SELECT id FROM leads WHERE depth = (SELECT max(depth) FROM leads)
    UNION
    SELECT m.id FROM staff m
     WHERE m.tenant_id = :tenant AND m.id = :manager AND m.active AND m.id <> :staff
""")


def supervisors_of(session: Session, staff: Staff) -> list[uuid.UUID]:
    """Who is told about a person: their manager, and the supervisors and managers of the
    nearest org unit up the tree (their own first) that has any."""
    rows = session.execute(
        _SUPERVISORS,
        {
            "tenant": staff.tenant_id,
            "unit": staff.org_unit_id,
            "staff": staff.id,
            "manager": staff.manager_id,
        },
    )
    return sorted(r[0] for r in rows)


def told_alike(staff: Staff) -> tuple[object, ...]:
    """People with the same key have the same ``supervisors_of``: a supervisor or manager
    is never told about themself, so their own answer differs from their team's."""
    is_lead = bool({"supervisor", "manager"} & set(staff.roles))
    return (staff.tenant_id, staff.org_unit_id, staff.manager_id, staff.id if is_lead else None)


def staff_by_keys(
    session: Session, keys: Collection[tuple[uuid.UUID, uuid.UUID]]
) -> Sequence[Staff]:
    """The staff of these (tenant, staff id) keys, by the primary key index: a row-value
    IN list of hundreds of keys is planned as a scan."""
    wanted = set(keys)
    ids = {staff_id for _, staff_id in wanted}
    tenants = {tenant_id for tenant_id, _ in wanted}
    found = session.scalars(
        select(Staff).where(Staff.tenant_id.in_(tenants), Staff.id.in_(ids))
    ).all()
    return [s for s in found if (s.tenant_id, s.id) in wanted]
