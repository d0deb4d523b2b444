from __future__ import annotations

import math
import uuid
from collections import Counter
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from geoalchemy2.shape import to_shape

from api.deps import (
    CursorQ,
    LimitQ,
    SessionDep,
    SettingsDep,
    TrackingActor,
    UploadingActor,
    gatherer_of,
    in_own_session,
)
from api.formats.geojson import (
    GeoJSONResponse,
    position_feature,
    positions_collection,
    track_collection,
)
from api.formats.gpx import GPX, track_gpx
from api.schemas.common import Page
from api.schemas.tracking import (
    DeviceReportOut,
    LbsAsked,
    LocatedFix,
    LocateRequestOut,
    LocateRequests,
    PingBatch,
    PingBatchResult,
    PingResultOut,
    PositionCollection,
    PositionFeature,
    StoredPing,
    TrackCollection,
)
from api.schemas.types import Line, Time
from fieldforce import locating
from fieldforce.customers import service as customers
from fieldforce.monitoring import positions as map_positions
from fieldforce.positioning import service as positioning
from fieldforce.positioning.resolve import CellSeen, Heard, WifiSeen
from fieldforce.tracking import locate, queries
from fieldforce.tracking.ingest import PingIn, Upload
from fieldforce.tracking.models import LocateRequest, Ping, PingFlag, Source
from fieldforce.tracking.service import uploader_for_actor

router = APIRouter(prefix="/api/v1", tags=["tracking"])


@router.post("/pings", response_model=PingBatchResult, response_model_exclude_none=True)
async def upload_pings(body: PingBatch, actor: UploadingActor, request: Request) -> PingBatchResult:
    """Upload up to 1,000 fixes of the signed-in staff member, oldest or newest first,
    including ones buffered offline. One result per item, in order. Answered only after
    everything accepted is committed; re-sending a batch stores nothing twice."""
    who = uploader_for_actor(actor)
    pings = [
        PingIn(
            id=p.id,
            fix_time=p.fix_time,
            lon=math.nan if p.lon is None else p.lon,
            lat=math.nan if p.lat is None else p.lat,
            accuracy_m=p.accuracy_m,
            altitude_m=p.altitude_m,
            speed_mps=p.speed_mps,
            bearing_deg=p.bearing_deg,
            battery_pct=p.battery_pct,
            source=p.source.value if p.source else None,
            mock=p.mock,
            attributes=p.attributes,
        )
        for p in body.pings
    ]
    heard = {
        i: Heard(
            tuple(
                CellSeen(c.radio, c.mcc, c.mnc, c.area, c.cell, c.signal_dbm) for c in p.cells or ()
            ),
            tuple(WifiSeen(w.bssid, w.signal_dbm) for w in p.wifi or ()),
        )
        for i, p in enumerate(body.pings)
        if p.lon is None
    }
    if heard:  # fixes without GPS: placed from the cells and Wi-Fi they heard
        measured = pings
        pings = await in_own_session(
            request, lambda session: positioning.place(session, who.tenant_id, measured, heard)
        )
    results = await gatherer_of(request).submit(Upload(who, pings))
    counts = Counter(r.status.value for r in results)
    return PingBatchResult(
        results=[
            PingResultOut(
                id=r.id,
                status=r.status.value,
                reason=r.reason.value if r.reason else None,
                flags=r.flags or None,
            )
            for r in results
        ],
        accepted=counts["accepted"],
        duplicate=counts["duplicate"],
        rejected=counts["rejected"],
        discarded=counts["discarded"],
    )


@router.get("/positions", response_model=PositionCollection, response_class=GeoJSONResponse)
def positions(
    actor: TrackingActor,
    session: SessionDep,
    bbox: Annotated[Line | None, Query(description="west,south,east,north in degrees")] = None,
    org_unit: Annotated[uuid.UUID | None, Query(description="this unit and below")] = None,
    status: Annotated[
        Line | None, Query(description="in_zone, off_zone, no_signal, off_duty or unknown")
    ] = None,
) -> Response:
    """The latest good position of every active staff member in the caller's scope, as a
    GeoJSON FeatureCollection (one Point feature per person)."""
    found = map_positions.latest_positions(
        session, actor, bbox=bbox, org_unit_id=org_unit, status=status
    )
    return GeoJSONResponse(positions_collection(found))


@router.get(
    "/staff/{staff_id}/position",
    response_model=PositionFeature,
    response_class=GeoJSONResponse,
)
def staff_position(staff_id: uuid.UUID, actor: TrackingActor, session: SessionDep) -> Response:
    """Where this person is now: their latest good fix as a GeoJSON Feature."""
    return GeoJSONResponse(position_feature(map_positions.position_of(session, actor, staff_id)))


@router.get(
    "/staff/{staff_id}/track",
    response_model=TrackCollection,
    response_class=GeoJSONResponse,
    responses={
        200: {
            "description": "GeoJSON, or GPX with `format=gpx`",
            "content": {GPX: {"schema": {"type": "string", "description": "GPX 1.1"}}},
        }
    },
)
def staff_track(
    staff_id: uuid.UUID,
    actor: TrackingActor,
    session: SessionDep,
    start: Annotated[Time, Query(alias="from", description="ISO-8601 with offset")],
    end: Annotated[Time, Query(alias="to", description="ISO-8601 with offset")],
    tolerance_m: Annotated[
        float | None, Query(ge=0, le=10_000, description="simplify the line to this")
    ] = None,
    zoom: Annotated[
        float | None,
        Query(ge=0, le=24, description="or simplify to one pixel at this web-map zoom"),
    ] = None,
    format: Annotated[Literal["geojson", "gpx"], Query()] = "geojson",
    download: Annotated[bool, Query(description="answer as a file to save")] = False,
) -> Response:
    """Where this person went: the track of good fixes (simplified when asked), its stops
    and the trips between them, and `distance_m` (moving distance, good fixes only). A stop
    within the visit radius of a customer in one's scope names it (`customer_id`,
    `customer_name`).
    `format=gpx` gives the full track as GPX with stops as waypoints; `download=true`
    makes either a file download."""
    track = queries.load_track(
        session, actor, staff_id, start, end, tolerance_m=tolerance_m, zoom=zoom
    )
    found = customers.customers_at(session, actor, [(s.lon, s.lat) for s in track.stops])
    matches = [(c.id, c.name) if c else None for c in found]
    filename = f"track-{staff_id}-{start:%Y%m%d}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if download else {}
    if format == "gpx":
        return Response(track_gpx(track), media_type=GPX, headers=headers)
    return GeoJSONResponse(track_collection(track, matches), headers=headers)


def _lonlat(ping: Ping) -> tuple[float, float]:
    point = to_shape(ping.geom)
    return float(point.x), float(point.y)


def _stored(ping: Ping) -> StoredPing:
    lon, lat = _lonlat(ping)
    return StoredPing(
        id=ping.id,
        fix_time=ping.fix_time,
        received_at=ping.received_at,
        device_id=ping.device_id,
        lon=lon,
        lat=lat,
        accuracy_m=ping.accuracy_m,
        altitude_m=ping.altitude_m,
        speed_mps=ping.speed_mps,
        bearing_deg=ping.bearing_deg,
        battery_pct=ping.battery_pct,
        source=ping.source,
        flags=PingFlag.names(ping.flags),
        attributes=ping.attributes,
    )


@router.get("/staff/{staff_id}/pings", response_model=Page[StoredPing])
def staff_pings(
    staff_id: uuid.UUID,
    actor: TrackingActor,
    session: SessionDep,
    start: Annotated[Time, Query(alias="from", description="ISO-8601 with offset")],
    end: Annotated[Time, Query(alias="to", description="ISO-8601 with offset")],
    flagged: Annotated[
        bool | None, Query(description="only flagged (true) or good (false)")
    ] = None,
    source: Annotated[
        list[Source] | None, Query(description="only fixes of these sources (repeat it)")
    ] = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> Page[StoredPing]:
    """Every stored fix of a period, including the flagged ones kept for audit, by fix time
    (at most 7 days)."""
    page = queries.list_pings(
        session,
        actor,
        staff_id,
        start,
        end,
        flagged=flagged,
        sources=[s.value for s in source] if source else None,
        limit=limit,
        cursor=cursor,
    )
    return Page[StoredPing](items=[_stored(p) for p in page.items], next_cursor=page.next_cursor)


@router.get("/devices/{device_id}/reports", response_model=Page[DeviceReportOut])
def device_reports(
    device_id: uuid.UUID,
    actor: TrackingActor,
    session: SessionDep,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> object:
    """What a tracker app reported besides fixes (OwnTracks region transitions, waypoints,
    last-will messages…), newest first. Kept for audit, never trusted over our geofences."""
    return queries.list_device_reports(session, actor, device_id, limit=limit, cursor=cursor)


def _locate_out(session: SessionDep, request: LocateRequest) -> LocateRequestOut:
    out = LocateRequestOut.model_validate(request)
    question = locating.lbs_question(session, request)
    if question is not None:
        out.lbs = LbsAsked(status=question.status, error=question.error)
    return out


@router.post("/staff/{staff_id}/locate", response_model=LocateRequests, status_code=201)
def locate_now(
    staff_id: uuid.UUID, actor: TrackingActor, session: SessionDep, settings: SettingsDep
) -> LocateRequests:
    """Ask this person's phones for a fresh fix now (supervisors, managers, admins in
    scope). Our app and Traccar Client get a silent push; OwnTracks gets the command in its
    next answer. When no phone can answer and the tenant has an LBS gateway, the operator's
    platform is asked (channel `lbs`; `lbs` says how that went: refused at once without
    consent or beyond the quota). Read the request back to see the fix that answered it."""
    requests = locating.locate_now(session, actor, staff_id, push=settings.push_enabled)
    return LocateRequests(requests=[_locate_out(session, r) for r in requests])


@router.get("/locate-requests/{request_id}", response_model=LocateRequestOut)
def locate_request(
    request_id: uuid.UUID, actor: TrackingActor, session: SessionDep
) -> LocateRequestOut:
    """A locate request and, once it came, the first good fix after it."""
    request = locate.get_request(session, actor, request_id)
    out = _locate_out(session, request)
    ping = locate.answering_fix(session, request)
    if ping is not None:
        lon, lat = _lonlat(ping)
        out.fix = LocatedFix(
            ping_id=ping.id,
            fix_time=ping.fix_time,
            lon=lon,
            lat=lat,
            accuracy_m=ping.accuracy_m,
        )
    return out


@router.get("/staff/{staff_id}/locate-requests", response_model=Page[LocateRequestOut])
def locate_requests(
    staff_id: uuid.UUID,
    actor: TrackingActor,
    session: SessionDep,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> object:
    """Locate requests for this person (one's own; administrators: everyone's), newest first."""
    return locate.list_requests(session, actor, staff_id, limit=limit, cursor=cursor)
