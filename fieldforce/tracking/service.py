"""Who uploads (a signed-in phone, or a tracker app known by its device) and what tracker
apps report besides fixes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
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
    return Uploader(actor.tenant_id, actor.staff_id, actor.device_id, _settings_of(actor))


# Every uploader of a tenant carries the tenant's settings as stored (a few keys): equal
# settings are validated once a process, not on every upload.
_validated: dict[uuid.UUID, tuple[Mapping[str, Any], TenantSettings]] = {}


def _settings_of(actor: Actor) -> TenantSettings:
    kept = _validated.get(actor.tenant_id)
    if kept is not None and kept[0] == actor.tenant_settings:
        return kept[1]
    settings = TenantSettings.model_validate(actor.tenant_settings)
    _validated[actor.tenant_id] = (actor.tenant_settings, settings)
    return settings


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
