"""The operator's LBS platform: the tenant's gateway, today's quota, people's consent and
the questions asked about them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from api.deps import ActorDep, SessionDep, SettingsDep
from api.schemas.common import Page
from api.schemas.lbs import ConsentIn, ConsentOut, LbsGatewayOut, LbsRequestOut, UsageOut
from fieldforce.positioning import lbs
from fieldforce.positioning.lbs import LbsGateway

router = APIRouter(prefix="/api/v1", tags=["operator LBS"])


@router.get("/tenant/lbs-gateway", response_model=LbsGatewayOut)
def get_gateway(actor: ActorDep, session: SessionDep) -> LbsGatewayOut:
    """Admins only. The operator's LBS gateway; the auth value is never shown."""
    return LbsGatewayOut.of(lbs.get_gateway(session, actor))


@router.put("/tenant/lbs-gateway", response_model=LbsGatewayOut)
def put_gateway(
    body: LbsGateway, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> LbsGatewayOut:
    """Admins only. Replaces the gateway settings: `url`, `auth_header`/`auth_value` (leave
    the value out to keep the stored one), `content_type` (json or form), `body_template`
    with `$phone` (and `$request_id`), RFC 6901 pointers to `lon`, `lat`, `accuracy` and
    `time` in the JSON answer, the answer's `crs` (wgs84, gcj02, bd09), `timeout_s` (≤ 30),
    `daily_quota` and `poll_every_min` (none: no polling). Loopback, private, link-local
    and metadata addresses are refused (422 `destination_refused`) unless the operator
    allows them."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    return LbsGatewayOut.of(lbs.set_gateway(session, actor, changes, settings.outbound_policy))


@router.delete("/tenant/lbs-gateway", status_code=204)
def delete_gateway(actor: ActorDep, session: SessionDep) -> None:
    """Admins only. No more LBS questions; those waiting fail with the reason."""
    lbs.remove_gateway(session, actor)


@router.get("/tenant/lbs-usage", response_model=UsageOut)
def usage(actor: ActorDep, session: SessionDep) -> UsageOut:
    """Admins only. Today's questions against the daily quota, and how many consented."""
    u = lbs.usage(session, actor)
    return UsageOut(
        day_start=u.day_start,
        used=u.used,
        quota=u.quota,
        poll_every_min=u.poll_every_min,
        consenting=u.consenting,
    )


@router.get("/staff/{staff_id}/lbs-consent", response_model=ConsentOut)
def get_consent(staff_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> ConsentOut:
    """Whether the person consented to be located by the operator, when and how (their
    own; those in scope); `given: false` when nothing is recorded."""
    consent = lbs.get_consent(session, actor, staff_id)
    if consent is None:
        return ConsentOut(
            staff_id=staff_id,
            given=False,
            given_at=None,
            method=None,
            recorded_by=None,
            recorded_at=None,
        )
    return ConsentOut.model_validate(consent)


@router.put("/staff/{staff_id}/lbs-consent", response_model=ConsentOut)
def put_consent(
    staff_id: uuid.UUID, body: ConsentIn, actor: ActorDep, session: SessionDep
) -> ConsentOut:
    """Records when and how the person consented to be located through the operator (by
    themselves, or by someone who directs them); replaces an earlier record."""
    consent = lbs.give_consent(session, actor, staff_id, given_at=body.given_at, method=body.method)
    return ConsentOut.model_validate(consent)


@router.delete("/staff/{staff_id}/lbs-consent", status_code=204)
def delete_consent(staff_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> Response:
    """Withdraws the consent: questions about the person not yet sent are refused at once,
    and polling stops."""
    lbs.withdraw_consent(session, actor, staff_id)
    return Response(status_code=204)


@router.get("/staff/{staff_id}/lbs-requests", response_model=Page[LbsRequestOut])
def requests(staff_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> Page[LbsRequestOut]:
    """The last 50 questions about the person, newest first, each with its outcome."""
    rows = lbs.requests_of(session, actor, staff_id)
    return Page[LbsRequestOut](
        items=[LbsRequestOut.model_validate(r) for r in rows], next_cursor=None
    )
