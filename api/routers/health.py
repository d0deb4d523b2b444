from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.schemas.health import HealthOut
from fieldforce import __version__

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "the database does not answer"}},
)
@router.head("/health", include_in_schema=False)
def health(request: Request) -> Response:
    """200 only when the database answers (and has PostGIS); 503 otherwise. `push` says
    whether push notifications are configured (`off`: everything still reaches the in-app
    inboxes). `HEAD` answers the same status and headers without the body."""
    answer = _health(request)
    if request.method == "HEAD":
        return Response(status_code=answer.status_code, headers=dict(answer.headers))
    return answer


def _health(request: Request) -> JSONResponse:
    push = "on" if request.app.state.settings.push_enabled else "off"
    try:
        with request.app.state.sessionmaker() as session:
            postgis = session.scalar(text("SELECT postgis_lib_version()"))
    except SQLAlchemyError:
        down = HealthOut(
            status="unavailable", database="unreachable", push=push, version=__version__
        )
        return _answer(down, 503)
    up = HealthOut(status="ok", database="ok", postgis=postgis, push=push, version=__version__)
    return _answer(up, 200)


def _answer(health: HealthOut, status_code: int) -> JSONResponse:
    return JSONResponse(health.model_dump(exclude_none=True), status_code)
