from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import ActorDep, CursorQ, LimitQ, SessionDep, SettingsDep
from api.schemas.common import Page
from api.schemas.misc import AuditOut
from api.schemas.tenancy import SmsGatewayOut, SmsTest, SmsTestOut, TenantOut
from api.schemas.tenancy import TenantPatch as TenantPatchBody
from fieldforce import flows
from fieldforce.audit import service as audit
from fieldforce.notify import sms
from fieldforce.notify.sms import SmsGateway
from fieldforce.notify.sms_sender import send_test
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
    tenant = flows.update_tenant(
        session,
        actor,
        name=body.name,
        timezone=body.timezone,
        settings=body.settings,
        modules=[m.value for m in body.modules] if body.modules is not None else None,
    )
    return _out(tenant)


@router.get("/tenant/sms-gateway", response_model=SmsGatewayOut)
def get_sms_gateway(actor: ActorDep, session: SessionDep) -> SmsGatewayOut:
    """Admins only. The SMS gateway used when a recipient cannot take a push; the auth
    value is never shown, only whether one is set."""
    return SmsGatewayOut.of(sms.get_gateway(session, actor))


@router.put("/tenant/sms-gateway", response_model=SmsGatewayOut)
def put_sms_gateway(
    body: SmsGateway, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> SmsGatewayOut:
    """Admins only. Replaces the SMS gateway settings; leave `auth_value` out to keep the
    stored one, send `null` to remove it. Loopback, private, link-local and metadata
    addresses are refused (422 `destination_refused`) unless the operator allows them."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    gateway = sms.set_gateway(session, actor, changes, settings.outbound_policy)
    return SmsGatewayOut.of(gateway)


@router.delete("/tenant/sms-gateway", status_code=204)
def delete_sms_gateway(actor: ActorDep, session: SessionDep) -> None:
    """Admins only. No more SMS; messages already queued fail with the reason."""
    sms.remove_gateway(session, actor)


@router.post("/tenant/sms-gateway/test", response_model=SmsTestOut)
def test_sms_gateway(
    body: SmsTest, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> SmsTestOut:
    """Admins only. Sends one message now through the stored gateway and tells what the
    gateway answered: its status and the start of its answer. Nothing is queued or
    retried."""
    gateway = sms.get_gateway(session, actor)
    phone = sms.dial_string(body.phone)
    answer = send_test(gateway, phone, body.text, settings.outbound_policy)
    audit.record_by(
        session,
        actor,
        "tenant.sms_gateway.test",
        "tenant",
        actor.tenant_id,
        {"phone": body.phone, "sent": answer.sent, "status": answer.status},
    )
    return SmsTestOut(sent=answer.sent, status=answer.status, detail=answer.detail)


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
