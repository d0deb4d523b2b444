"""Endpoints for free tracker apps: OsmAnd protocol (Traccar Client) and OwnTracks HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from api.adapters import osmand, owntracks
from api.adapters.common import ProtocolError
from api.deps import SessionDep
from fieldforce import flows
from fieldforce.devices.service import authenticate_tracker
from fieldforce.errors import BadRequest, Unauthorized
from fieldforce.logs import get_logger
from fieldforce.tracking.ingest import Status
from fieldforce.tracking.locate import commands_for_reply
from fieldforce.tracking.service import note_push_token, record_device_report, uploader_for_device

router = APIRouter(tags=["tracker apps"])
log = get_logger("fieldforce.ingest")
_basic = HTTPBasic(auto_error=False)


def _bad_request(exc: ProtocolError) -> BadRequest:
    return BadRequest(str(exc))


async def _osmand_report(request: Request, now: datetime) -> osmand.OsmandReport:
    if request.query_params:
        return osmand.parse_params(dict(request.query_params), now)
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise ProtocolError("the body is not JSON") from exc
        if not isinstance(data, dict):
            raise ProtocolError("the body is not a JSON object")
        return osmand.parse_json(data, now)
    return osmand.parse_params(dict(parse_qsl(body.decode("utf-8", "replace"))), now)


_OSMAND = {
    "status_code": 200,
    "response_class": Response,
    "responses": {400: {"description": "unknown or missing device id, or unreadable fix"}},
}


@router.get("/ingest/osmand", operation_id="osmand_ingest_get", **_OSMAND)  # type: ignore[arg-type]
@router.post("/ingest/osmand", operation_id="osmand_ingest_post", **_OSMAND)  # type: ignore[arg-type]
async def osmand_ingest(request: Request, session: SessionDep) -> Response:
    """OsmAnd protocol: parameters in the query string, else a form body, else the Traccar
    Client JSON body. `id` is the device identifier from registration. Speed is in knots
    (m/s in the JSON form). Answers 200 with an empty body."""
    try:
        report = await _osmand_report(request, datetime.now(UTC))
    except ProtocolError as exc:
        raise _bad_request(exc) from exc
    try:
        device = authenticate_tracker(session, report.identifier, None)
    except Unauthorized as exc:
        raise BadRequest("unknown device", code="unknown_device") from exc
    who = uploader_for_device(session, device)
    note_push_token(device, report.notification_token)
    _log_refusals(flows.ingest(session, who, [report.ping]), device.identifier)
    return Response(status_code=200)


@router.post("/ingest/owntracks", responses={401: {"description": "missing or wrong credentials"}})
async def owntracks_ingest(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> JSONResponse:
    """OwnTracks HTTP mode: HTTP Basic with the device identifier and secret. Always
    answers a JSON array (commands for the phone, `[]` when there are none)."""
    try:
        if credentials is None:
            raise Unauthorized(
                "send the device identifier and secret as HTTP Basic credentials",
                code="not_authenticated",
            )
        device = authenticate_tracker(session, credentials.username, credentials.password)
    except Unauthorized as exc:
        raise exc.with_challenge('Basic realm="fieldforce"') from None
    body = await request.body()
    if not body.strip():
        return JSONResponse(commands_for_reply(session, device))
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise BadRequest("the body is not JSON") from exc
    messages = payload if isinstance(payload, list) else [payload]
    who = uploader_for_device(session, device)
    pings = []
    for msg in messages:
        if not isinstance(msg, dict):
            continue
        kind = str(msg.get("_type", "unknown"))
        if kind != "location":
            record_device_report(session, device, kind, msg)
            continue
        try:
            pings.append(owntracks.parse_location(device.identifier, msg))
        except ProtocolError as exc:
            log.warning("owntracks_location_unreadable", device=device.identifier, error=str(exc))
            record_device_report(session, device, "location_unreadable", msg)
    if pings:
        _log_refusals(flows.ingest(session, who, pings), device.identifier)
    return JSONResponse(commands_for_reply(session, device))


def _log_refusals(results: list[Any], identifier: str) -> None:
    for r in results:
        if r.status in (Status.REJECTED, Status.DISCARDED):
            log.info(
                "tracker_ping_refused",
                device=identifier,
                status=r.status.value,
                reason=r.reason.value if r.reason else None,
            )
