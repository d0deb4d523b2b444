from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import SessionDep, require_module
from api.schemas.tracking import PingBatch, PingBatchResult, PingResultOut
from fieldforce.auth.scope import Actor
from fieldforce.tracking.ingest import PingIn, ingest_pings
from fieldforce.tracking.service import uploader_for_actor

router = APIRouter(prefix="/api/v1", tags=["tracking"])
TrackingActor = Annotated[Actor, Depends(require_module("tracking"))]


@router.post("/pings", response_model=PingBatchResult, response_model_exclude_none=True)
def upload_pings(body: PingBatch, actor: TrackingActor, session: SessionDep) -> PingBatchResult:
    """Upload up to 1,000 fixes of the signed-in staff member, oldest or newest first,
    including ones buffered offline. One result per item, in order. Answered only after
    everything accepted is committed; re-sending a batch stores nothing twice."""
    who = uploader_for_actor(session, actor)
    pings = [
        PingIn(
            id=p.id,
            fix_time=p.fix_time,
            lon=p.lon,
            lat=p.lat,
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
    results = ingest_pings(session, who, pings)
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
