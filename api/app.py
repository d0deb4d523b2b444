"""The application factory."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from api.errors import install_error_handlers
from api.middleware import RequestContextMiddleware
from api.routers import auth, devices, health, org, tenancy
from fieldforce import __version__
from fieldforce.settings import Settings

DESCRIPTION = """\
Backend for mobile field-sales forces. Sign in with `POST /api/v1/auth/token` (OAuth2
password form) and send `Authorization: Bearer <token>`. Errors always answer
`{"error": {"code", "message", "details"}}`; lists answer `{"items", "next_cursor"}` and
take `limit` and `cursor`.
"""


def create_app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    app = FastAPI(title="fieldforce", version=__version__, description=DESCRIPTION)
    app.state.settings = settings
    app.state.sessionmaker = session_factory
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    for module in (health, auth, tenancy, org, devices):
        app.include_router(module.router)
    return app
