"""Travel claims: the requester writes a claim (a trip, its legs and expense lines) as a
draft, changes it while it is a draft or returned, and submits it: the GPS verification
is computed and the claim goes into approval (kind ``travel_claim``). Approvers see the
verification and set sanctioned amounts while it waits on them; the engine's outcome
moves the claim on (``on_outcome``, registered in ``fieldforce.flows``); finance marks
approved claims paid, in batches.

Who sees a claim: its requester; supervisors, managers and finance staff of the
requester's unit's subtree; administrators; and whoever its approval waits on or involved.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from geoalchemy2.shape import to_shape
from sqlalchemy import ColumnElement, delete, false, select, text
from sqlalchemy.orm import Session

from fieldforce.approvals import service as approvals
from fieldforce.approvals.models import ApprovalRequest, RequestKind, RequestStatus
from fieldforce.approvals.rules import Facts
from fieldforce.attachments import service as attachments
from fieldforce.attachments.models import SubjectKind
from fieldforce.audit import service as audit
from fieldforce.changes import UNSET, Changes, Unset
from fieldforce.errors import Conflict, Forbidden, Invalid, NotFound
from fieldforce.org.models import Role, Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.models import Module, Tenant, TenantSettings, TravelLimit
from fieldforce.tenancy.service import get_tenant
from fieldforce.travel.models import (
    EDITABLE,
    OPEN,
    Category,
    ClaimStatus,
    Mode,
    TravelClaim,
    TravelLeg,
    TravelLine,
)
from fieldforce.travel.verification import Destination, verify
from geo.distance import check_lonlat

MAX_SPAN_DAYS = 31
MAX_LEGS = 50
MAX_LINES = 200
MAX_AMOUNT = Decimal("9999999999.99")
MAX_KM = Decimal("99999999.9")
MAX_BATCH = 500
CENT = Decimal("0.01")


@dataclass(frozen=True)
class LegIn:
    place: str
    lon: float
    lat: float
    day: date | None = None
    mode: str | None = None
    city_tier: int | None = None


@dataclass(frozen=True)
class LineIn:
    category: str
    day: date
    amount: Decimal
    currency: str
    claimed_km: Decimal | None = None
    receipt_attachment_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ClaimIn:
    purpose: str
    start: date
    end: date
    legs: Sequence[LegIn]
    lines: Sequence[LineIn]


@dataclass(frozen=True)
class ClaimChanges(Changes):
    """A draft's or returned claim's changes; legs and lines, when sent, replace all."""

    purpose: str | Unset = UNSET
    start: date | Unset = UNSET
    end: date | Unset = UNSET
    legs: Sequence[LegIn] | Unset = UNSET
    lines: Sequence[LineIn] | Unset = UNSET


@dataclass(frozen=True)
class Claim:
    """A claim with its legs and lines, in order."""

    claim: TravelClaim
    legs: list[TravelLeg]
    lines: list[TravelLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def payable(self) -> Decimal:
        return sum(
            (
                line.amount if line.sanctioned_amount is None else line.sanctioned_amount
                for line in self.lines
            ),
            Decimal("0"),
        )

    @property
    def claimed_km(self) -> Decimal:
        return sum((line.claimed_km or Decimal("0") for line in self.lines), Decimal("0"))


# checking --------------------------------------------------------------------------------


def _money(value: Decimal, field: str) -> Decimal:
    try:
        finite = value.is_finite()
    except (AttributeError, InvalidOperation):
        finite = False
    if not finite or value <= 0 or value > MAX_AMOUNT:
        raise Invalid(f"{field} must be a positive amount", code="invalid_amount")
    if value != value.quantize(CENT):
        raise Invalid(f"{field} has at most two decimals", code="invalid_amount")
    return value


def _check(data: ClaimIn, currency: str) -> None:
    if not data.purpose.strip():
        raise Invalid("a claim needs a purpose", code="invalid_purpose")
    if data.end < data.start:
        raise Invalid("the trip ends before it starts", code="invalid_period")
    if (data.end - data.start).days + 1 > MAX_SPAN_DAYS:
        raise Invalid(f"a trip covers at most {MAX_SPAN_DAYS} days", code="invalid_period")
    if len(data.legs) > MAX_LEGS or len(data.lines) > MAX_LINES:
        raise Invalid(f"at most {MAX_LEGS} legs and {MAX_LINES} lines", code="too_many_items")

    def within(day: date | None, what: str, i: int) -> None:
        if day is not None and not data.start <= day <= data.end:
            raise Invalid(
                f"{what} {i + 1} is dated outside the trip",
                code="outside_period",
                details={"index": i},
            )

    for i, leg in enumerate(data.legs):
        if not leg.place.strip():
            raise Invalid(f"leg {i + 1} needs a place", code="invalid_leg")
        try:
            check_lonlat(leg.lon, leg.lat)
        except ValueError as e:
            raise Invalid(str(e), code="invalid_coordinates", details={"index": i}) from None
        if leg.mode is not None and leg.mode not in Mode.__members__.values():
            raise Invalid(f"leg {i + 1} has an unknown mode", code="invalid_leg")
        if leg.city_tier is not None and not 1 <= leg.city_tier <= 9:
            raise Invalid(f"leg {i + 1}: city tier is 1 to 9", code="invalid_leg")
        within(leg.day, "leg", i)
    for i, line in enumerate(data.lines):
        if line.category not in Category.__members__.values():
            raise Invalid(f"line {i + 1} has an unknown category", code="invalid_line")
        within(line.day, "line", i)
        _money(line.amount, f"line {i + 1}'s amount")
        if line.currency != currency:
            raise Invalid(
                f"claims are in {currency}",
                code="currency_mismatch",
                details={"index": i, "currency": currency},
            )
        km = line.claimed_km
        if km is not None and (not km.is_finite() or km < 0 or km > MAX_KM):
            raise Invalid(f"line {i + 1}'s kilometres are out of range", code="invalid_line")
        if line.category == Category.MILEAGE and not km:
            raise Invalid(f"mileage line {i + 1} needs claimed_km", code="invalid_line")


# limits ---------------------------------------------------------------------------------


def _limit(
    limits: Sequence[TravelLimit], category: str, roles: Sequence[str], tier: int | None
) -> Decimal | None:
    """The most specific daily limit for the category, the highest among equals."""
    best: tuple[int, float] | None = None
    for limit in limits:
        if limit.category != category:
            continue
        if limit.role is not None and limit.role not in roles:
            continue
        if limit.tier is not None and limit.tier != tier:
            continue
        rank = (limit.role is not None) + (limit.tier is not None)
        if best is None or (rank, limit.amount) > best:
            best = (rank, limit.amount)
    return None if best is None else Decimal(str(best[1])).quantize(CENT)


def _tier_on(day: date, legs: Sequence[LegIn]) -> int | None:
    """The city tier of where one was that day: the leg of that day, else the last one
    dated before it, else the first."""
    dated = sorted((leg for leg in legs if leg.day is not None), key=lambda leg: leg.day or day)
    here = [leg for leg in dated if leg.day is not None and leg.day <= day]
    leg = here[-1] if here else (legs[0] if legs else None)
    return None if leg is None else leg.city_tier


def _judge_lines(
    lines: Sequence[TravelLine], legs: Sequence[LegIn], roles: Sequence[str], s: TenantSettings
) -> None:
    """Each line's limit: km × rate for mileage; else the category's daily limit, the
    lines of a category on a day judged together (all over when their sum is)."""
    spent: dict[tuple[str, date], Decimal] = {}
    for line in lines:
        spent[(line.category, line.day)] = (
            spent.get((line.category, line.day), Decimal()) + line.amount
        )
    for line in lines:
        if line.category == Category.MILEAGE and s.travel_mileage_rate is not None:
            km = line.claimed_km or Decimal()
            line.limit_amount = (km * Decimal(str(s.travel_mileage_rate))).quantize(CENT)
            line.over_limit = line.amount > line.limit_amount
            continue
        limit = _limit(s.travel_daily_limits, line.category, roles, _tier_on(line.day, legs))
        line.limit_amount = limit
        line.over_limit = limit is not None and spent[(line.category, line.day)] > limit


# reading --------------------------------------------------------------------------------


def _visible(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The requester, those whose scope holds them (and finance within theirs), and
    whoever may read the claim's approval: its approvers and those standing in for them."""
    same = TravelClaim.tenant_id == actor.tenant_id
    if actor.is_admin:
        return same
    mine = TravelClaim.requester_id == actor.staff_id
    involved = TravelClaim.approval_id.in_(
        approvals.visible_ids(session, actor, RequestKind.TRAVEL_CLAIM)
    )
    below: ColumnElement[bool] = false()
    if actor.oversees_subtree or Role.FINANCE.value in actor.roles:
        below = TravelClaim.requester_id.in_(
            select(Staff.id).where(
                Staff.tenant_id == actor.tenant_id,
                Staff.org_unit_id.in_(actor.subtree_unit_ids()),
            )
        )
    return same & (mine | below | involved)


def _load(session: Session, claim: TravelClaim) -> Claim:
    legs = session.scalars(
        select(TravelLeg)
        .where(TravelLeg.tenant_id == claim.tenant_id, TravelLeg.claim_id == claim.id)
        .order_by(TravelLeg.position)
    )
    lines = session.scalars(
        select(TravelLine)
        .where(TravelLine.tenant_id == claim.tenant_id, TravelLine.claim_id == claim.id)
        .order_by(TravelLine.position)
    )
    return Claim(claim, list(legs), list(lines))


def get_claim(session: Session, actor: Actor, claim_id: uuid.UUID, *, lock: bool = False) -> Claim:
    actor.require_module(Module.TRAVEL)
    stmt = select(TravelClaim).where(TravelClaim.id == claim_id, _visible(session, actor))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    claim = session.scalar(stmt)
    if claim is None:
        raise NotFound("no such travel claim", details={"claim_id": str(claim_id)})
    return _load(session, claim)


def may_see_claim(session: Session, actor: Actor, claim_id: uuid.UUID) -> bool:
    """Whoever may read the claim: who may see its receipts."""
    return (
        session.scalar(
            select(TravelClaim.id).where(TravelClaim.id == claim_id, _visible(session, actor))
        )
        is not None
    )


def may_see_line(session: Session, actor: Actor, line_id: uuid.UUID) -> bool:
    line = session.get(TravelLine, (actor.tenant_id, line_id))
    return line is not None and may_see_claim(session, actor, line.claim_id)


def _link_receipts(session: Session, actor: Actor, claim: TravelClaim, data: ClaimIn) -> None:
    """The lines' receipts (the requester's own uploads) become the claim's attachments
    (the lines are written afresh on each change; the claim stays); receipts no line names
    any more are detached."""
    wanted = {x.receipt_attachment_id for x in data.lines if x.receipt_attachment_id}
    attachments.link(session, actor, SubjectKind.TRAVEL_CLAIM, claim.id, wanted)


def approval_of(session: Session, claim: TravelClaim) -> ApprovalRequest | None:
    if claim.approval_id is None:
        return None
    return session.get(ApprovalRequest, (claim.tenant_id, claim.approval_id))


def list_claims(
    session: Session,
    actor: Actor,
    *,
    mine: bool = False,
    status: str | None = None,
    staff_id: uuid.UUID | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Claim]:
    """Newest first; ``start``/``end``: trips overlapping those days."""
    actor.require_module(Module.TRAVEL)
    stmt = select(TravelClaim).where(_visible(session, actor))
    if mine:
        stmt = stmt.where(TravelClaim.requester_id == actor.staff_id)
    if status is not None:
        stmt = stmt.where(TravelClaim.status == status)
    if staff_id is not None:
        stmt = stmt.where(TravelClaim.requester_id == staff_id)
    if start is not None:
        stmt = stmt.where(TravelClaim.end_date >= start)
    if end is not None:
        stmt = stmt.where(TravelClaim.start_date <= end)
    page = paginate(
        session,
        stmt,
        [TravelClaim.created_at, TravelClaim.id],
        limit=limit,
        cursor=cursor,
        descending=True,
    )
    return Page([_load(session, c) for c in page.items], page.next_cursor)


# writing --------------------------------------------------------------------------------


def _settings(session: Session, tenant_id: uuid.UUID) -> tuple[Tenant, TenantSettings]:
    tenant = get_tenant(session, tenant_id)
    return tenant, tenant.effective_settings


def _leg_ins(data: ClaimIn, s: TenantSettings) -> list[LegIn]:
    """Legs with their city tier: as sent, else the tenant's tier of the place."""
    return [
        LegIn(
            leg.place.strip(),
            leg.lon,
            leg.lat,
            leg.day,
            leg.mode,
            leg.city_tier
            if leg.city_tier is not None
            else s.travel_city_tiers.get(leg.place.strip()),
        )
        for leg in data.legs
    ]


def _write_items(
    session: Session, claim: TravelClaim, data: ClaimIn, roles: Sequence[str], s: TenantSettings
) -> None:
    session.execute(
        delete(TravelLeg).where(
            TravelLeg.tenant_id == claim.tenant_id, TravelLeg.claim_id == claim.id
        )
    )
    session.execute(
        delete(TravelLine).where(
            TravelLine.tenant_id == claim.tenant_id, TravelLine.claim_id == claim.id
        )
    )
    legs = _leg_ins(data, s)
    for i, leg in enumerate(legs):
        session.add(
            TravelLeg(
                tenant_id=claim.tenant_id,
                claim_id=claim.id,
                position=i,
                place=leg.place,
                geom=f"SRID=4326;POINT({leg.lon!r} {leg.lat!r})",
                day=leg.day,
                mode=leg.mode,
                city_tier=leg.city_tier,
            )
        )
    lines = [
        TravelLine(
            tenant_id=claim.tenant_id,
            claim_id=claim.id,
            position=i,
            category=line.category,
            day=line.day,
            amount=line.amount,
            currency=line.currency,
            claimed_km=line.claimed_km,
            receipt_attachment_id=line.receipt_attachment_id,
            over_limit=False,
        )
        for i, line in enumerate(data.lines)
    ]
    _judge_lines(lines, legs, roles, s)
    session.add_all(lines)
    session.flush()


def create_claim(session: Session, actor: Actor, data: ClaimIn) -> Claim:
    """A draft claim of the caller's."""
    actor.require_module(Module.TRAVEL)
    _, s = _settings(session, actor.tenant_id)
    _check(data, s.travel_currency)
    claim = TravelClaim(
        tenant_id=actor.tenant_id,
        requester_id=actor.staff_id,
        purpose=data.purpose.strip(),
        start_date=data.start,
        end_date=data.end,
        status=ClaimStatus.DRAFT.value,
        currency=s.travel_currency,
        verification_stale=False,
    )
    session.add(claim)
    session.flush()
    _write_items(session, claim, data, sorted(actor.roles), s)
    _link_receipts(session, actor, claim, data)
    audit.record_by(session, actor, "travel_claim.create", "travel_claim", claim.id)
    return _load(session, claim)


def _as_input(loaded: Claim) -> ClaimIn:
    c = loaded.claim
    legs = []
    for leg in loaded.legs:
        point = to_shape(leg.geom)
        legs.append(LegIn(leg.place, point.x, point.y, leg.day, leg.mode, leg.city_tier))
    lines = [
        LineIn(
            line.category,
            line.day,
            line.amount,
            line.currency,
            line.claimed_km,
            line.receipt_attachment_id,
        )
        for line in loaded.lines
    ]
    return ClaimIn(c.purpose, c.start_date, c.end_date, legs, lines)


def _own_editable(session: Session, actor: Actor, claim_id: uuid.UUID) -> Claim:
    loaded = get_claim(session, actor, claim_id, lock=True)
    if loaded.claim.requester_id != actor.staff_id:
        raise Forbidden("only the requester changes a claim", code="not_requester")
    if loaded.claim.status not in EDITABLE:
        raise Conflict(
            "only a draft or a returned claim can be changed",
            code="not_editable",
            details={"status": loaded.claim.status},
        )
    return loaded


def update_claim(
    session: Session, actor: Actor, claim_id: uuid.UUID, changes: ClaimChanges
) -> Claim:
    loaded = _own_editable(session, actor, claim_id)
    sent = changes.sent()
    if not sent:
        return loaded
    before = _as_input(loaded)
    data = ClaimIn(
        purpose=str(sent.get("purpose", before.purpose)),
        start=sent.get("start", before.start),  # type: ignore[arg-type]
        end=sent.get("end", before.end),  # type: ignore[arg-type]
        legs=sent.get("legs", before.legs),  # type: ignore[arg-type]
        lines=sent.get("lines", before.lines),  # type: ignore[arg-type]
    )
    _, s = _settings(session, actor.tenant_id)
    _check(data, loaded.claim.currency)
    claim = loaded.claim
    claim.purpose, claim.start_date, claim.end_date = data.purpose.strip(), data.start, data.end
    if "legs" in sent or "lines" in sent:
        _write_items(session, claim, data, sorted(actor.roles), s)
        _link_receipts(session, actor, claim, data)
    session.flush()
    audit.record_by(
        session, actor, "travel_claim.update", "travel_claim", claim.id, {"fields": sorted(sent)}
    )
    session.expire(claim, ["updated_at"])
    return _load(session, claim)


def recompute(session: Session, loaded: Claim, now: datetime | None = None) -> None:
    """The claim's verification from the pings stored now."""
    claim = loaded.claim
    tenant, s = _settings(session, claim.tenant_id)
    destinations = []
    for leg in loaded.legs:
        point = to_shape(leg.geom)
        destinations.append(Destination(leg.place, point.x, point.y))
    claim.verification = verify(
        session,
        claim.tenant_id,
        claim.requester_id,
        claim.start_date,
        claim.end_date,
        destinations,
        loaded.claimed_km,
        s,
        ZoneInfo(tenant.timezone),
    )
    claim.verification_computed_at = now or datetime.now(UTC)
    claim.verification_stale = False
    session.flush()


def _facts(loaded: Claim) -> Facts:
    return Facts(amount=loaded.total, currency=loaded.claim.currency)


def submit_claim(
    session: Session, actor: Actor, claim_id: uuid.UUID, *, push: bool, now: datetime | None = None
) -> Claim:
    """Verified against the pings, then into approval (again, when it was returned)."""
    loaded = _own_editable(session, actor, claim_id)
    claim = loaded.claim
    if not loaded.lines:
        raise Invalid("a claim needs at least one expense line", code="no_lines")
    now = now or datetime.now(UTC)
    recompute(session, loaded, now)
    claim.status = ClaimStatus.SUBMITTED.value
    claim.submitted_at = now
    session.flush()
    previous = approval_of(session, claim)
    if previous is not None and previous.status == RequestStatus.RETURNED.value:
        request = approvals.resubmit(
            session, actor, previous.id, _facts(loaded), push=push, now=now
        )
    else:
        request = approvals.start(
            session,
            actor,
            kind=RequestKind.TRAVEL_CLAIM,
            subject_id=claim.id,
            facts=_facts(loaded),
            push=push,
            now=now,
        )
    claim.approval_id = request.id
    on_outcome(session, request)
    audit.record_by(
        session,
        actor,
        "travel_claim.submit",
        "travel_claim",
        claim.id,
        {"flags": (claim.verification or {}).get("flags", [])},
    )
    return _load(session, claim)


_OUTCOMES = {
    RequestStatus.IN_APPROVAL.value: ClaimStatus.IN_APPROVAL.value,
    RequestStatus.APPROVED.value: ClaimStatus.APPROVED.value,
    RequestStatus.REJECTED.value: ClaimStatus.REJECTED.value,
    RequestStatus.RETURNED.value: ClaimStatus.RETURNED.value,
    RequestStatus.WITHDRAWN.value: ClaimStatus.DRAFT.value,  # the requester may change it
}


def on_outcome(session: Session, request: ApprovalRequest) -> None:
    """The engine moved the claim's approval on: the claim follows."""
    claim = session.scalar(
        select(TravelClaim)
        .where(TravelClaim.tenant_id == request.tenant_id, TravelClaim.id == request.subject_id)
        .with_for_update()
    )
    if claim is None or claim.approval_id not in (None, request.id):
        return
    if claim.status == ClaimStatus.PAID.value:
        return
    claim.status = _OUTCOMES[request.status]
    session.flush()


def sanction_line(
    session: Session,
    actor: Actor,
    claim_id: uuid.UUID,
    line_id: uuid.UUID,
    amount: Decimal | None,
    reason: str | None,
) -> Claim:
    """An approver the claim waits on sets (or, with None, clears) what a line is worth."""
    loaded = get_claim(session, actor, claim_id, lock=True)
    request = approval_of(session, loaded.claim)
    deciding_as = None if request is None else approvals.deciding_as(session, actor, request)
    if deciding_as is None:
        raise Forbidden(
            "only an approver the claim waits on (or their delegate) sanctions its lines",
            code="not_waiting_on_you",
        )
    line = next((x for x in loaded.lines if x.id == line_id), None)
    if line is None:
        raise NotFound("no such line on this claim", details={"line_id": str(line_id)})
    if amount is not None:
        if amount != amount or not isinstance(amount, Decimal) or not amount.is_finite():
            raise Invalid("the sanctioned amount must be a number", code="invalid_amount")
        if amount < 0 or amount > line.amount or amount != amount.quantize(CENT):
            raise Invalid(
                "the sanctioned amount is between 0 and the claimed amount",
                code="invalid_sanction",
                details={"claimed": str(line.amount)},
            )
        if not reason or not reason.strip():
            raise Invalid("a sanctioned amount needs a reason", code="reason_required")
    line.sanctioned_amount = amount
    line.sanction_reason = reason.strip() if amount is not None and reason else None
    line.sanctioned_by_id = actor.staff_id if amount is not None else None
    session.flush()
    audit.record_by(
        session,
        actor,
        "travel_claim.sanction",
        "travel_claim",
        loaded.claim.id,
        {
            "line_id": line.id,
            "amount": None if amount is None else str(amount),
            "reason": reason,
            "on_behalf_of": None if deciding_as == actor.staff_id else deciding_as,
        },
    )
    return loaded


def _require_finance(actor: Actor) -> None:
    if not (actor.is_admin or Role.FINANCE.value in actor.roles):
        raise Forbidden("only finance staff or an administrator pay claims", code="not_finance")


def pay_claims(
    session: Session, actor: Actor, claim_ids: Sequence[uuid.UUID], now: datetime | None = None
) -> list[Claim]:
    """Approved claims marked paid together (one batch), or none of them."""
    actor.require_module(Module.TRAVEL)
    _require_finance(actor)
    wanted = list(dict.fromkeys(claim_ids))
    if not 1 <= len(wanted) <= MAX_BATCH:
        raise Invalid(f"a batch pays 1 to {MAX_BATCH} claims", code="invalid_batch")
    claims = list(
        session.scalars(
            select(TravelClaim)
            .where(TravelClaim.id.in_(wanted), _visible(session, actor))
            .order_by(TravelClaim.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    found = {c.id for c in claims}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise NotFound("no such travel claims", details={"claim_ids": missing})
    unpaid = [str(c.id) for c in claims if c.status != ClaimStatus.APPROVED.value]
    if unpaid:
        raise Conflict(
            "only approved claims can be paid", code="not_approved", details={"claim_ids": unpaid}
        )
    now = now or datetime.now(UTC)
    batch = uuid.uuid4()
    for claim in claims:
        claim.status = ClaimStatus.PAID.value
        claim.paid_at, claim.paid_by_id, claim.paid_batch_id = now, actor.staff_id, batch
    session.flush()
    audit.record_by(
        session,
        actor,
        "travel_claim.pay",
        "travel_claim",
        None,
        {"batch_id": batch, "claim_ids": [c.id for c in claims]},
    )
    by_id = {c.id: c for c in claims}
    return [_load(session, by_id[i]) for i in wanted]


@dataclass(frozen=True)
class ExportRow:
    claim: Claim
    requester: Staff


def export_claims(
    session: Session,
    actor: Actor,
    *,
    status: str,
    start: date | None,
    end: date | None,
    limit: int = 10_000,
) -> list[ExportRow]:
    """Claims in scope with a status, oldest first; for ``paid`` the days (tenant time)
    are those they were paid on, else those of the trip."""
    actor.require_module(Module.TRAVEL)
    _require_finance(actor)
    tenant = get_tenant(session, actor.tenant_id)
    tz = ZoneInfo(tenant.timezone)
    stmt = (
        select(TravelClaim, Staff)
        .join(
            Staff,
            (Staff.tenant_id == TravelClaim.tenant_id) & (Staff.id == TravelClaim.requester_id),
        )
        .where(_visible(session, actor), TravelClaim.status == status)
    )
    if status == ClaimStatus.PAID.value:
        if start is not None:
            stmt = stmt.where(
                TravelClaim.paid_at >= datetime.combine(start, datetime.min.time(), tz)
            )
        if end is not None:
            after = datetime.combine(end + timedelta(days=1), datetime.min.time(), tz)
            stmt = stmt.where(TravelClaim.paid_at < after)
        stmt = stmt.order_by(TravelClaim.paid_at, TravelClaim.id)
    else:
        if start is not None:
            stmt = stmt.where(TravelClaim.end_date >= start)
        if end is not None:
            stmt = stmt.where(TravelClaim.start_date <= end)
        stmt = stmt.order_by(TravelClaim.start_date, TravelClaim.id)
    return [ExportRow(_load(session, c), s) for c, s in session.execute(stmt.limit(limit))]


# late pings -------------------------------------------------------------------------------


_MARK_MANY = text("""
    UPDATE travel_claim c SET verification_stale = true
      FROM unnest(CAST(:tenants AS uuid[]), CAST(:staff AS uuid[]), CAST(:firsts AS date[]),
                  CAST(:lasts AS date[])) AS d(tenant_id, staff_id, first, last)
     WHERE c.tenant_id = d.tenant_id AND c.requester_id = d.staff_id
       AND c.start_date <= d.last AND c.end_date >= d.first AND c.status = ANY(:open)
    RETURNING c.tenant_id, c.id
""")


def mark_many_for_recheck(
    session: Session, spans: Sequence[tuple[uuid.UUID, uuid.UUID, date, date]]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """People's open claims whose period meets the local days of their newly stored
    fixes, each given as (tenant, person, first day, last day), marked stale: one
    statement for everyone. Returns the claims marked, by tenant."""
    if not spans:
        return {}
    rows = session.execute(
        _MARK_MANY,
        {
            "tenants": [str(t) for t, _, _, _ in spans],
            "staff": [str(s) for _, s, _, _ in spans],
            "firsts": [f for _, _, f, _ in spans],
            "lasts": [last for _, _, _, last in spans],
            "open": list(OPEN),
        },
    )
    marked: dict[uuid.UUID, list[uuid.UUID]] = {}
    for tenant_id, claim_id in rows:
        marked.setdefault(tenant_id, []).append(claim_id)
    return marked


def recheck(session: Session, tenant_id: uuid.UUID, claim_ids: Sequence[uuid.UUID]) -> None:
    """The verification of stale claims computed again."""
    for claim_id in claim_ids:
        claim = session.scalar(
            select(TravelClaim)
            .where(TravelClaim.tenant_id == tenant_id, TravelClaim.id == claim_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if claim is not None and claim.verification_stale:
            recompute(session, _load(session, claim))


def local_days(times: Sequence[datetime], tz: ZoneInfo) -> tuple[date, date] | None:
    if not times:
        return None
    days = [t.astimezone(tz).date() for t in times]
    return min(days), max(days)
