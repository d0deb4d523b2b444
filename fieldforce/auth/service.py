"""Sign-in (with a backoff on failed attempts) and turning a token into an Actor.

Failed sign-ins are counted per account and client address together: after
``login_free_failures`` that pair waits ``login_backoff_s``, doubling per further failure up
to ``login_backoff_cap_s`` (429 with Retry-After meanwhile), until a success clears it.
Nobody else is slowed by them: not the same account from another address, not another
account from the same address. The account is counted by its login name alone, however
the tenant was given and whether or not the login exists anywhere, so that the throttle
tells nobody which logins exist. Attempts of one pair are serialized by a transaction
lock, so that a burst of parallel guesses is counted like the same guesses in a row."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from fieldforce.auth.models import LoginAttempt
from fieldforce.auth.tokens import TokenClaims, issue_token
from fieldforce.db import lock_for_transaction
from fieldforce.errors import Invalid, RateLimited, Unauthorized
from fieldforce.org.models import Staff
from fieldforce.org.passwords import verify_password
from fieldforce.org.scope import Actor
from fieldforce.settings import Settings
from fieldforce.tenancy.models import Tenant

# A login given without its tenant is tried against at most this many tenants holding it.
MAX_TENANT_CANDIDATES = 5
_MAX_DOUBLINGS = 30  # keeps 2**n finite; the cap is reached long before


@dataclass(frozen=True)
class LoginRequest:
    username: str
    password: str
    tenant: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    ip: str | None = None

    @property
    def address(self) -> str | None:
        """The client address as stored and looked up (64 characters at most)."""
        return self.ip[:64] if self.ip else None


class SigningInDevice(Protocol):
    """A person's phone app, as the caller found it by its identifier and secret."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def revoked(self) -> bool: ...


# The person's phone app with this identifier (client_id), when the secret is its own
# (revoked or not), else None. Handed in by the caller: devices sit above auth.
AppDeviceCheck = Callable[[Session, Staff, str, str], SigningInDevice | None]


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


def login(
    session: Session, settings: Settings, req: LoginRequest, app_device: AppDeviceCheck
) -> IssuedToken:
    """Check the credentials, and the phone's with ``app_device`` when the request names
    one. Failed attempts are flushed before raising ``Unauthorized``; the caller must keep
    them (commit) even though the login failed."""
    now = datetime.now(UTC)
    ip = req.address
    slug, login_name = split_username(req.username, req.tenant)
    key = login_key(login_name)
    _begin_attempt(session, settings, key, ip, now)
    candidates = _candidates(session, slug, login_name)

    matches = _password_matches(candidates, req.password)
    if not matches:
        _record(session, key, ip, now, success=False)
        raise Unauthorized("wrong login or password", code="invalid_credentials").kept()
    if len(matches) > 1:
        raise _tenant_required()
    staff, tenant = matches[0]
    if not staff.active or not tenant.active:
        _record(session, key, ip, now, success=False)
        raise Unauthorized("this account is disabled", code="account_disabled").kept()
    device = _check_device(session, staff, req, app_device) if req.client_id else None
    _record(session, key, ip, now, success=True)
    staff.last_login_at = now
    return token_for(settings, staff, device_id=device.id if device else None, now=now)


def token_for(
    settings: Settings,
    staff: Staff,
    *,
    device_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> IssuedToken:
    """A token carrying the person's current token version (raised to end older ones)."""
    token, lifetime = issue_token(
        settings,
        tenant_id=staff.tenant_id,
        staff_id=staff.id,
        device_id=device_id,
        version=staff.token_version,
        now=now,
    )
    return IssuedToken(token, lifetime, staff.id, staff.tenant_id)


def _tenant_required() -> Invalid:
    return Invalid(
        "this login exists in several tenants: give the tenant (form field 'tenant', "
        "or 'tenant/login' as the username)",
        code="tenant_required",
    )


def _candidates(session: Session, slug: str | None, login_name: str) -> list[tuple[Staff, Tenant]]:
    """Who the login may name: one person when the tenant is given, else everyone holding
    that login (a few; more must give their tenant)."""
    stmt = (
        select(Staff, Tenant)
        .join(Tenant, Tenant.id == Staff.tenant_id)
        .where(Staff.login == login_name)
        .order_by(Tenant.slug)
    )
    if slug is not None:
        stmt = stmt.where(Tenant.slug == slug)
    rows = [(r[0], r[1]) for r in session.execute(stmt.limit(MAX_TENANT_CANDIDATES + 1))]
    if len(rows) > MAX_TENANT_CANDIDATES:
        raise _tenant_required()
    return rows


def _password_matches(
    candidates: list[tuple[Staff, Tenant]], password: str
) -> list[tuple[Staff, Tenant]]:
    """The candidates whose password this is. With none, a dummy hash is verified so that
    an unknown login takes as long as a known one."""
    if not candidates:
        verify_password(password, None)
        return []
    return [(s, t) for s, t in candidates if verify_password(password, s.password_hash)]


def login_key(login_name: str) -> str:
    """The throttling key of an account: its login name, whichever tenant was named."""
    return f"login:{login_name}"[:200]


def verify_own_password(
    session: Session, settings: Settings, staff: Staff, password: str, ip: str | None
) -> None:
    """A signed-in person confirming their password (to change it) is throttled like a
    sign-in, so that a stolen token cannot be turned into the password by guessing.
    A failed attempt is recorded and its ``Unauthorized`` kept (committed, then 401)."""
    now = datetime.now(UTC)
    key, address = login_key(staff.login), ip[:64] if ip else None
    _begin_attempt(session, settings, key, address, now)
    ok = verify_password(password, staff.password_hash)
    _record(session, key, address, now, success=ok)
    if not ok:
        raise Unauthorized("the current password is wrong", code="invalid_credentials").kept()


def _check_device(
    session: Session, staff: Staff, req: LoginRequest, app_device: AppDeviceCheck
) -> SigningInDevice:
    device = app_device(session, staff, req.client_id or "", req.client_secret or "")
    if device is None:
        _record(session, f"device/{staff.id}", req.address, datetime.now(UTC), success=False)
        raise Unauthorized("unknown device or wrong device secret", code="invalid_client").kept()
    if device.revoked:
        raise Unauthorized("this device has been revoked", code="device_revoked")
    return device


def _record(session: Session, key: str, ip: str | None, now: datetime, *, success: bool) -> None:
    session.add(LoginAttempt(login_key=key, ip=ip, success=success, at=now))
    session.flush()


def _begin_attempt(
    session: Session, settings: Settings, key: str, ip: str | None, now: datetime
) -> None:
    """Take the pair's lock until the transaction ends, then refuse while it must wait."""
    lock_for_transaction(session, f"{key}|{ip or ''}")
    wait = _pair_wait(session, settings, key, ip, now)
    if wait > 0:
        raise RateLimited(
            "too many failed sign-ins for this account from here; wait before trying again",
            retry_after_s=math.ceil(wait),
        )


def _pair_wait(
    session: Session, settings: Settings, key: str, ip: str | None, now: datetime
) -> float:
    """Seconds this (account, address) pair must still wait: nothing for the first few
    failures since its last success, then a delay doubling per failure up to the cap."""
    pair = (LoginAttempt.login_key == key) & LoginAttempt.ip.is_not_distinct_from(ip)
    since = now - timedelta(hours=settings.login_memory_hours)
    last_success = (
        select(func.max(LoginAttempt.at))
        .where(pair, LoginAttempt.success.is_(True), LoginAttempt.at > since)
        .scalar_subquery()
    )
    failures, last_failure = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            pair,
            LoginAttempt.success.is_(False),
            LoginAttempt.at > func.coalesce(last_success, since),
        )
    ).one()
    if failures < settings.login_free_failures:
        return 0.0
    doublings = min(failures - settings.login_free_failures, _MAX_DOUBLINGS)
    delay = min(settings.login_backoff_cap_s, settings.login_backoff_s * 2**doublings)
    return (last_failure + timedelta(seconds=delay) - now).total_seconds()


# Every authenticated request runs this: plain columns, one round trip, device included.
_ACTOR = text("""
    SELECT s.active AND t.active AS active, s.roles, s.org_unit_id, u.path::text AS path,
           t.modules, t.settings, s.token_version,
           d.id IS NOT NULL AND d.revoked_at IS NULL AS device_ok
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
    *,
    token_version: int | None = None,
) -> Actor:
    """The Actor for an active staff member of an active tenant, using an unrevoked device
    of theirs when ``device_id`` is given. A token's ``token_version`` must be the person's
    current one: a password change, a reset, a deactivation or "sign out everywhere"
    raised it, ending every token issued before."""
    row = (
        session.connection()
        .execute(_ACTOR, {"tenant": tenant_id, "staff": staff_id, "device": device_id})
        .one_or_none()
    )
    if row is None:
        raise Unauthorized("the access token names no account", code="invalid_token")
    if not row.active:
        raise Unauthorized("this account is disabled", code="account_disabled")
    if token_version is not None and token_version != row.token_version:
        raise Unauthorized(
            "this token was ended by a password change or a sign-out everywhere: sign in again",
            code="token_revoked",
        )
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
    return actor_for(
        session,
        claims.tenant_id,
        claims.staff_id,
        claims.device_id,
        token_version=claims.version,
    )
