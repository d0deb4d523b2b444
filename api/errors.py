"""The one mapping of errors to HTTP: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.middleware import OUTERMOST_HEADERS
from fieldforce.context import request_id_var
from fieldforce.errors import (
    BadRequest,
    Conflict,
    FieldforceError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
)
from fieldforce.logs import get_logger

log = get_logger("fieldforce.api")

STATUS: dict[type[FieldforceError], int] = {
    BadRequest: 400,
    Invalid: 422,
    TooLarge: 413,
    UnsupportedMediaType: 415,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
    Unavailable: 503,
}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


def _body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    request_id = request_id_var.get()
    if request_id:
        error["request_id"] = request_id
    return {"error": error}


def status_for(exc: FieldforceError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_response(exc: FieldforceError) -> JSONResponse:
    status = status_for(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = exc.challenge
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_s)
    return JSONResponse(_body(exc.code, exc.message, exc.details), status, headers=headers)


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FieldforceError)
    return error_response(exc)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
        for e in exc.errors()
    ]
    return JSONResponse(_body("validation_error", "the request is not valid", details), 422)


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(
        _body(code, str(exc.detail)), exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _integrity(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IntegrityError)
    pgcode = getattr(exc.orig, "pgcode", None)
    if pgcode == "23505":
        return JSONResponse(_body("conflict", "this conflicts with an existing record"), 409)
    if pgcode == "23503":
        return JSONResponse(
            _body("invalid_reference", "a referenced record does not exist or is still in use"), 422
        )
    log.error("integrity_error", exc_info=exc)
    return JSONResponse(_body("invalid", "the change breaks a data rule"), 422)


async def _database_down(_: Request, exc: Exception) -> JSONResponse:
    log.error("database_unavailable", exc_info=exc)
    return JSONResponse(_body("unavailable", "the database is not answering"), 503)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled_error", exc_info=exc)
    # answered by the framework's outermost layer, outside the security-headers middleware
    return JSONResponse(
        _body("internal_error", "an unexpected error occurred"), 500, headers=OUTERMOST_HEADERS
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FieldforceError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(OperationalError, _database_down)
    app.add_exception_handler(Exception, _unexpected)
