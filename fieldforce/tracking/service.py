"""Who uploads (a signed-in phone, or a tracker app known by its device) and what tracker
apps report besides fixes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from fieldforce.devices.models import Device
from fieldforce.errors import ModuleDisabled
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Module, TenantSettings
from fieldforce.tenancy.service import get_tenant
from fieldforce.tracking.ingest import Uploader
from fieldforce.tracking.models import DeviceReport


def uploader_for_actor(actor: Actor) -> Uploader:
    actor.require_module(Module.TRACKING.value)
    settings = TenantSettings.model_validate(actor.tenant_settings)
    return Uploader(actor.tenant_id, actor.staff_id, actor.device_id, settings)


def uploader_for_device(session: Session, device: Device) -> Uploader:
    tenant = get_tenant(session, device.tenant_id)
    if Module.TRACKING.value not in tenant.modules:
        raise ModuleDisabled(Module.TRACKING.value)
    return Uploader(device.tenant_id, device.staff_id, device.id, tenant.effective_settings)


def record_device_report(
    session: Session, device: Device, kind: str, payload: dict[str, Any]
) -> None:
    session.add(
        DeviceReport(
            tenant_id=device.tenant_id,
            device_id=device.id,
            staff_id=device.staff_id,
            kind=kind[:32],
            payload=payload,
        )
    )
    session.flush()
