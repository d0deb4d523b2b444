"""Where "locate now", the operator's LBS platform and tracking meet.

- Locate now asks the person's phones (``tracking.locate``); when none can answer (no
  phone registered, or none reachable) and the tenant has an LBS gateway, the operator's
  platform is asked instead: a locate request of channel ``lbs`` with its question, sent by
  the LBS worker, or refused at once with why (no consent, no phone number, the quota).
- An LBS answer is stored as a fix of source ``lbs`` through the same tracking flow as any
  fix (zone state, alerts), and answers the locate request that asked for it.
- Polling: a tenant may have on-duty people with consent and no recent fix from any
  source located every N minutes, within its daily quota.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select, text
from sqlalchemy.orm import Session

from fieldforce import flows
from fieldforce.audit import service as audit
from fieldforce.duty.service import plan_for
from fieldforce.errors import Invalid
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.positioning import lbs
from fieldforce.positioning.lbs import Reading
from fieldforce.positioning.models import LbsConsent, LbsRequest, LbsStatus
from fieldforce.tenancy.models import Module, Tenant
from fieldforce.tenancy.service import get_tenant
from fieldforce.tracking import locate
from fieldforce.tracking.ingest import PingIn, Status, Uploader
from fieldforce.tracking.models import LatestPosition, LocateRequest, Source

# the ping an LBS answer becomes has an id derived from its question: asked twice (a
# worker died before recording), it is stored once
_LBS_PINGS = uuid.UUID("6f1c1d52-8f0e-4d7a-9d1e-3b6f1c2a9e10")


def locate_now(
    session: Session, actor: Actor, staff_id: uuid.UUID, *, push: bool
) -> list[LocateRequest]:
    """The person's phones asked, or the operator's platform when none can answer."""
    actor.require_module(Module.TRACKING.value)
    staff = actor.require_directs_staff(session, staff_id, oneself_allowed=True)
    tenant = get_tenant(session, actor.tenant_id)
    gateway = lbs.tenant_gateway(session, tenant.id)
    requests = locate.device_requests(session, actor, staff, push=push)
    if any(r.channel != "unavailable" for r in requests):
        return requests
    if gateway is None or not gateway.enabled:
        if not requests:
            raise Invalid("this person has no registered phone", code="no_device")
        return requests
    request = LocateRequest(
        tenant_id=tenant.id,
        id=uuid.uuid4(),
        requester_id=actor.staff_id,
        staff_id=staff.id,
        device_id=None,
        channel="lbs",
    )
    session.add(request)
    session.flush()
    question = lbs.ask(
        session,
        tenant,
        staff,
        reason="locate",
        requested_by=actor.staff_id,
        locate_request_id=request.id,
    )
    audit.record_by(
        session,
        actor,
        "staff.locate",
        "staff",
        staff.id,
        {"requests": [str(request.id)], "lbs": question.status, "error": question.error},
    )
    return [*requests, request]


def lbs_question(session: Session, request: LocateRequest) -> LbsRequest | None:
    if request.channel != "lbs":
        return None
    return session.scalar(
        select(LbsRequest).where(
            LbsRequest.tenant_id == request.tenant_id,
            LbsRequest.locate_request_id == request.id,
        )
    )


def store_lbs_fix(
    session: Session, question: LbsRequest, reading: Reading, *, push: bool = False
) -> uuid.UUID | None:
    """The answer kept as the person's fix (source ``lbs``) through the tracking flow; the
    locate request that asked is answered by it. None when tracking did not keep it."""
    tenant = get_tenant(session, question.tenant_id)
    now = datetime.now(UTC)
    ping = PingIn(
        id=uuid.uuid5(_LBS_PINGS, str(question.id)),
        fix_time=min(reading.time or now, now),
        lon=reading.lon,
        lat=reading.lat,
        accuracy_m=reading.accuracy_m,
        source=Source.LBS.value,
        placed=True,
    )
    who = Uploader(tenant.id, question.staff_id, None, tenant.effective_settings)
    (result,) = flows.ingest(session, who, [ping], push=push)
    if result.status not in (Status.ACCEPTED, Status.DUPLICATE):
        return None
    if question.locate_request_id is not None:
        session.execute(
            text(
                "UPDATE locate_request SET ping_id = :ping, answered_at = clock_timestamp(), "
                "delivered_at = coalesce(delivered_at, :asked) "
                "WHERE tenant_id = :tenant AND id = :id"
            ),
            {
                "ping": ping.id,
                "asked": question.created_at,
                "tenant": tenant.id,
                "id": question.locate_request_id,
            },
        )
    return ping.id


def _due_people(session: Session, tenant: Tenant, every: timedelta, now: datetime) -> list[Staff]:
    """People with consent and a phone, no fix from any source and no question within the
    interval."""
    since = now - every
    recent_fix = exists().where(
        LatestPosition.tenant_id == Staff.tenant_id,
        LatestPosition.staff_id == Staff.id,
        LatestPosition.fix_time >= since,
    )
    recent_question = exists().where(
        LbsRequest.tenant_id == Staff.tenant_id,
        LbsRequest.staff_id == Staff.id,
        LbsRequest.created_at >= since,
    )
    return list(
        session.scalars(
            select(Staff)
            .join(
                LbsConsent,
                (LbsConsent.tenant_id == Staff.tenant_id) & (LbsConsent.staff_id == Staff.id),
            )
            .where(
                Staff.tenant_id == tenant.id,
                Staff.active.is_(True),
                Staff.phone.is_not(None),
                ~recent_fix,
                ~recent_question,
            )
            .order_by(Staff.id)
        )
    )


def poll_due(session: Session, now: datetime) -> int:
    """The polling job: questions for the people due, tenant by tenant (one process at a
    time per tenant), until a tenant's quota is used up. Answers how many were asked."""
    asked = 0
    for tenant in session.scalars(select(Tenant).where(Tenant.lbs_gateway.is_not(None))):
        gateway = lbs.tenant_gateway(session, tenant.id)
        if gateway is None or not gateway.enabled or gateway.poll_every_min is None:
            continue
        locked = session.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtextextended('lbs-poll:' || :t, 0))"),
            {"t": str(tenant.id)},
        )
        if not locked:
            continue
        for staff in _due_people(session, tenant, timedelta(minutes=gateway.poll_every_min), now):
            if not plan_for(session, staff, now, now).on_duty(now):
                continue
            question = lbs.ask(session, tenant, staff, reason="poll", now=now)
            if question.status == LbsStatus.REFUSED.value:
                break  # the quota: nobody else of this tenant today either
            asked += 1
    return asked
