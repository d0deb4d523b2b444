"""Registering phones and tracker apps, their credentials and push tokens."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.auth.models import LoginAttempt
from fieldforce.db import lock_for_transaction
from fieldforce.devices.models import (
    TRACKER_PROTOCOLS,
    Device,
    Protocol,
    fingerprint_of,
    hash_identifier,
)
from fieldforce.errors import Forbidden, Invalid, NotFound, RateLimited, Unauthorized
from fieldforce.logs import get_logger
from fieldforce.org.models import Staff
from fieldforce.org.passwords import hash_password, verify_password
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.settings import Settings
from fieldforce.tenancy.models import Module, Tenant

log = get_logger("fieldforce.devices")


@dataclass
class IssuedDevice:
    device: Device
    identifier: str  # shown once: only its hash is stored
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
    device = Device(
        tenant_id=actor.tenant_id,
        staff_id=staff.id,
        platform=platform,
        protocol=protocol,
        name=name,
    )
    issued = _issue_credentials(device)
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
    return issued


def _issue_credentials(device: Device) -> IssuedDevice:
    identifier, secret = _new_identifier(), _new_secret()
    device.identifier = identifier
    device.secret_hash = hash_password(secret)
    return IssuedDevice(device, identifier, secret)


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


def rotate_credentials(session: Session, actor: Actor, device_id: uuid.UUID) -> IssuedDevice:
    """A new identifier and secret, shown once; the old ones stop working at once."""
    device = _manageable_device(session, actor, device_id)
    if device.revoked:
        raise Invalid("a revoked device cannot get new credentials", code="device_revoked")
    issued = _issue_credentials(device)
    session.flush()
    _verified.forget(device.id)
    audit.record_by(session, actor, "device.rotate_secret", "device", device.id)
    return issued


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


# Tracker apps ---------------------------------------------------------------------------
#
# The identifier is the OsmAnd protocol's only credential, and the OwnTracks user name
# (with the secret as password). Every refusal answers the same to the app; why it was
# refused goes to the log, by device id and fingerprint, never the identifier itself.


@dataclass(frozen=True)
class TrackerLogin:
    identifier: str
    secret: str
    ip: str | None


THROTTLE_PREFIX = "owntracks/"
UNKNOWN_KEY = THROTTLE_PREFIX + "unknown"


class VerifiedSecrets:
    """Secrets verified in the last ``ttl_s`` seconds, one per device, so that an app that
    sends its secret with every upload pays argon2 about once a minute. An entry matches
    only the stored hash it was verified against: a rotation in any process ends it."""

    def __init__(self, ttl_s: float = 60.0, max_entries: int = 50_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[uuid.UUID, tuple[str, str, float]] = {}
        self._lock = threading.Lock()

    def holds(self, device: Device, secret: str) -> bool:
        with self._lock:
            entry = self._entries.get(device.id)
        if entry is None or entry[2] < time.monotonic():
            return False
        stored_hash, digest, _ = entry
        return stored_hash == device.secret_hash and hmac.compare_digest(digest, _digest(secret))

    def remember(self, device: Device, secret: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries = {k: e for k, e in self._entries.items() if e[2] >= now}
            if len(self._entries) < self.max_entries:
                self._entries[device.id] = (device.secret_hash, _digest(secret), now + self.ttl_s)

    def forget(self, device_id: uuid.UUID) -> None:
        with self._lock:
            self._entries.pop(device_id, None)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_verified = VerifiedSecrets()


def app_device(session: Session, staff: Staff, identifier: str, secret: str) -> Device | None:
    """The person's phone app signing in with them: the one with this identifier, when the
    secret is its own (revoked or not); ``None`` for anything else."""
    device = session.scalar(
        select(Device).where(
            Device.tenant_id == staff.tenant_id,
            Device.identified_by(identifier),
            Device.staff_id == staff.id,
            Device.protocol == Protocol.APP.value,  # tracker apps have no tokens
        )
    )
    if device is None or not verify_password(secret, device.secret_hash):
        return None
    return device


def authenticate_osmand(session: Session, identifier: str) -> Device:
    """An OsmAnd device by its identifier; ``Unauthorized`` for anything else."""
    device = _device_by_identifier(session, identifier)
    reason = _refusal(session, device, Protocol.OSMAND)
    if reason is not None:
        _log_refusal(Protocol.OSMAND, identifier, device, reason)
        raise Unauthorized("unknown device", code="unknown_device")
    assert device is not None
    return device


def authenticate_owntracks(session: Session, settings: Settings, login: TrackerLogin) -> Device:
    """An OwnTracks device by its identifier and secret. Refusals are recorded (their
    errors are kept, so the request commits the record) and slow further guesses from the
    same address down; a secret verified in the last minute is not verified again."""
    device = _device_by_identifier(session, login.identifier)
    if device is not None and _verified.holds(device, login.secret):
        reason = _refusal(session, device, Protocol.OWNTRACKS)
    else:
        key, free = _throttle_for(settings, device, login.identifier)
        lock_for_transaction(session, f"{key}|{login.ip or ''}")
        _check_backoff(session, settings, key, login.ip, free)
        ok = verify_password(login.secret, device.secret_hash if device else None)
        wrong_secret = device is not None and not ok
        reason = "wrong_secret" if wrong_secret else _refusal(session, device, Protocol.OWNTRACKS)
        if reason is None and device is not None:
            _verified.remember(device, login.secret)
        elif reason is not None:
            session.add(LoginAttempt(login_key=key, ip=login.ip, success=False))
            session.flush()
    if reason is not None:
        _log_refusal(Protocol.OWNTRACKS, login.identifier, device, reason)
        # kept: the failed attempt recorded above slows the next guesses down
        raise Unauthorized("wrong device identifier or secret", code="invalid_client").kept()
    assert device is not None
    return device


def _device_by_identifier(session: Session, identifier: str) -> Device | None:
    rows = list(session.scalars(select(Device).where(Device.identified_by(identifier)).limit(2)))
    return rows[0] if len(rows) == 1 else None


def _refusal(session: Session, device: Device | None, protocol: Protocol) -> str | None:
    """Why this device may not report through ``protocol``, or None."""
    if device is None:
        return "unknown"
    if device.protocol != protocol.value:
        return "wrong_protocol"
    if device.revoked:
        return "revoked"
    owner_active = session.scalar(
        select(Staff.active & Tenant.active)
        .join(Tenant, Tenant.id == Staff.tenant_id)
        .where(Staff.tenant_id == device.tenant_id, Staff.id == device.staff_id)
    )
    return None if owner_active else "account_disabled"


def _log_refusal(protocol: Protocol, identifier: str, device: Device | None, reason: str) -> None:
    log.info(
        "tracker_refused",
        protocol=protocol.value,
        reason=reason,
        device_id=str(device.id) if device else None,
        fingerprint=device.fingerprint if device else fingerprint_of(identifier),
    )


def _throttle_for(settings: Settings, device: Device | None, identifier: str) -> tuple[str, int]:
    """The throttling key and free failures: a known device's own per address, so that no
    one elsewhere can slow a phone down; identifiers that name no device share one per
    address (they are random, so only someone guessing presents them), which therefore
    never slows a real phone behind the same address."""
    if device is None:
        return UNKNOWN_KEY, settings.tracker_auth_free_failures_per_ip
    return THROTTLE_PREFIX + hash_identifier(identifier), settings.tracker_auth_free_failures


def _check_backoff(
    session: Session, settings: Settings, key: str, ip: str | None, free: int
) -> None:
    """429 while the last failure of this key from this address is younger than the
    backoff its failure count has earned."""
    since = func.now() - timedelta(seconds=settings.tracker_auth_window_s)
    same_ip = LoginAttempt.ip == ip if ip else LoginAttempt.ip.is_(None)
    count, last, db_now = session.execute(
        select(func.count(), func.max(LoginAttempt.at), func.now()).where(
            same_ip,
            LoginAttempt.login_key == key,
            LoginAttempt.success.is_(False),
            LoginAttempt.at > since,
        )
    ).one()
    if count < free:
        return
    backoff = min(2.0 ** (count - free), settings.tracker_auth_window_s)
    wait = (last - db_now).total_seconds() + backoff
    if wait > 0:
        raise RateLimited(
            "too many failed attempts for this device; try again later",
            retry_after_s=math.ceil(wait),
        )
