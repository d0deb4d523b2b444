"""Access tokens: signed JWTs naming the tenant, the staff member and optionally the device."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from fieldforce.auth.keys import SigningKey, signing_keys
from fieldforce.errors import Unauthorized
from fieldforce.settings import Settings

AUDIENCE = "fieldforce"


@dataclass(frozen=True)
class TokenClaims:
    tenant_id: uuid.UUID
    staff_id: uuid.UUID
    device_id: uuid.UUID | None
    expires_at: datetime
    version: int = 0  # the person's token_version when it was issued


def issue_token(
    settings: Settings,
    *,
    tenant_id: uuid.UUID,
    staff_id: uuid.UUID,
    device_id: uuid.UUID | None = None,
    version: int = 0,
    now: datetime | None = None,
) -> tuple[str, int]:
    """Returns the token and its lifetime in seconds."""
    issued = now or datetime.now(UTC)
    lifetime = timedelta(minutes=settings.access_token_minutes)
    claims: dict[str, object] = {
        "sub": str(staff_id),
        "tid": str(tenant_id),
        "aud": AUDIENCE,
        "iat": issued,
        "exp": issued + lifetime,
        "jti": uuid.uuid4().hex,
        "ver": version,
    }
    if device_id is not None:
        claims["did"] = str(device_id)
    key = signing_keys(settings).current
    token = jwt.encode(
        claims, key.secret, algorithm=settings.jwt_algorithm, headers={"kid": key.kid}
    )
    return token, int(lifetime.total_seconds())


def _check_lifetime(settings: Settings, claims: dict[str, Any]) -> None:
    """Defence in depth: no token of ours lives longer than the configured lifetime."""
    longest = settings.access_token_minutes * 60 + 60
    if float(claims["exp"]) - float(claims["iat"]) > longest:
        raise jwt.InvalidTokenError("the token claims a longer life than any token issued")


def _check_signed_before_retirement(key: SigningKey, claims: dict[str, Any]) -> None:
    """A retired key verifies the tokens it signed, and signs none after retirement."""
    if key.retired_at is not None and float(claims["iat"]) > key.retired_at.timestamp() + 1:
        raise jwt.InvalidTokenError("issued after its key was retired")


def decode_token(settings: Settings, token: str) -> TokenClaims:
    try:
        key = signing_keys(settings).find(jwt.get_unverified_header(token).get("kid"))
        if key is None:
            raise jwt.InvalidTokenError("unknown signing key")
        claims = jwt.decode(
            token,
            key.secret,
            algorithms=[settings.jwt_algorithm],
            audience=AUDIENCE,
            options={"require": ["exp", "iat", "sub", "tid", "aud"]},
        )
        _check_lifetime(settings, claims)
        _check_signed_before_retirement(key, claims)
        return TokenClaims(
            tenant_id=uuid.UUID(claims["tid"]),
            staff_id=uuid.UUID(claims["sub"]),
            device_id=uuid.UUID(claims["did"]) if claims.get("did") else None,
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            version=int(claims.get("ver", 0)),
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("the access token has expired", code="token_expired") from exc
    except (jwt.InvalidTokenError, ValueError, KeyError, TypeError, OverflowError) as exc:
        raise Unauthorized("the access token is not valid", code="invalid_token") from exc
