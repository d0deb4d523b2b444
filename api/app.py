"""The application factory."""

from __future__ import annotations

import gc

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from sqlalchemy.orm import Session, sessionmaker
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.console_pages import add_console
from api.docs_pages import add_docs_pages
from api.errors import install_error_handlers
from api.middleware import (
    BodyLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from api.routers import (
    approvals,
    attachments,
    attendance,
    attendance_reports,
    auth,
    customers,
    devices,
    events,
    field_reports,
    health,
    ingest,
    inspections,
    lbs,
    leave,
    notify,
    org,
    plan_rules,
    plans,
    reports,
    tenancy,
    tracking,
    travel,
    visits,
    zones,
)
from fieldforce import __version__
from fieldforce.auth.keys import signing_keys
from fieldforce.db import make_engine, make_sessionmaker
from fieldforce.devices.identity import IdentityCache
from fieldforce.gathering import Gatherer
from fieldforce.jobs import Background
from fieldforce.logs import configure_logging, get_logger
from fieldforce.settings import Settings, get_settings

DESCRIPTION = """\
Backend for mobile field-sales forces. Sign in with `POST /api/v1/auth/token` (OAuth2
password form) and send `Authorization: Bearer <token>`. Errors always answer
`{"error": {"code", "message", "details"}}`; lists answer `{"items", "next_cursor"}` and
take `limit` and `cursor`.
"""


_NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}


def create_app(
    settings: Settings,
    session_factory: sessionmaker[Session],
    gathered_writes: sessionmaker[Session] | None = None,
) -> FastAPI:
    """``gathered_writes``: where the gathered fixes are written (by default the requests'
    own sessions): a pool of its own, so that the requests waiting for a group, which may
    hold every connection of theirs, never keep the group from being written."""
    app = FastAPI(
        title="fieldforce",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json" if settings.api_docs else None,
        docs_url=None,  # /docs and /redoc: added below, pinned
        redoc_url=None,
        telemetry=None if settings.opentelemetry else _NO_TELEMETRY,
    )
    app.state.settings = settings
    app.state.sessionmaker = session_factory
    app.state.identities = IdentityCache(settings.identity_cache_s)
    app.state.gatherer = Gatherer(
        gathered_writes or session_factory,
        window_s=settings.ingest_gather_ms / 1000,
        max_fixes=settings.ingest_gather_fixes,
        push=settings.push_enabled,
    )
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        larger={attachments.UPLOAD_PATH: attachments.upload_body_limit(settings)},
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.trusted_proxies:  # outermost, so everything sees the forwarded client
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    # routes are matched in order, router by router: the phones' uploads, most of all
    # requests, come first (no other route's path and method is matched by theirs)
    for module in (ingest, tracking, health, auth, tenancy, org, devices, notify, zones, events):
        app.include_router(module.router)
    app.include_router(approvals.router)
    app.include_router(attendance.router)
    app.include_router(attendance_reports.router)
    app.include_router(customers.router)
    app.include_router(visits.router)
    app.include_router(inspections.router)
    app.include_router(plans.router)
    app.include_router(plan_rules.router)
    app.include_router(lbs.router)
    app.include_router(field_reports.router)
    app.include_router(travel.router)
    app.include_router(leave.router)
    app.include_router(attachments.router)
    app.include_router(reports.router)
    if settings.api_docs:
        add_docs_pages(app, "/openapi.json")
    add_console(app, settings)
    return app


def _log_signing_key_source(settings: Settings) -> None:
    ring = signing_keys(settings)
    get_logger("fieldforce.keys").info(
        "signing_key",
        source=ring.source,
        path=str(ring.path) if ring.path else None,
        kid=ring.current.kid,
    )


def _freeze_what_was_built() -> None:
    """Everything built at start (modules, routes, models: millions of objects that live as
    long as the process) is left out of the garbage collector's full passes, which would
    otherwise scan it all again every few seconds under load (100-200 ms pauses measured
    during single-fix ingest, every request waiting)."""
    gc.collect()
    gc.freeze()


def _follow_identity_changes(app: FastAPI, url: str) -> None:
    """Callers are remembered only while the changes other processes commit are heard
    (``devices.identity``)."""
    identities: IdentityCache = app.state.identities

    def start() -> None:
        app.state.identity_listener = identities.follow(url)

    def stop() -> None:
        app.state.identity_listener.stop()

    app.router.add_event_handler("startup", start)
    app.router.add_event_handler("shutdown", stop)


def app_from_environment() -> FastAPI:
    """For ``fieldforce serve`` and any ASGI server: settings from ``FIELDFORCE_*``. The
    process also runs the background jobs and, when configured, the push worker."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    _log_signing_key_source(settings)
    if not settings.database_url:
        raise RuntimeError("FIELDFORCE_DATABASE_URL is not set (use `fieldforce serve`)")
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    factory = make_sessionmaker(engine)
    # one group is written at a time per process (two connections: one spare)
    writes = make_engine(settings.database_url, pool_size=1)
    app = create_app(settings, factory, make_sessionmaker(writes))
    _follow_identity_changes(app, settings.database_url)
    background = Background(factory, settings)
    app.router.add_event_handler("startup", _freeze_what_was_built)
    app.router.add_event_handler("startup", background.start)
    app.router.add_event_handler("shutdown", background.stop)
    app.router.add_event_handler("shutdown", engine.dispose)
    app.router.add_event_handler("shutdown", writes.dispose)
    return app
