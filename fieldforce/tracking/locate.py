""" "Locate now": a supervisor asks a phone in their scope for a fresh fix.

- our app: an FCM data message ``{"command": "locate", "request_id": …}``;
- Traccar Client (OsmAnd protocol): the FCM data message ``command=positionSingle``;
- OwnTracks: ``{"_type": "cmd", "action": "reportLocation"}`` in the answer to its next post.

The answer is the first good fix of that person taken after the request (a minute of clock
difference allowed); it is linked when the request is read, so ingest pays nothing for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.devices.models import Device, Protocol
from fieldforce.errors import Invalid, NotFound
from fieldforce.notify.push import enqueue_command
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.models import Module
from fieldforce.tracking.models import LocateRequest, Ping

CLOCK_SLACK = timedelta(minutes=1)
LBS_FIX_AGE = timedelta(days=1)
OWNTRACKS_COMMAND = {"_type": "cmd", "action": "reportLocation"}


def request_fix(
    session: Session, actor: Actor, staff_id: uuid.UUID, *, push: bool
) -> list[LocateRequest]:
    """One request per active phone of the person; each says how it reaches the phone
    (a push only when ``push`` is on)."""
    actor.require_module(Module.TRACKING.value)
    staff = actor.require_directs_staff(session, staff_id, oneself_allowed=True)
    requests = device_requests(session, actor, staff, push=push)
    if not requests:
        raise Invalid("this person has no registered phone", code="no_device")
    return requests


def device_requests(
    session: Session, actor: Actor, staff: Staff, *, push: bool
) -> list[LocateRequest]:
    """A request to each active phone of someone the actor may locate (none: no phone)."""
    devices = list(
        session.scalars(
            select(Device)
            .where(
                Device.tenant_id == actor.tenant_id,
                Device.staff_id == staff.id,
                Device.revoked_at.is_(None),
            )
            .order_by(Device.created_at)
        )
    )
    requests = []
    for device in devices:
        request = LocateRequest(
            tenant_id=actor.tenant_id,
            id=uuid.uuid4(),
            requester_id=actor.staff_id,
            staff_id=staff.id,
            device_id=device.id,
            channel="unavailable",
        )
        if device.protocol == Protocol.OWNTRACKS.value:
            request.channel = "next_reply"
        elif push:
            data = (
                {"command": "positionSingle"}
                if device.protocol == Protocol.OSMAND.value
                else {"command": "locate", "request_id": str(request.id)}
            )
            if enqueue_command(session, device, data, f"locate:{request.id}"):
                request.channel = "push"
        session.add(request)
        requests.append(request)
    session.flush()
    if requests:
        audit.record_by(
            session,
            actor,
            "staff.locate",
            "staff",
            staff.id,
            {"requests": [str(r.id) for r in requests]},
        )
    return requests


def commands_for_reply(session: Session, device: Device) -> list[dict[str, Any]]:
    """What to put in the answer to an OwnTracks post: pending locate requests, once."""
    taken = session.execute(
        update(LocateRequest)
        .where(
            LocateRequest.tenant_id == device.tenant_id,
            LocateRequest.device_id == device.id,
            LocateRequest.channel == "next_reply",
            LocateRequest.delivered_at.is_(None),
        )
        .values(delivered_at=func.now())
        .returning(LocateRequest.id)
    ).all()
    return [OWNTRACKS_COMMAND] if taken else []


_FIRST_FIXES = text("""
    SELECT r.id, p.id, p.received_at
      FROM unnest(CAST(:ids AS uuid[]), CAST(:times AS timestamptz[]), CAST(:staff AS uuid[]))
           AS r(id, requested_at, staff_id)
     CROSS JOIN LATERAL (
        SELECT id, received_at FROM ping
         WHERE tenant_id = :tenant AND staff_id = r.staff_id AND flags = 0
           AND fix_time >= r.requested_at - :slack
           AND fix_time <= clock_timestamp() + :slack
         ORDER BY fix_time LIMIT 1) AS p
""")


def _link_answers(session: Session, requests: Sequence[LocateRequest]) -> None:
    """Link unanswered requests to the first good fix after each, in one query."""
    waiting = {r.id: r for r in requests if r.ping_id is None and r.channel != "lbs"}
    if not waiting:
        return
    rows = session.execute(
        _FIRST_FIXES,
        {
            "tenant": next(iter(waiting.values())).tenant_id,
            "ids": list(waiting),
            "times": [r.requested_at for r in waiting.values()],
            "staff": [r.staff_id for r in waiting.values()],
            "slack": CLOCK_SLACK,
        },
    )
    for request_id, ping_id, received_at in rows:
        waiting[request_id].ping_id, waiting[request_id].answered_at = ping_id, received_at
    session.flush()


def _visible(actor: Actor) -> Any:
    same = LocateRequest.tenant_id == actor.tenant_id
    return same if actor.is_admin else same & (LocateRequest.requester_id == actor.staff_id)


def get_request(session: Session, actor: Actor, request_id: uuid.UUID) -> LocateRequest:
    actor.require_module(Module.TRACKING.value)
    request = session.scalar(
        select(LocateRequest).where(LocateRequest.id == request_id, _visible(actor))
    )
    if request is None:
        raise NotFound("no such locate request", details={"request_id": str(request_id)})
    _link_answers(session, [request])
    return request


def answering_fix(session: Session, request: LocateRequest) -> Ping | None:
    if request.ping_id is None:
        return None
    # an operator's platform may answer with a fix taken a while before it was asked
    slack = LBS_FIX_AGE if request.channel == "lbs" else CLOCK_SLACK
    return session.scalar(
        select(Ping).where(
            Ping.tenant_id == request.tenant_id,
            Ping.id == request.ping_id,
            Ping.fix_time >= request.requested_at - slack,
        )
    )


def list_requests(
    session: Session, actor: Actor, staff_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[LocateRequest]:
    actor.require_module(Module.TRACKING.value)
    actor.visible_staff(session, staff_id)
    stmt = select(LocateRequest).where(_visible(actor), LocateRequest.staff_id == staff_id)
    page = paginate(
        session,
        stmt,
        [LocateRequest.requested_at, LocateRequest.id],
        limit=limit,
        cursor=cursor,
        descending=True,
    )
    _link_answers(session, page.items)
    return page
