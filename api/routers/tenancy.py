from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import ActorDep, CursorQ, LimitQ, SessionDep
from api.schemas.common import Page
from api.schemas.misc import AuditOut
from api.schemas.tenancy import TenantOut
from api.schemas.tenancy import TenantPatch as TenantPatchBody
from fieldforce.audit import service as audit
from fieldforce.tenancy import service as tenancy

router = APIRouter(prefix="/api/v1", tags=["tenant"])


def _out(tenant: object) -> TenantOut:
    # the stored settings hold only overrides; validation fills in the defaults
    return TenantOut.model_validate(tenant)


@router.get("/tenant", response_model=TenantOut)
def get_tenant(actor: ActorDep, session: SessionDep) -> TenantOut:
    """The caller's tenant: time zone, enabled modules and effective settings."""
    return _out(tenancy.get_tenant(session, actor.tenant_id))


@router.patch("/tenant", response_model=TenantOut)
def update_tenant(body: TenantPatchBody, actor: ActorDep, session: SessionDep) -> TenantOut:
    """Admins only. `settings` is merged into the current settings and validated."""
    tenant = tenancy.update_tenant(
        session,
        actor,
        name=body.name,
        timezone=body.timezone,
        settings=body.settings,
        modules=[m.value for m in body.modules] if body.modules is not None else None,
    )
    return _out(tenant)


@router.get("/audit", response_model=Page[AuditOut])
def list_audit(
    actor: ActorDep,
    session: SessionDep,
    entity_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> object:
    """The tenant's audit trail, newest first (admins only)."""
    actor.require_admin()
    return audit.list_entries(
        session,
        actor.tenant_id,
        entity_id=entity_id,
        actor_id=actor_id,
        limit=limit,
        cursor=cursor,
    )
