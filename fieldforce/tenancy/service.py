"""Creating tenants (bootstrap) and changing their time zone, settings and modules."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.errors import Invalid, NotFound
from fieldforce.org.models import OrgUnit, Role, Staff, UnitKind, path_label
from fieldforce.org.passwords import check_password_strength, hash_password
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import ALL_MODULES, Tenant, TenantSettings


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63]
    return slug or "tenant"


# files of the zone database that name no place: the server's own zone (its time would
# change with the machine), tzdata's "Factory" placeholder and the POSIX default rules
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})


def check_timezone(name: str) -> str:
    """The one check of every time zone taken (tenants, schedules, bootstrap)."""
    if name not in _timezones():
        raise Invalid(f"unknown time zone '{name}'", code="invalid_timezone")
    return name


@cache
def _timezones() -> frozenset[str]:
    return frozenset(
        name
        for name in available_timezones()
        if name not in _NOT_PLACES and not name.startswith(("posix/", "right/"))
    )


def check_modules(modules: list[str]) -> list[str]:
    unknown = sorted(set(modules) - set(ALL_MODULES))
    if unknown:
        raise Invalid(
            f"unknown modules: {', '.join(unknown)}",
            code="invalid_modules",
            details={"allowed": ALL_MODULES},
        )
    return sorted(set(modules), key=ALL_MODULES.index)


def get_tenant(session: Session, tenant_id: uuid.UUID) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("no such tenant")
    return tenant


@dataclass
class BootstrapResult:
    tenant: Tenant
    admin: Staff
    created_tenant: bool
    created_admin: bool


def bootstrap(
    session: Session,
    *,
    tenant_name: str,
    admin_login: str,
    admin_password: str,
    timezone: str = "UTC",
    admin_name: str | None = None,
) -> BootstrapResult:
    """Create (or find) a tenant with a root org unit and an admin. Running it again with
    the same arguments changes nothing but the admin's password, which it sets."""
    check_password_strength(admin_password)
    check_timezone(timezone)
    login = admin_login.strip().lower()
    tenant = session.scalar(select(Tenant).where(Tenant.name == tenant_name))
    created_tenant = tenant is None
    if tenant is None:
        tenant = Tenant(
            name=tenant_name,
            slug=_free_slug(session, slugify(tenant_name)),
            timezone=timezone,
            settings={},
            modules=list(ALL_MODULES),
            active=True,
        )
        session.add(tenant)
        session.flush()
        root_id = uuid.uuid4()
        session.add(
            OrgUnit(
                tenant_id=tenant.id,
                id=root_id,
                parent_id=None,
                name=tenant_name,
                kind=UnitKind.GROUP.value,
                path=path_label(root_id),
            )
        )
        session.flush()
        audit.record(
            session,
            tenant_id=tenant.id,
            actor_id=None,
            action="tenant.create",
            entity="tenant",
            entity_id=tenant.id,
            changes={"name": tenant_name},
        )
    root = session.scalar(
        select(OrgUnit).where(OrgUnit.tenant_id == tenant.id, OrgUnit.parent_id.is_(None))
    )
    assert root is not None
    admin = session.scalar(select(Staff).where(Staff.tenant_id == tenant.id, Staff.login == login))
    created_admin = admin is None
    if admin is None:
        admin = Staff(
            tenant_id=tenant.id,
            login=login,
            name=admin_name or login,
            org_unit_id=root.id,
            roles=[Role.ADMIN.value],
            active=True,
            password_hash=hash_password(admin_password),
        )
        session.add(admin)
        session.flush()
        audit.record(
            session,
            tenant_id=tenant.id,
            actor_id=None,
            action="staff.create",
            entity="staff",
            entity_id=admin.id,
            changes={"login": login, "via": "bootstrap"},
        )
    else:
        admin.password_hash = hash_password(admin_password)
        admin.active = True
        if Role.ADMIN.value not in admin.roles:
            admin.roles = [*admin.roles, Role.ADMIN.value]
        session.flush()
    return BootstrapResult(tenant, admin, created_tenant, created_admin)


def _free_slug(session: Session, base: str) -> str:
    slug, n = base, 1
    while session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        n += 1
        slug = f"{base[:58]}-{n}"
    return slug


def update_tenant(
    session: Session,
    actor: Actor,
    *,
    name: str | None = None,
    timezone: str | None = None,
    settings: dict[str, Any] | None = None,
    modules: list[str] | None = None,
) -> Tenant:
    actor.require_admin()
    tenant = get_tenant(session, actor.tenant_id)
    changes: dict[str, Any] = {}
    if name is not None and name != tenant.name:
        tenant.name = name
        changes["name"] = name
    if timezone is not None and timezone != tenant.timezone:
        tenant.timezone = check_timezone(timezone)
        changes["timezone"] = timezone
    if settings:
        try:
            merged = tenant.effective_settings.merged(settings)
        except ValidationError as exc:
            raise Invalid.from_validation(
                "invalid tenant settings", "invalid_settings", exc
            ) from exc
        tenant.settings = merged.model_dump(exclude_defaults=True, mode="json")
        changes["settings"] = settings
    if modules is not None:
        tenant.modules = check_modules(modules)
        changes["modules"] = tenant.modules
    session.flush()
    if changes:
        audit.record_by(session, actor, "tenant.update", "tenant", tenant.id, changes)
    return tenant


__all__ = ["TenantSettings", "bootstrap", "get_tenant", "update_tenant"]
