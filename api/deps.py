"""Request dependencies: the session (which owns the transaction) and the caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request, Response
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fieldforce.auth.keys import signing_keys
from fieldforce.auth.service import load_actor
from fieldforce.auth.tokens import TokenClaims, decode_token
from fieldforce.db import owned_session
from fieldforce.devices.identity import IdentityCache, actor_key
from fieldforce.errors import Unauthorized
from fieldforce.gathering import Gatherer
from fieldforce.org.scope import Actor
from fieldforce.pagination import MAX_LIMIT
from fieldforce.settings import Settings
from fieldforce.tracking.ingest import PingResult, Upload

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
T = TypeVar("T")


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """Commits when the endpoint returns, rolls back when it raises. ``scope="function"``
    (below) runs this before the response is sent, so a client is told "stored" only
    after the commit succeeded."""
    with owned_session(request.app.state.sessionmaker) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def no_store(response: Response) -> None:
    """Marks an answer carrying credentials (a token, a device's identifier and secret) as
    one no cache may keep; called by the endpoint or used as a route dependency."""
    response.headers.update({"Cache-Control": "no-store", "Pragma": "no-cache"})


def get_actor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_bearer)],
) -> Actor:
    if not token:
        raise Unauthorized(
            "sign in first: send 'Authorization: Bearer <token>'", code="not_authenticated"
        )
    actor = load_actor(session, decode_token(settings, token))
    request.state.staff_id = str(actor.staff_id)
    request.state.tenant_id = str(actor.tenant_id)
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]


async def get_uploading_actor(
    request: Request, token: Annotated[str | None, Depends(_bearer)]
) -> Actor:
    """The caller of the fix upload, remembered until anything about them changes
    (``devices.identity``): a phone sends every few seconds. Tracking must be on for the
    tenant. On the event loop: only what memory does not hold is read, on a worker thread
    with a session of its own. The settings are taken from the app, not as a dependency
    of their own: each dependency costs every upload about 10 µs."""
    if not token:
        raise Unauthorized(
            "sign in first: send 'Authorization: Bearer <token>'", code="not_authenticated"
        )
    settings: Settings = request.app.state.settings
    identities: IdentityCache = request.app.state.identities
    claims = _decoded(settings, identities, token)
    actor: Actor | None = identities.fresh(actor_key(claims))
    if actor is None:
        actor = await in_own_session(request, lambda session: identities.actor(session, claims))
    request.state.staff_id = str(actor.staff_id)
    request.state.tenant_id = str(actor.tenant_id)
    actor.require_module("tracking")
    return actor


def _decoded(settings: Settings, identities: IdentityCache, token: str) -> TokenClaims:
    """The token's claims, remembered with the caller (and forgotten with them): its
    signature is checked once, its expiry every time. The key ring is part of the key, so
    a ring changed on disk (a key retired or removed) has every token checked again."""
    key = ("token", token, signing_keys(settings))
    claims: TokenClaims | None = identities.fresh(key)
    if claims is None or claims.expires_at <= datetime.now(UTC):
        claims = identities.remembered(key, lambda: decode_token(settings, token))
        if claims.expires_at <= datetime.now(UTC):  # remembered a moment ago, expired since
            raise Unauthorized("the access token has expired", code="token_expired")
    return claims


async def in_own_session(request: Request, work: Callable[[Session], T]) -> T:
    """For an async endpoint: ``work`` on a worker thread, with a session of its own that
    commits when it returns (the event loop never waits on the database)."""

    def run() -> T:
        with owned_session(request.app.state.sessionmaker) as session:
            return work(session)

    return await run_in_threadpool(run)


UploadingActor = Annotated[Actor, Depends(get_uploading_actor)]


def gatherer_of(request: Request) -> Gatherer:
    """The process's gatherer of uploads (a plain call, not a dependency: see above)."""
    gatherer: Gatherer = request.app.state.gatherer
    return gatherer


def gathered(session: Session, gatherer: Gatherer, upload: Upload) -> list[PingResult]:
    """For a ``def`` endpoint: the upload stored with whatever arrives with it. The
    request's own transaction ends first (committing what it wrote, say a tracker's
    reports), so that no request holds a connection while it waits for its group."""
    session.commit()
    return gatherer.submit_from_thread(upload)


def require_module(module: str) -> Callable[[Actor], Actor]:
    """Dependency for a router of one module: 403 ``module_disabled`` when it is off."""

    def check(actor: ActorDep) -> Actor:
        actor.require_module(module)
        return actor

    return check


TrackingActor = Annotated[Actor, Depends(require_module("tracking"))]

LimitQ = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
CursorQ = Annotated[
    str | None, Query(max_length=512, description="next_cursor of the previous page")
]
