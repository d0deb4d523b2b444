"""The operator's LBS platform (基站定位平台): a person's phone located by the network.

The tenant configures its operator's gateway the way it configures its SMS gateway: the
URL, an auth header (a secret, never shown again), the request body as a template with
``$phone``, and where in the JSON answer the longitude, latitude, accuracy and time are
(RFC 6901 pointers), in the coordinate system the answer uses. The operator requires the
subscriber's consent: nobody is asked about without a recorded one, and withdrawing it
stops everything not yet sent. Each question is a row (``LbsRequest``) that a worker
sends; a daily quota (the tenant's day) bounds how many are sent.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import jsonpointer
from pydantic import Field, ValidationError, field_validator
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.errors import Invalid, NotFound
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.outbound import HttpGateway, OutboundPolicy, check_template
from fieldforce.positioning.models import LbsConsent, LbsRequest, LbsStatus
from fieldforce.tenancy import gateways
from fieldforce.tenancy.models import Tenant
from fieldforce.tenancy.service import get_tenant
from geo.crs import Crs

BODY_FIELDS = {"phone", "request_id"}
CONSENT_METHODS = ("sms_reply", "written", "in_app", "call")
MAX_ANSWER_BYTES = 16_384


class LbsGateway(HttpGateway):
    """How to ask the operator's LBS platform. ``auth_value`` is a secret."""

    body_template: str = Field(default='{"msisdn": "$phone"}', max_length=4000)
    lon_pointer: str = Field(description="RFC 6901 pointer to the longitude in the answer")
    lat_pointer: str
    accuracy_pointer: str | None = None
    time_pointer: str | None = Field(
        default=None, description="ISO-8601 time, or seconds or milliseconds since 1970"
    )
    crs: Crs = Crs.WGS84
    daily_quota: int = Field(default=500, ge=1, le=1_000_000)
    poll_every_min: int | None = Field(default=None, ge=5, le=1440)

    @field_validator("body_template")
    @classmethod
    def _body(cls, template: str) -> str:
        return check_template(template, BODY_FIELDS, {"phone"}, "body_template")

    @field_validator("lon_pointer", "lat_pointer", "accuracy_pointer", "time_pointer")
    @classmethod
    def _pointer(cls, pointer: str | None) -> str | None:
        if pointer is None:
            return None
        if len(pointer) > 200:
            raise ValueError("a pointer of at most 200 characters")
        try:
            jsonpointer.JsonPointer(pointer)
        except jsonpointer.JsonPointerException as exc:
            raise ValueError(f"not a JSON pointer (RFC 6901), like /result/lon: {exc}") from exc
        return pointer

    def render_body(self, *, phone: str, request_id: str) -> str:
        return self.fill({"phone": phone, "request_id": request_id})


@dataclass(frozen=True)
class Reading:
    lon: float
    lat: float
    accuracy_m: float | None
    time: datetime | None


class Unreadable(ValueError):
    """The answer holds no position we can use; the message says why."""


def _number(answer: Any, pointer: str, what: str) -> float:
    try:
        value = jsonpointer.resolve_pointer(answer, pointer)
    except jsonpointer.JsonPointerException as exc:
        raise Unreadable(f"the answer has no {what} at {pointer}") from exc
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError as exc:
            raise Unreadable(f"the {what} at {pointer} is not a number") from exc
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise Unreadable(f"the {what} at {pointer} is not a number")
    return float(value)


def _time(answer: Any, pointer: str) -> datetime:
    try:
        value = jsonpointer.resolve_pointer(answer, pointer)
    except jsonpointer.JsonPointerException as exc:
        raise Unreadable(f"the answer has no time at {pointer}") from exc
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = value / 1000 if value > 1e11 else value
            return datetime.fromtimestamp(seconds, UTC)
        parsed = datetime.fromisoformat(str(value))
    except (ValueError, OverflowError, OSError) as exc:
        raise Unreadable(f"the time at {pointer} is not a time") from exc
    if parsed.tzinfo is None:
        raise Unreadable(f"the time at {pointer} has no UTC offset")
    return parsed


def read_answer(gateway: LbsGateway, body: str) -> Reading:
    """The position in a gateway's answer, converted to WGS-84."""
    from geo.crs import to_wgs84

    if len(body.encode()) > MAX_ANSWER_BYTES:
        raise Unreadable(f"the answer is longer than {MAX_ANSWER_BYTES} bytes")
    try:
        answer = json.loads(body)
    except ValueError as exc:
        raise Unreadable("the answer is not JSON") from exc
    lon = _number(answer, gateway.lon_pointer, "longitude")
    lat = _number(answer, gateway.lat_pointer, "latitude")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or (lon, lat) == (0, 0):
        raise Unreadable(f"the answer's position {lon}, {lat} is not on the globe")
    accuracy = (
        _number(answer, gateway.accuracy_pointer, "accuracy") if gateway.accuracy_pointer else None
    )
    if accuracy is not None and not 0 <= accuracy <= 100_000:
        raise Unreadable(f"the accuracy {accuracy} is not a distance in metres")
    when = _time(answer, gateway.time_pointer) if gateway.time_pointer else None
    wgs_lon, wgs_lat = to_wgs84(lon, lat, gateway.crs.value)
    return Reading(wgs_lon, wgs_lat, accuracy, when)


def parse_gateway(stored: dict[str, Any] | None) -> LbsGateway | None:
    return LbsGateway.model_validate(stored) if stored else None


def tenant_gateway(session: Session, tenant_id: uuid.UUID) -> LbsGateway | None:
    stored = session.scalar(select(Tenant.lbs_gateway).where(Tenant.id == tenant_id))
    try:
        return parse_gateway(stored)
    except ValidationError:
        return None


# --- configuration (admins) ---


def get_gateway(session: Session, actor: Actor) -> LbsGateway:
    actor.require_admin()
    gateway = tenant_gateway(session, actor.tenant_id)
    if gateway is None:
        raise NotFound("no LBS gateway is configured", code="no_lbs_gateway")
    return gateway


def set_gateway(
    session: Session, actor: Actor, changes: dict[str, Any], outbound: OutboundPolicy
) -> LbsGateway:
    """Replace the gateway settings; leaving ``auth_value`` out keeps the stored secret. A
    URL the server may not call is refused when saved (and checked again on every call)."""
    return gateways.replace(session, actor, "lbs_gateway", LbsGateway, changes, outbound)


def remove_gateway(session: Session, actor: Actor) -> None:
    gateways.remove(session, actor, "lbs_gateway")


# --- consent ---


def _consent_keeper(session: Session, actor: Actor, staff_id: uuid.UUID) -> Staff:
    """The person themselves, or someone who directs them (an administrator among them)."""
    if staff_id == actor.staff_id:
        return actor.visible_staff(session, staff_id)
    return actor.require_directs_staff(session, staff_id)


def consent_of(session: Session, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> LbsConsent | None:
    return session.scalar(
        select(LbsConsent).where(LbsConsent.tenant_id == tenant_id, LbsConsent.staff_id == staff_id)
    )


def get_consent(session: Session, actor: Actor, staff_id: uuid.UUID) -> LbsConsent | None:
    staff = actor.visible_staff(session, staff_id)
    return consent_of(session, staff.tenant_id, staff.id)


def give_consent(
    session: Session,
    actor: Actor,
    staff_id: uuid.UUID,
    *,
    given_at: datetime,
    method: str,
    now: datetime | None = None,
) -> LbsConsent:
    """Records (or replaces) when and how the person consented."""
    staff = _consent_keeper(session, actor, staff_id)
    if method not in CONSENT_METHODS:
        raise Invalid(
            f"how it was given: one of {', '.join(CONSENT_METHODS)}", code="invalid_method"
        )
    if given_at > (now or datetime.now(UTC)):
        raise Invalid("consent is recorded once given, not ahead", code="consent_in_future")
    consent = consent_of(session, staff.tenant_id, staff.id)
    if consent is None:
        consent = LbsConsent(tenant_id=staff.tenant_id, id=uuid.uuid4(), staff_id=staff.id)
        session.add(consent)
    consent.given_at, consent.method, consent.recorded_by = given_at, method, actor.staff_id
    session.flush()
    audit.record_by(
        session,
        actor,
        "staff.lbs_consent.give",
        "staff",
        staff.id,
        {"given_at": given_at, "method": method},
    )
    return consent


def withdraw_consent(session: Session, actor: Actor, staff_id: uuid.UUID) -> int:
    """The consent is gone; questions about the person not yet sent are refused at once.
    Answers how many waiting questions were stopped."""
    staff = _consent_keeper(session, actor, staff_id)
    consent = consent_of(session, staff.tenant_id, staff.id)
    if consent is None:
        raise NotFound("no LBS consent is recorded for this person", code="no_lbs_consent")
    session.delete(consent)
    stopped = session.execute(
        text(
            "UPDATE lbs_request SET status = 'refused', error = 'consent withdrawn', "
            "finished_at = clock_timestamp(), lease_until = NULL "
            "WHERE tenant_id = :tenant AND staff_id = :staff AND status = 'pending'"
        ),
        {"tenant": staff.tenant_id, "staff": staff.id},
    )
    session.flush()
    count = int(getattr(stopped, "rowcount", 0) or 0)
    audit.record_by(
        session, actor, "staff.lbs_consent.withdraw", "staff", staff.id, {"stopped": count}
    )
    return count


# --- asking ---


def _day_start(tenant: Tenant, now: datetime) -> datetime:
    tz = ZoneInfo(tenant.timezone)
    return datetime.combine(now.astimezone(tz).date(), time(0), tz)


def used_today(session: Session, tenant: Tenant, now: datetime) -> int:
    """Questions counted against today's quota: all but those refused before sending."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(LbsRequest)
            .where(
                LbsRequest.tenant_id == tenant.id,
                LbsRequest.created_at >= _day_start(tenant, now),
                LbsRequest.status != LbsStatus.REFUSED.value,
            )
        )
        or 0
    )


def why_not(session: Session, tenant: Tenant, staff: Staff) -> str | None:
    """Why this person cannot be asked about now (None: they can)."""
    gateway = tenant_gateway(session, tenant.id)
    if gateway is None or not gateway.enabled:
        return "the tenant has no LBS gateway switched on"
    if not staff.phone:
        return "no phone number"
    if consent_of(session, tenant.id, staff.id) is None:
        return "no consent recorded"
    return None


def ask(
    session: Session,
    tenant: Tenant,
    staff: Staff,
    *,
    reason: str,
    requested_by: uuid.UUID | None = None,
    locate_request_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> LbsRequest:
    """A question for the worker to send, or one refused at once with why (no gateway,
    phone or consent, or today's quota used up). Questions of one tenant are counted
    against its quota one at a time (a transaction-scoped advisory lock)."""
    now = now or datetime.now(UTC)
    request = LbsRequest(
        tenant_id=tenant.id,
        id=uuid.uuid4(),
        staff_id=staff.id,
        reason=reason,
        requested_by=requested_by,
        locate_request_id=locate_request_id,
        status=LbsStatus.PENDING.value,
    )
    refusal = why_not(session, tenant, staff)
    if refusal is None:
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended('lbs-quota:' || :t, 0))"),
            {"t": str(tenant.id)},
        )
        gateway = tenant_gateway(session, tenant.id)
        assert gateway is not None
        if used_today(session, tenant, now) >= gateway.daily_quota:
            refusal = f"today's quota of {gateway.daily_quota} is used up"
    if refusal is not None:
        request.status, request.error = LbsStatus.REFUSED.value, refusal
        request.finished_at = now
    session.add(request)
    session.flush()
    return request


def requests_of(
    session: Session, actor: Actor, staff_id: uuid.UUID, *, limit: int = 50
) -> list[LbsRequest]:
    staff = actor.visible_staff(session, staff_id)
    return list(
        session.scalars(
            select(LbsRequest)
            .where(LbsRequest.tenant_id == staff.tenant_id, LbsRequest.staff_id == staff.id)
            .order_by(LbsRequest.created_at.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Usage:
    day_start: datetime
    used: int
    quota: int | None
    poll_every_min: int | None
    consenting: int


def usage(session: Session, actor: Actor, now: datetime | None = None) -> Usage:
    """Today's questions against the quota, and how many people have consented."""
    actor.require_admin()
    tenant = get_tenant(session, actor.tenant_id)
    now = now or datetime.now(UTC)
    gateway = tenant_gateway(session, tenant.id)
    consenting = session.scalar(
        select(func.count()).select_from(LbsConsent).where(LbsConsent.tenant_id == tenant.id)
    )
    return Usage(
        _day_start(tenant, now),
        used_today(session, tenant, now),
        gateway.daily_quota if gateway else None,
        gateway.poll_every_min if gateway else None,
        int(consenting or 0),
    )
