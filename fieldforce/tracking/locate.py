""" "Locate now": a supervisor asks a phone in their scope for a fresh fix.

- our app: an FCM data message ``{"command": "locate", "request_id": …}``;
- Traccar Client (OsmAnd protocol): the FCM data message ``command=positionSingle``;
- OwnTracks: ``{"_type": "cmd", "action": "reportLocation"}`` in the answer to its next post.

The answer is the first good fix of that person taken after the request (a minute of clock
difference allowed); it is linked when the request is read, so ingest pays nothing for it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.auth.scope import Actor
from fieldforce.devices.models import Device, Protocol
from fieldforce.errors import Forbidden, Invalid, NotFound
from fieldforce.notify.push import enqueue_command
from fieldforce.pagination import Page, paginate
from fieldforce.settings import get_settings
from fieldforce.tenancy.models import Module
from fieldforce.tracking.models import LocateRequest, Ping

CLOCK_SLACK = timedelta(minutes=1)
OWNTRACKS_COMMAND = {"_type": "cmd", "action": "reportLocation"}


def request_fix(session: Session, actor: Actor, staff_id: uuid.UUID) -> list[LocateRequest]:
    """One request per active phone of the person; each says how it reaches the phone."""
    actor.require_module(Module.TRACKING.value)
    if not actor.directs:
        raise Forbidden("only supervisors, managers and administrators can locate staff")
    staff = actor.visible_staff(session, staff_id)
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
    if not devices:
        raise Invalid("this person has no registered phone", code="no_device")
    push_on = get_settings().push_enabled
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
        elif push_on:
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


def _link_answer(session: Session, request: LocateRequest) -> None:
    if request.ping_id is not None:
        return
    found = session.execute(
        select(Ping.id, Ping.received_at)
        .where(
            Ping.tenant_id == request.tenant_id,
            Ping.staff_id == request.staff_id,
            Ping.flags == 0,
            Ping.fix_time >= request.requested_at - CLOCK_SLACK,
            Ping.fix_time <= func.clock_timestamp() + CLOCK_SLACK,
        )
        .order_by(Ping.fix_time)
        .limit(1)
    ).first()
    if found:
        request.ping_id, request.answered_at = found
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
    _link_answer(session, request)
    return request


def answering_fix(session: Session, request: LocateRequest) -> Ping | None:
    if request.ping_id is None:
        return None
    return session.scalar(
        select(Ping).where(
            Ping.tenant_id == request.tenant_id,
            Ping.id == request.ping_id,
            Ping.fix_time >= request.requested_at - CLOCK_SLACK,
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
    for request in page.items:
        _link_answer(session, request)
    return page
