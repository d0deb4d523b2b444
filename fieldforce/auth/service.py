"""Login (with throttling of failed attempts) and turning a token into an Actor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from fieldforce.auth.models import LoginAttempt
from fieldforce.auth.passwords import verify_password
from fieldforce.auth.scope import Actor
from fieldforce.auth.tokens import TokenClaims, issue_token
from fieldforce.devices.models import Device
from fieldforce.errors import Invalid, RateLimited, Unauthorized
from fieldforce.org.models import Staff
from fieldforce.settings import Settings
from fieldforce.tenancy.models import Tenant


@dataclass(frozen=True)
class LoginRequest:
    username: str
    password: str
    tenant: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    ip: str | None = None


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    staff_id: uuid.UUID
    tenant_id: uuid.UUID


def split_username(username: str, tenant: str | None) -> tuple[str | None, str]:
    """``tenant-slug/login`` is accepted when no separate tenant is given."""
    login = username.strip().lower()
    if tenant:
        return tenant.strip().lower(), login
    if "/" in login:
        slug, _, rest = login.partition("/")
        return slug, rest
    return None, login


def login(session: Session, settings: Settings, req: LoginRequest) -> IssuedToken:
    """Check the credentials. Failed attempts are flushed before raising ``Unauthorized``;
    the caller must keep them (commit) even though the login failed."""
    now = datetime.now(UTC)
    slug, login_name = split_username(req.username, req.tenant)
    key = f"{slug or '*'}/{login_name}"
    _check_throttle(session, settings, key, req.ip, now)

    staff, tenant = _find_staff(session, slug, login_name)
    ok = verify_password(req.password, staff.password_hash if staff else None)
    if not ok or staff is None or tenant is None:
        _record(session, key, req.ip, success=False)
        raise Unauthorized("wrong login or password", code="invalid_credentials")
    if not staff.active or not tenant.active:
        _record(session, key, req.ip, success=False)
        raise Unauthorized("this account is disabled", code="account_disabled")
    device = _check_device(session, staff, req) if req.client_id else None
    _record(session, key, req.ip, success=True)
    staff.last_login_at = now
    token, lifetime = issue_token(
        settings,
        tenant_id=tenant.id,
        staff_id=staff.id,
        device_id=device.id if device else None,
        now=now,
    )
    return IssuedToken(token, lifetime, staff.id, tenant.id)


def _find_staff(
    session: Session, slug: str | None, login_name: str
) -> tuple[Staff | None, Tenant | None]:
    stmt = (
        select(Staff, Tenant)
        .join(Tenant, Tenant.id == Staff.tenant_id)
        .where(Staff.login == login_name)
    )
    if slug is not None:
        stmt = stmt.where(Tenant.slug == slug)
    rows = session.execute(stmt.limit(2)).all()
    if len(rows) > 1:
        raise Invalid(
            "this login exists in several tenants: give the tenant (form field 'tenant', "
            "or 'tenant/login' as the username)",
            code="tenant_required",
        )
    if not rows:
        return None, None
    return rows[0][0], rows[0][1]


def _check_device(session: Session, staff: Staff, req: LoginRequest) -> Device:
    device = session.scalar(
        select(Device).where(
            Device.tenant_id == staff.tenant_id,
            Device.identified_by(req.client_id or ""),
            Device.staff_id == staff.id,
        )
    )
    if device is None or not verify_password(req.client_secret or "", device.secret_hash):
        _record(session, f"device/{staff.id}", req.ip, success=False)
        raise Unauthorized("unknown device or wrong device secret", code="invalid_client")
    if device.revoked:
        raise Unauthorized("this device has been revoked", code="device_revoked")
    return device


def _record(session: Session, key: str, ip: str | None, *, success: bool) -> None:
    session.add(LoginAttempt(login_key=key, ip=ip, success=success))
    session.flush()


def _check_throttle(
    session: Session, settings: Settings, key: str, ip: str | None, now: datetime
) -> None:
    window = timedelta(minutes=settings.login_window_minutes)
    since = now - window
    last_ok = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.login_key == key, LoginAttempt.success.is_(True)
        )
    )
    key_since = max(since, last_ok) if last_ok else since
    checks = [(LoginAttempt.login_key == key, key_since, settings.login_max_failures_per_login)]
    if ip:
        checks.append((LoginAttempt.ip == ip, since, settings.login_max_failures_per_ip))
    for condition, start, limit in checks:
        count, oldest = session.execute(
            select(func.count(), func.min(LoginAttempt.at)).where(
                condition, LoginAttempt.success.is_(False), LoginAttempt.at > start
            )
        ).one()
        if count >= limit:
            retry = max(1, int((oldest + window - now).total_seconds()) + 1)
            raise RateLimited("too many failed logins; try again later", retry_after_s=retry)


# Every authenticated request runs this: plain columns, one round trip, device included.
_ACTOR = text("""
    SELECT s.active AND t.active AS active, s.roles, s.org_unit_id, u.path::text AS path,
           t.modules, t.settings, d.id IS NOT NULL AND d.revoked_at IS NULL AS device_ok
      FROM staff s
      JOIN tenant t ON t.id = s.tenant_id
      JOIN org_unit u ON u.tenant_id = s.tenant_id AND u.id = s.org_unit_id
      LEFT JOIN device d ON d.tenant_id = s.tenant_id AND d.id = :device AND d.staff_id = s.id
     WHERE s.tenant_id = :tenant AND s.id = :staff
""")


def actor_for(
    session: Session,
    tenant_id: uuid.UUID,
    staff_id: uuid.UUID,
    device_id: uuid.UUID | None = None,
) -> Actor:
    """The Actor for an active staff member of an active tenant, using an unrevoked device
    of theirs when ``device_id`` is given."""
    row = (
        session.connection()
        .execute(_ACTOR, {"tenant": tenant_id, "staff": staff_id, "device": device_id})
        .one_or_none()
    )
    if row is None:
        raise Unauthorized("the access token names no account", code="invalid_token")
    if not row.active:
        raise Unauthorized("this account is disabled", code="account_disabled")
    if device_id is not None and not row.device_ok:
        raise Unauthorized("this device has been revoked", code="device_revoked")
    return Actor(
        tenant_id=tenant_id,
        staff_id=staff_id,
        roles=frozenset(row.roles),
        org_unit_id=row.org_unit_id,
        unit_path=row.path,
        modules=frozenset(row.modules),
        device_id=device_id,
        tenant_settings=row.settings or {},
    )


def load_actor(session: Session, claims: TokenClaims) -> Actor:
    return actor_for(session, claims.tenant_id, claims.staff_id, claims.device_id)
