"""Registering phones and tracker apps, their credentials and push tokens."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.auth.passwords import hash_password, verify_password
from fieldforce.auth.scope import Actor
from fieldforce.devices.models import TRACKER_PROTOCOLS, Device
from fieldforce.errors import Forbidden, Invalid, NotFound, Unauthorized
from fieldforce.org.models import Staff
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.models import Module, Tenant


@dataclass
class IssuedDevice:
    device: Device
    secret: str  # shown once, never stored in clear


def _new_identifier() -> str:
    # 20 random bytes in lower-case hex: typed by hand into tracker apps, so no symbols
    return secrets.token_hex(20)


def _new_secret() -> str:
    return secrets.token_urlsafe(24)


def register_device(
    session: Session,
    actor: Actor,
    *,
    staff_id: uuid.UUID,
    platform: str,
    protocol: str,
    name: str | None = None,
) -> IssuedDevice:
    staff = actor.visible_staff(session, staff_id)
    if staff.id != actor.staff_id:
        actor.require_can_manage_staff(session, staff)
    if protocol in TRACKER_PROTOCOLS:
        actor.require_module(Module.TRACKING.value)
    if not staff.active:
        raise Invalid("devices cannot be registered for inactive staff", code="inactive_staff")
    secret = _new_secret()
    device = Device(
        tenant_id=actor.tenant_id,
        staff_id=staff.id,
        platform=platform,
        protocol=protocol,
        name=name,
        identifier=_new_identifier(),
        secret_hash=hash_password(secret),
    )
    session.add(device)
    session.flush()
    audit.record_by(
        session,
        actor,
        "device.register",
        "device",
        device.id,
        {"staff_id": staff.id, "platform": platform, "protocol": protocol},
    )
    return IssuedDevice(device, secret)


def visible_device(session: Session, actor: Actor, device_id: uuid.UUID) -> Device:
    device = session.scalar(
        select(Device)
        .join(Staff, (Staff.tenant_id == Device.tenant_id) & (Staff.id == Device.staff_id))
        .where(Device.tenant_id == actor.tenant_id, Device.id == device_id, actor.staff_clause())
    )
    if device is None:
        raise NotFound("no such device", details={"device_id": str(device_id)})
    return device


def _manageable_device(session: Session, actor: Actor, device_id: uuid.UUID) -> Device:
    device = visible_device(session, actor, device_id)
    if device.staff_id != actor.staff_id:
        owner = actor.visible_staff(session, device.staff_id)
        actor.require_can_manage_staff(session, owner)
    return device


def revoke_device(session: Session, actor: Actor, device_id: uuid.UUID) -> Device:
    device = _manageable_device(session, actor, device_id)
    if device.revoked_at is None:
        device.revoked_at = datetime.now(UTC)
        device.fcm_token = None
        session.flush()
        audit.record_by(session, actor, "device.revoke", "device", device.id)
    return device


def rotate_secret(session: Session, actor: Actor, device_id: uuid.UUID) -> IssuedDevice:
    device = _manageable_device(session, actor, device_id)
    if device.revoked:
        raise Invalid("a revoked device cannot get a new secret", code="device_revoked")
    secret = _new_secret()
    device.secret_hash = hash_password(secret)
    session.flush()
    audit.record_by(session, actor, "device.rotate_secret", "device", device.id)
    return IssuedDevice(device, secret)


def set_fcm_token(
    session: Session, actor: Actor, device_id: uuid.UUID, token: str | None
) -> Device:
    """Only the phone's own user registers its push token."""
    device = visible_device(session, actor, device_id)
    if device.staff_id != actor.staff_id:
        raise Forbidden("only the device's own user may register its push token")
    if device.revoked:
        raise Invalid("this device has been revoked", code="device_revoked")
    device.fcm_token = token
    device.fcm_token_updated_at = datetime.now(UTC)
    session.flush()
    return device


def list_devices(
    session: Session,
    actor: Actor,
    *,
    staff_id: uuid.UUID | None = None,
    include_revoked: bool = False,
    limit: int,
    cursor: str | None,
) -> Page[Device]:
    stmt = (
        select(Device)
        .join(Staff, (Staff.tenant_id == Device.tenant_id) & (Staff.id == Device.staff_id))
        .where(Device.tenant_id == actor.tenant_id, actor.staff_clause())
    )
    if staff_id is not None:
        stmt = stmt.where(Device.staff_id == staff_id)
    if not include_revoked:
        stmt = stmt.where(Device.revoked_at.is_(None))
    return paginate(session, stmt, [Device.created_at, Device.id], limit=limit, cursor=cursor)


def authenticate_tracker(session: Session, identifier: str, secret: str | None) -> Device:
    """Tracker apps present the issued identifier (OsmAnd) or identifier and secret
    (OwnTracks). Revoked devices and inactive staff are refused."""
    rows = list(session.scalars(select(Device).where(Device.identifier == identifier).limit(2)))
    if len(rows) != 1:
        raise Unauthorized("unknown device", code="unknown_device")
    device = rows[0]
    if secret is not None and not verify_password(secret, device.secret_hash):
        raise Unauthorized("wrong device secret", code="invalid_client")
    if device.revoked:
        raise Unauthorized("this device has been revoked", code="device_revoked")
    owner_active = session.scalar(
        select(Staff.active & Tenant.active)
        .join(Tenant, Tenant.id == Staff.tenant_id)
        .where(Staff.tenant_id == device.tenant_id, Staff.id == device.staff_id)
    )
    if not owner_active:
        raise Unauthorized("this device's user is disabled", code="account_disabled")
    return device
