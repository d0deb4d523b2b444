"""Endpoints for free tracker apps: OsmAnd protocol (Traccar Client) and OwnTracks HTTP.

OwnTracks is a plain ``def`` endpoint, run on FastAPI's thread pool: the database and argon2
never block the event loop. OsmAnd, sent by every Traccar Client phone every few seconds,
is ``async``: it reads the database (on a worker thread) only when the device is not
remembered, and waits for its fix's group without holding a thread. The body is read by
the async ``raw_body``."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from sqlalchemy.orm import Session

from api.adapters import osmand, owntracks
from api.adapters.common import ProtocolError
from api.deps import SessionDep, SettingsDep, gathered, gatherer_of, in_own_session
from fieldforce.devices.identity import IdentityCache
from fieldforce.devices.service import TrackerLogin, authenticate_osmand, authenticate_owntracks
from fieldforce.errors import BadRequest, Invalid, Unauthorized
from fieldforce.logs import get_logger
from fieldforce.tracking.ingest import MAX_BATCH, Status, Upload, Uploader
from fieldforce.tracking.locate import commands_for_reply
from fieldforce.tracking.service import record_device_report, uploader_for_device

BASIC = 'Basic realm="fieldforce"'
router = APIRouter(tags=["tracker apps"])
log = get_logger("fieldforce.ingest")
_basic = HTTPBasic(auto_error=False)

# Tracker messages are nearly flat (an OwnTracks waypoint list is three levels deep).
MAX_JSON_DEPTH = 32
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # PostgreSQL text takes neither


async def raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def parse_json(body: bytes) -> Any:
    """A tracker app's JSON body: 400 when it is not JSON, nests deeper than
    ``MAX_JSON_DEPTH`` or holds text that cannot be stored."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest("the body is not JSON") from exc
    _check_storable(data)
    return data


def _check_storable(data: Any) -> None:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((k, depth) for k in value)
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str) and _UNSTORABLE.search(value):
            raise BadRequest("the body holds a NUL character or an unpaired surrogate")


def _osmand_report(request: Request, body: bytes, now: datetime) -> osmand.OsmandReport:
    if request.query_params:
        return osmand.parse_params(dict(request.query_params), now)
    if request.headers.get("content-type", "").startswith("application/json"):
        data = parse_json(body)
        if not isinstance(data, dict):
            raise ProtocolError("the body is not a JSON object")
        return osmand.parse_json(data, now)
    return osmand.parse_params(dict(parse_qsl(body.decode("utf-8", "replace"))), now)


_OSMAND = {
    "status_code": 200,
    "response_class": Response,
    "responses": {
        200: {
            "description": "the fix was taken (or refused and logged): an empty body",
            "content": {"text/plain": {"schema": {"type": "string", "maxLength": 0}}},
        },
        400: {"description": "unknown or missing device id, or unreadable fix"},
    },
}


@router.get("/ingest/osmand", operation_id="osmand_ingest_get", **_OSMAND)  # type: ignore[arg-type]
@router.post("/ingest/osmand", operation_id="osmand_ingest_post", **_OSMAND)  # type: ignore[arg-type]
async def osmand_ingest(request: Request, body: RawBody) -> Response:
    """OsmAnd protocol: parameters in the query string, else a form body, else the Traccar
    Client JSON body. `id` is the identifier of an `osmand` device, from registration.
    Speed is in knots (m/s in the JSON form). `notificationToken` is ignored: push tokens
    are set through `PUT /api/v1/devices/{id}/push-token`. Answers 200 with an empty body;
    400 `unknown_device` for an identifier that is unknown, revoked, disabled or not of
    an `osmand` device."""
    try:
        report = _osmand_report(request, body, datetime.now(UTC))
    except ProtocolError as exc:
        raise BadRequest(str(exc)) from exc
    identities: IdentityCache = request.app.state.identities
    key = ("osmand", report.identifier)
    found: tuple[Uploader, str] | None = identities.fresh(key)
    if found is None:
        found = await in_own_session(
            request,
            lambda session: identities.remembered(
                key, lambda: _osmand_uploader(session, report.identifier)
            ),
        )
    who, fingerprint = found
    results = await gatherer_of(request).submit(Upload(who, [report.ping]))
    _log_refusals(results, who.device_id, fingerprint)
    return Response(status_code=200, media_type="text/plain")


def _osmand_uploader(session: Session, identifier: str) -> tuple[Uploader, str]:
    try:
        device = authenticate_osmand(session, identifier)
    except Unauthorized as exc:
        raise BadRequest("unknown device", code="unknown_device") from exc
    return uploader_for_device(session, device), device.fingerprint


@router.post(
    "/ingest/owntracks",
    response_model=list[owntracks.Command],
    responses={
        401: {"description": "missing or wrong credentials (one answer for every reason)"},
        422: {"description": f"more than {MAX_BATCH} messages in one upload"},
        429: {"description": "too many failed attempts; see Retry-After"},
    },
)
def owntracks_ingest(
    request: Request,
    body: RawBody,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> JSONResponse:
    """OwnTracks HTTP mode: HTTP Basic with the identifier and secret of an `owntracks`
    device. Up to 1000 messages per upload. Always answers a JSON array (commands for the
    phone, `[]` when there are none)."""
    if credentials is None:
        raise Unauthorized(
            "send the device identifier and secret as HTTP Basic credentials",
            code="not_authenticated",
        ).with_challenge(BASIC)
    login = TrackerLogin(
        credentials.username, credentials.password, request.client.host if request.client else None
    )
    try:
        device = authenticate_owntracks(session, settings, login)
    except Unauthorized as exc:
        raise exc.with_challenge(BASIC) from None
    if not body.strip():
        return JSONResponse(commands_for_reply(session, device))
    messages = _owntracks_messages(body)
    who = uploader_for_device(session, device)
    pings = []
    for msg in messages:
        if msg.get("_type") != "location":
            record_device_report(session, device, *owntracks.report(msg))
            continue
        try:
            pings.append(owntracks.parse_location(credentials.username, msg))
        except ProtocolError as exc:
            log.warning("owntracks_location_unreadable", device_id=str(device.id), error=str(exc))
            record_device_report(session, device, "location_unreadable", msg)
    if pings:
        _log_refusals(
            gathered(session, gatherer_of(request), Upload(who, pings)),
            device.id,
            device.fingerprint,
        )
    return JSONResponse(commands_for_reply(session, device))


def _owntracks_messages(body: bytes) -> list[dict[str, Any]]:
    payload = parse_json(body)
    messages = payload if isinstance(payload, list) else [payload]
    if len(messages) > MAX_BATCH:
        raise Invalid(
            f"at most {MAX_BATCH} messages per upload",
            code="too_many_messages",
            details={"max": MAX_BATCH, "received": len(messages)},
        )
    return [m for m in messages if isinstance(m, dict)]


def _log_refusals(results: list[Any], device_id: uuid.UUID | None, fingerprint: str) -> None:
    for r in results:
        if r.status in (Status.REJECTED, Status.DISCARDED):
            log.info(
                "tracker_ping_refused",
                device_id=str(device_id),
                fingerprint=fingerprint,
                status=r.status.value,
                reason=r.reason.value if r.reason else None,
            )
