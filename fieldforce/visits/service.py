"""Visits: checked in where the customer is and out again, verified by distance (the fix
within the customer's radius plus its accuracy, the accuracy counted up to the tenant's
cap), stored as unverified or refused by the tenant's policy; one open visit per person;
a retried check-in is the same visit; visits left open are closed by the tenant's limit.

A cold visit may make its prospect at the door; a follow-up is linked to the customer's
visit before it; the outcome may move the customer along its stages.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from geoalchemy2 import WKTElement
from geoalchemy2.shape import to_shape
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.customers import service as customers
from fieldforce.customers.models import Customer
from fieldforce.db import lock_for_transaction
from fieldforce.errors import Conflict, Forbidden, Invalid, NotFound
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.models import Module, Tenant, TenantSettings
from fieldforce.visits.models import STAGE_OF, Verification, Visit, VisitStatus, VisitType

__all__ = ["Fix", "Outcome", "Visit", "VisitType"]
from geo.distance import distance_m

OUTCOME_MAX, NOTES_MAX = 200, 4000
BATCH = 500


@dataclass(frozen=True)
class Fix:
    time: datetime
    lon: float
    lat: float
    accuracy_m: float | None = None
    crs: str = "wgs84"
    mock: bool = False


@dataclass(frozen=True)
class Judged:
    lon: float
    lat: float
    distance_m: float
    allowed_m: float
    verification: Verification


def judge(settings: TenantSettings, customer: Customer, fix: Fix) -> Judged:
    """Verified when the fix is within the customer's radius plus its accuracy (counted up
    to the tenant's cap: a coarse fix does not stretch the circle without end)."""
    lon, lat = customers.check_position(fix.lon, fix.lat, fix.crs)
    there = to_shape(customer.geom)
    metres = distance_m(lon, lat, there.x, there.y)
    accuracy = settings.visit_accuracy_cap_m if fix.accuracy_m is None else fix.accuracy_m
    allowed = customer.visit_radius_m + min(accuracy, settings.visit_accuracy_cap_m)
    ok = metres <= allowed and not fix.mock
    return Judged(
        lon, lat, metres, allowed, Verification.VERIFIED if ok else Verification.UNVERIFIED
    )


def check_time(settings: TenantSettings, fix: Fix, now: datetime) -> None:
    if fix.time > now + timedelta(seconds=settings.future_tolerance_s):
        raise Invalid("the time is in the future", code="future_time")
    if fix.time < now - timedelta(days=settings.upload_window_days):
        raise Invalid(
            f"older than the tenant's upload window of {settings.upload_window_days} days",
            code="too_old",
        )


def refuse_if_away(settings: TenantSettings, judged: Judged, fix: Fix) -> None:
    if judged.verification is Verification.VERIFIED or settings.visit_policy != "refuse":
        return
    raise Invalid(
        "not at the customer" + (": a mock location" if fix.mock else ""),
        code="not_at_customer",
        details={"distance_m": round(judged.distance_m, 1), "allowed_m": judged.allowed_m},
    )


def _scope(actor: Actor) -> ColumnElement[bool]:
    """Visits of the people this actor sees (their own for a rep)."""
    return (Visit.tenant_id == actor.tenant_id) & Visit.staff_id.in_(
        select(Staff.id).where(actor.staff_clause())
    )


def get_visit(session: Session, actor: Actor, visit_id: uuid.UUID, *, lock: bool = False) -> Visit:
    actor.require_module(Module.VISITS.value)
    stmt = select(Visit).where(Visit.id == visit_id, _scope(actor))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("no such visit", details={"visit_id": str(visit_id)})
    return found


def may_see_visit(session: Session, actor: Actor, visit_id: uuid.UUID) -> bool:
    """Who may see a visit's photos."""
    found = session.scalar(select(Visit.id).where(Visit.id == visit_id, _scope(actor)))
    return found is not None


def _earlier_visit(session: Session, customer: Customer, before: datetime) -> Visit | None:
    return session.scalar(
        select(Visit)
        .where(
            Visit.tenant_id == customer.tenant_id,
            Visit.customer_id == customer.id,
            Visit.in_at < before,
        )
        .order_by(Visit.in_at.desc())
        .limit(1)
    )


def _customer_for(
    session: Session,
    actor: Actor,
    kind: VisitType,
    customer_id: uuid.UUID | None,
    prospect: customers.CustomerDraft | None,
) -> Customer:
    """The visited customer, of the stage the kind of visit is for; a cold visit may make
    its prospect at the door."""
    if customer_id is None:
        if kind is not VisitType.COLD or prospect is None:
            raise Invalid(
                "a visit names its customer (a cold visit may describe a new one instead)",
                code="customer_required",
            )
        return customers.create_customer(session, actor, prospect)
    if prospect is not None:
        raise Invalid("name a customer or describe a new one, not both", code="customer_twice")
    customer = customers.get_customer(session, actor, customer_id)
    if customer.stage != STAGE_OF[kind]:
        raise Conflict(
            f"a {kind.value} visit is to a {STAGE_OF[kind]} customer; this one is {customer.stage}",
            code="wrong_visit_type",
            details={"stage": customer.stage},
        )
    return customer


def check_in(
    session: Session,
    actor: Actor,
    *,
    kind: VisitType,
    fix: Fix,
    visit_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    prospect: customers.CustomerDraft | None = None,
    previous_visit_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> tuple[Visit, bool]:
    """The caller's check-in (a new visit), and whether it was sent before (the same `id`
    again answers the visit already made, changing nothing)."""
    actor.require_module(Module.VISITS.value)
    now = now or datetime.now(UTC)
    lock_for_transaction(session, f"visit:{actor.tenant_id}:{actor.staff_id}")
    if visit_id is not None:
        existing = session.get(Visit, (actor.tenant_id, visit_id))
        if existing is not None:
            if existing.staff_id != actor.staff_id:
                raise Conflict("this visit id is taken", code="id_in_use")
            return existing, True
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    settings = tenant.effective_settings
    check_time(settings, fix, now)
    customers.check_position(fix.lon, fix.lat, fix.crs)
    if prospect is not None:
        lon, lat = customers.check_position(fix.lon, fix.lat, fix.crs)
        prospect = customers.CustomerDraft(
            **{**prospect.__dict__, "lon": lon, "lat": lat, "crs": "wgs84", "stage": "prospect"}
        )
    open_one = session.scalar(
        select(Visit.id).where(
            Visit.tenant_id == actor.tenant_id,
            Visit.staff_id == actor.staff_id,
            Visit.status == VisitStatus.OPEN.value,
        )
    )
    if open_one is not None:
        raise Conflict(
            "check out of the open visit first",
            code="visit_open",
            details={"visit_id": str(open_one)},
        )
    customer = _customer_for(session, actor, kind, customer_id, prospect)
    judged = judge(settings, customer, fix)
    refuse_if_away(settings, judged, fix)
    previous = _previous(session, customer, kind, previous_visit_id, fix.time)
    visit = Visit(
        tenant_id=actor.tenant_id,
        id=visit_id or uuid.uuid4(),
        staff_id=actor.staff_id,
        customer_id=customer.id,
        type=kind.value,
        status=VisitStatus.OPEN.value,
        previous_visit_id=previous,
        in_at=fix.time,
        in_received_at=now,
        in_geom=WKTElement(f"POINT({judged.lon} {judged.lat})", srid=4326),
        in_accuracy_m=fix.accuracy_m,
        in_distance_m=round(judged.distance_m, 1),
        in_verification=judged.verification.value,
        mock=fix.mock,
    )
    session.add(visit)
    session.flush()
    audit.record_by(
        session,
        actor,
        "visit.check_in",
        "visit",
        visit.id,
        {"customer_id": customer.id, "type": kind.value, "verification": judged.verification},
    )
    return visit, False


def _previous(
    session: Session,
    customer: Customer,
    kind: VisitType,
    previous_visit_id: uuid.UUID | None,
    at: datetime,
) -> uuid.UUID | None:
    """A follow-up's earlier visit: the one named (of the same customer), else the latest."""
    if previous_visit_id is not None:
        named = session.get(Visit, (customer.tenant_id, previous_visit_id))
        if named is None or named.customer_id != customer.id or named.in_at >= at:
            raise Invalid(
                "the earlier visit is one to the same customer, before this one",
                code="invalid_previous_visit",
            )
        return named.id
    if kind is not VisitType.FOLLOW_UP:
        return None
    earlier = _earlier_visit(session, customer, at)
    if earlier is None:
        raise Conflict(
            "a follow-up follows an earlier visit; there is none", code="no_earlier_visit"
        )
    return earlier.id


@dataclass(frozen=True)
class Outcome:
    outcome: str | None = None
    notes: str | None = None
    stage: str | None = None  # the stage the customer moves to
    stage_reason: str | None = None
    follow_up_on: date | None = None


def check_out(
    session: Session,
    actor: Actor,
    visit_id: uuid.UUID,
    fix: Fix,
    result: Outcome,
    *,
    now: datetime | None = None,
) -> Visit:
    """The visitor checks out: the position verified as at check-in, the time on site, the
    outcome; a stage given moves the customer (recorded as made by this visit)."""
    visit = get_visit(session, actor, visit_id, lock=True)
    if visit.staff_id != actor.staff_id:
        raise Forbidden("only the visitor checks out", code="not_visitor")
    if visit.status != VisitStatus.OPEN.value:
        raise Conflict("the visit is closed", code="visit_closed", details={"status": visit.status})
    now = now or datetime.now(UTC)
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    settings = tenant.effective_settings
    check_time(settings, fix, now)
    if fix.time < visit.in_at:
        raise Invalid("the check-out is before the check-in", code="out_before_in")
    if len(result.outcome or "") > OUTCOME_MAX or len(result.notes or "") > NOTES_MAX:
        raise Invalid("an outcome of 200 and notes of 4,000 characters at most", code="too_long")
    local_day = visit.in_at.astimezone(ZoneInfo(tenant.timezone)).date()
    if result.follow_up_on is not None and result.follow_up_on <= local_day:
        raise Invalid("the follow-up is on a later day", code="invalid_follow_up")
    customer = session.get(Customer, (visit.tenant_id, visit.customer_id))
    assert customer is not None
    judged = judge(settings, customer, fix)
    refuse_if_away(settings, judged, fix)
    if result.stage is not None and result.stage != customer.stage:
        customers.change_stage(
            session, actor, customer.id, result.stage, result.stage_reason, visit_id=visit.id
        )
        visit.stage_to = result.stage
    visit.status = VisitStatus.CLOSED.value
    visit.out_at, visit.out_accuracy_m = fix.time, fix.accuracy_m
    visit.out_geom = WKTElement(f"POINT({judged.lon} {judged.lat})", srid=4326)
    visit.out_distance_m, visit.out_verification = round(judged.distance_m, 1), judged.verification
    visit.duration_s = int((fix.time - visit.in_at).total_seconds())
    visit.outcome = (result.outcome or "").strip() or None
    visit.notes = (result.notes or "").strip() or None
    visit.follow_up_on = result.follow_up_on
    session.flush()
    audit.record_by(
        session,
        actor,
        "visit.check_out",
        "visit",
        visit.id,
        {
            "verification": judged.verification,
            "stage": result.stage,
            "duration_s": visit.duration_s,
        },
    )
    return visit


def close_forgotten(session: Session, now: datetime) -> int:
    """Visits still open past the tenant's limit, closed as auto_closed (no time on site:
    nobody knows when the visitor left); rows another process is closing are skipped."""
    rows = session.execute(
        select(Visit, Tenant)
        .join(Tenant, Tenant.id == Visit.tenant_id)
        .where(Visit.status == VisitStatus.OPEN.value, Visit.in_at < now - timedelta(hours=1))
        .order_by(Visit.in_at)
        .limit(BATCH)
        .with_for_update(of=Visit, skip_locked=True)
    ).all()
    closed = 0
    for visit, tenant in rows:
        limit = timedelta(hours=tenant.effective_settings.visit_auto_close_h)
        if visit.in_at + limit <= now:
            visit.status = VisitStatus.AUTO_CLOSED.value
            closed += 1
    session.flush()
    return closed


@dataclass(frozen=True)
class VisitFilters:
    staff_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    kind: str | None = None
    verification: str | None = None
    status: str | None = None
    start: datetime | None = None
    end: datetime | None = None


def list_visits(
    session: Session, actor: Actor, f: VisitFilters, *, limit: int, cursor: str | None
) -> Page[Visit]:
    """Newest first, of the people in scope (one's own for a rep)."""
    actor.require_module(Module.VISITS.value)
    stmt = select(Visit).where(_scope(actor))
    if f.staff_id is not None:
        actor.visible_staff(session, f.staff_id)
        stmt = stmt.where(Visit.staff_id == f.staff_id)
    if f.customer_id is not None:
        stmt = stmt.where(
            Visit.customer_id == customers.get_customer(session, actor, f.customer_id).id
        )
    if f.kind is not None:
        stmt = stmt.where(Visit.type == f.kind)
    if f.verification is not None:
        stmt = stmt.where(Visit.in_verification == f.verification)
    if f.status is not None:
        stmt = stmt.where(Visit.status == f.status)
    if f.start is not None:
        stmt = stmt.where(Visit.in_at >= f.start)
    if f.end is not None:
        stmt = stmt.where(Visit.in_at < f.end)
    return paginate(
        session, stmt, [Visit.in_at, Visit.id], limit=limit, cursor=cursor, descending=True
    )
