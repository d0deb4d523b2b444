"""Leave (请假): the tenant's types (the defaults written at its first use), allocations
and adjustments written to the ledger, balances, and requests: counted against the
person's duty plan, refused when they overlap another or exceed the type's limits or the
balance, sent through the approvals engine and settled by its outcome."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fieldforce.approvals import service as approvals
from fieldforce.approvals.models import ApprovalRequest, RequestKind, RequestStatus
from fieldforce.approvals.rules import Facts
from fieldforce.attachments import service as attachments
from fieldforce.attachments.models import SubjectKind
from fieldforce.audit import service as audit
from fieldforce.changes import UNSET, Changes, Unset
from fieldforce.db import lock_for_transaction, refuse_clash
from fieldforce.duty.models import DutyException, ExceptionKind
from fieldforce.duty.service import plan_for
from fieldforce.errors import Conflict, Forbidden, Invalid, NotFound
from fieldforce.leave import days as counting
from fieldforce.leave.balances import Balance, balances
from fieldforce.leave.models import (
    HOLDING,
    EntryKind,
    LeaveAllocation,
    LeaveEntry,
    LeaveRequest,
    LeaveStatus,
    LeaveType,
)
from fieldforce.monitoring.models import ZoneEvent
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.models import Module, Tenant

COVERED = "covered_by_leave"

# the types every tenant starts with; administrators change or deactivate them
DEFAULT_TYPES: list[dict[str, object]] = [
    {"code": "annual", "name": "Annual leave 年假", "paid": True},
    {
        "code": "sick",
        "name": "Sick leave 病假",
        "paid": True,
        "allow_negative": True,
        "attachment_required_above_days": Decimal(2),
    },
    {"code": "personal", "name": "Personal leave 事假", "paid": False, "allow_negative": True},
    {
        "code": "marriage",
        "name": "Marriage leave 婚假",
        "paid": True,
        "allow_negative": True,
        "max_consecutive_days": Decimal(3),
        "attachment_required_above_days": Decimal(0),
    },
    {
        "code": "maternity",
        "name": "Maternity leave 产假",
        "paid": True,
        "allow_negative": True,
        "max_consecutive_days": Decimal(98),
        "counts_holidays_and_rest_days": True,
        "attachment_required_above_days": Decimal(0),
        "half_days_allowed": False,
    },
    {
        "code": "paternity",
        "name": "Paternity leave 陪产假",
        "paid": True,
        "allow_negative": True,
        "max_consecutive_days": Decimal(15),
        "counts_holidays_and_rest_days": True,
        "half_days_allowed": False,
    },
    {
        "code": "bereavement",
        "name": "Bereavement leave 丧假",
        "paid": True,
        "allow_negative": True,
        "max_consecutive_days": Decimal(3),
    },
]
_TYPE_DEFAULTS = {
    "paid": True,
    "allow_negative": False,
    "max_consecutive_days": None,
    "counts_holidays_and_rest_days": False,
    "attachment_required_above_days": None,
    "half_days_allowed": True,
    "active": True,
}


def actor_may_use(actor: Actor) -> None:
    """Leave is a module the tenant may have switched off."""
    actor.require_module(Module.LEAVE.value)


_require_module = actor_may_use


# --- types ---


def ensure_default_types(session: Session, tenant_id: uuid.UUID) -> None:
    """The default types the tenant lacks (by code), written at its first use, as the
    approvals engine writes its default flows: tenants made before leave existed and by
    any means get them; two transactions doing it at once write them once."""
    rows = [{"tenant_id": tenant_id, **_TYPE_DEFAULTS, **t} for t in DEFAULT_TYPES]
    session.execute(
        insert(LeaveType).values(rows).on_conflict_do_nothing(index_elements=["tenant_id", "code"])
    )


def list_types(
    session: Session, actor: Actor, *, include_inactive: bool = False
) -> list[LeaveType]:
    _require_module(actor)
    ensure_default_types(session, actor.tenant_id)
    stmt = select(LeaveType).where(LeaveType.tenant_id == actor.tenant_id)
    if not include_inactive:
        stmt = stmt.where(LeaveType.active.is_(True))
    return list(session.scalars(stmt.order_by(LeaveType.created_at, LeaveType.code)))


def get_type(session: Session, actor: Actor, type_id: uuid.UUID) -> LeaveType:
    found = session.get(LeaveType, (actor.tenant_id, type_id))
    if found is None:
        raise NotFound("no such leave type", details={"leave_type_id": str(type_id)})
    return found


@dataclass(frozen=True)
class TypeChanges(Changes):
    """What a leave type update changes; fields left UNSET stay as they are."""

    name: str | Unset = UNSET
    paid: bool | Unset = UNSET
    allow_negative: bool | Unset = UNSET
    max_consecutive_days: Decimal | Unset | None = UNSET
    counts_holidays_and_rest_days: bool | Unset = UNSET
    attachment_required_above_days: Decimal | Unset | None = UNSET
    half_days_allowed: bool | Unset = UNSET
    active: bool | Unset = UNSET


def create_type(session: Session, actor: Actor, code: str, changes: TypeChanges) -> LeaveType:
    """Administrators: a type of the tenant's own (``name`` required)."""
    _require_module(actor)
    actor.require_admin()
    ensure_default_types(session, actor.tenant_id)
    values = changes.sent()
    if "name" not in values:
        raise Invalid("a leave type needs a name", code="name_required")
    refuse_clash(
        session,
        select(LeaveType.id).where(LeaveType.tenant_id == actor.tenant_id, LeaveType.code == code),
        "there is already a leave type with that code",
        code="duplicate_leave_type",
        name="leave_type_id",
    )
    leave_type = LeaveType(
        tenant_id=actor.tenant_id, id=uuid.uuid4(), code=code, **{**_TYPE_DEFAULTS, **values}
    )
    session.add(leave_type)
    session.flush()
    audit.record_by(
        session, actor, "leave_type.create", "leave_type", leave_type.id, {"code": code, **values}
    )
    return leave_type


def update_type(
    session: Session, actor: Actor, type_id: uuid.UUID, changes: TypeChanges
) -> LeaveType:
    _require_module(actor)
    actor.require_admin()
    leave_type = get_type(session, actor, type_id)
    before = {k: getattr(leave_type, k) for k in changes.sent()}
    for key, value in changes.sent().items():
        setattr(leave_type, key, value)
    session.flush()
    audit.record_by(
        session,
        actor,
        "leave_type.update",
        "leave_type",
        leave_type.id,
        {k: {"from": before[k], "to": v} for k, v in changes.sent().items() if before[k] != v},
    )
    return leave_type


# --- allocations and the ledger ---


def _managed(session: Session, actor: Actor, staff_id: uuid.UUID) -> Staff:
    """Administrators, and managers of the person (in their subtree, roles they grant)."""
    return actor.manageable_staff(session, staff_id)


def _entry(
    staff: Staff,
    leave_type: LeaveType,
    year: int,
    kind: EntryKind,
    days: Decimal,
    *,
    by: uuid.UUID | None,
    reason: str = "",
    request_id: uuid.UUID | None = None,
    allocation_id: uuid.UUID | None = None,
    on_day: date | None = None,
    expires_on: date | None = None,
) -> LeaveEntry:
    return LeaveEntry(
        tenant_id=staff.tenant_id,
        id=uuid.uuid4(),
        staff_id=staff.id,
        leave_type_id=leave_type.id,
        year=year,
        kind=kind.value,
        days=days,
        reason=reason,
        request_id=request_id,
        allocation_id=allocation_id,
        on_day=on_day,
        expires_on=expires_on,
        created_by=by,
    )


def allocate(
    session: Session,
    actor: Actor,
    *,
    staff_id: uuid.UUID,
    leave_type_id: uuid.UUID,
    year: int,
    days: Decimal,
    carried_days: Decimal = Decimal(0),
    carry_expires_on: date | None = None,
) -> LeaveAllocation:
    """A person's days of a type for a year, and what they carry from the year before
    (lapsing after ``carry_expires_on``); one allocation per person, type and year
    (later changes are adjustments)."""
    _require_module(actor)
    staff = _managed(session, actor, staff_id)
    leave_type = get_type(session, actor, leave_type_id)
    if carried_days and carry_expires_on is not None and carry_expires_on.year != year:
        raise Invalid("carried days expire within the year", code="invalid_carry_over")
    refuse_clash(
        session,
        select(LeaveAllocation.id).where(
            LeaveAllocation.tenant_id == actor.tenant_id,
            LeaveAllocation.staff_id == staff.id,
            LeaveAllocation.leave_type_id == leave_type.id,
            LeaveAllocation.year == year,
        ),
        "they already have an allocation of this type for that year: adjust it instead",
        code="duplicate_allocation",
        name="allocation_id",
    )
    allocation = LeaveAllocation(
        tenant_id=actor.tenant_id,
        id=uuid.uuid4(),
        staff_id=staff.id,
        leave_type_id=leave_type.id,
        year=year,
        days=days,
        carried_days=carried_days,
        carry_expires_on=carry_expires_on,
        created_by=actor.staff_id,
    )
    session.add(allocation)
    session.add(
        _entry(
            staff,
            leave_type,
            year,
            EntryKind.ALLOCATION,
            days,
            by=actor.staff_id,
            allocation_id=allocation.id,
        )
    )
    if carried_days:
        session.add(
            _entry(
                staff,
                leave_type,
                year,
                EntryKind.CARRY_OVER,
                carried_days,
                by=actor.staff_id,
                allocation_id=allocation.id,
                expires_on=carry_expires_on,
                reason=f"carried from {year - 1}",
            )
        )
    session.flush()
    audit.record_by(
        session,
        actor,
        "leave_allocation.create",
        "leave_allocation",
        allocation.id,
        {
            "staff_id": staff.id,
            "leave_type": leave_type.code,
            "year": year,
            "days": str(days),
            "carried_days": str(carried_days),
        },
    )
    return allocation


def adjust(
    session: Session,
    actor: Actor,
    *,
    staff_id: uuid.UUID,
    leave_type_id: uuid.UUID,
    year: int,
    days: Decimal,
    reason: str,
) -> LeaveEntry:
    """A correction to a balance (days signed), with the reason."""
    _require_module(actor)
    staff = _managed(session, actor, staff_id)
    leave_type = get_type(session, actor, leave_type_id)
    if days == 0:
        raise Invalid("an adjustment changes the balance: days may not be 0", code="invalid_days")
    if not reason.strip():
        raise Invalid("say why: a reason is required", code="reason_required")
    entry = _entry(
        staff, leave_type, year, EntryKind.ADJUSTMENT, days, by=actor.staff_id, reason=reason
    )
    session.add(entry)
    session.flush()
    audit.record_by(
        session,
        actor,
        "leave.adjust",
        "leave_ledger",
        entry.id,
        {"staff_id": staff.id, "leave_type": leave_type.code, "year": year, "days": str(days)},
    )
    return entry


def local_today(session: Session, tenant_id: uuid.UUID, now: datetime | None = None) -> date:
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(tenant.timezone)).date()


def staff_balances(
    session: Session,
    actor: Actor,
    staff_id: uuid.UUID,
    *,
    year: int | None = None,
    now: datetime | None = None,
) -> list[tuple[LeaveType, Balance]]:
    """One's own balances, or those of people in scope: every active type (and any
    inactive one with entries), for a year (this one in the tenant's time zone)."""
    _require_module(actor)
    staff = actor.visible_staff(session, staff_id)
    today = local_today(session, actor.tenant_id, now)
    types = list_types(session, actor, include_inactive=True)
    found = balances(
        session, actor.tenant_id, staff.id, year or today.year, today, [t.id for t in types]
    )
    return [
        (t, found[t.id])
        for t in types
        if t.active or found[t.id].balance or found[t.id].taken or found[t.id].allocated
    ]


def ledger(
    session: Session,
    actor: Actor,
    staff_id: uuid.UUID,
    *,
    leave_type_id: uuid.UUID | None,
    year: int | None,
    limit: int,
    cursor: str | None,
) -> Page[LeaveEntry]:
    _require_module(actor)
    staff = actor.visible_staff(session, staff_id)
    stmt = select(LeaveEntry).where(
        LeaveEntry.tenant_id == actor.tenant_id, LeaveEntry.staff_id == staff.id
    )
    if leave_type_id is not None:
        stmt = stmt.where(LeaveEntry.leave_type_id == leave_type_id)
    if year is not None:
        stmt = stmt.where(LeaveEntry.year == year)
    return paginate(session, stmt, [LeaveEntry.at, LeaveEntry.id], limit=limit, cursor=cursor)


# --- requests ---


@dataclass(frozen=True)
class Period:
    """What a request asks for: a type and local dates, with the halves."""

    leave_type_id: uuid.UUID
    start: date
    end: date
    start_half: str | None = None
    end_half: str | None = None


@dataclass(frozen=True)
class RequestChanges(Changes):
    """What a draft or returned request's update changes."""

    leave_type_id: uuid.UUID | Unset = UNSET
    start: date | Unset = UNSET
    end: date | Unset = UNSET
    start_half: str | Unset | None = UNSET
    end_half: str | Unset | None = UNSET
    reason: str | Unset = UNSET
    attachment_id: uuid.UUID | Unset | None = UNSET  # None: the certificate removed


def _window(day: date) -> tuple[datetime, datetime]:
    first = datetime.combine(day, time(), tzinfo=UTC)
    return first - timedelta(days=1), first + timedelta(days=2)


def count_days(
    session: Session, staff: Staff, leave_type: LeaveType, period: Period
) -> list[counting.Part]:
    """The days the period counts for the person (checked: halves allowed and sensible)."""
    if period.end < period.start:
        raise Invalid("the leave ends before it starts", code="invalid_period")
    if (period.end - period.start).days > 366:
        raise Invalid("a leave request covers at most a year", code="invalid_period")
    for half in (period.start_half, period.end_half):
        if half not in (None, counting.AM, counting.PM):
            raise Invalid("a half is 'am' or 'pm'", code="invalid_half")
    if period.start_half == counting.AM:
        period = Period(period.leave_type_id, period.start, period.end, None, period.end_half)
    if period.end_half == counting.PM:
        period = Period(period.leave_type_id, period.start, period.end, period.start_half, None)
    halved = period.start_half is not None or period.end_half is not None
    if halved and not leave_type.half_days_allowed:
        raise Invalid(f"{leave_type.name} is taken in whole days", code="half_days_not_allowed")
    if period.start == period.end and period.start_half == counting.PM and period.end_half:
        raise Invalid("a day cannot start at noon and end at noon", code="invalid_period")
    plan = plan_for(session, staff, _window(period.start)[0], _window(period.end)[1])
    return counting.count(
        plan,
        period.start,
        period.end,
        period.start_half,
        period.end_half,
        every_day=leave_type.counts_holidays_and_rest_days,
    )


def _visible(session: Session, actor: Actor) -> ColumnElement[bool]:
    """Those whose scope holds the person, and whoever may read the request's approval or
    its cancellation's (its approvers and those standing in for them)."""
    approvals_seen = approvals.visible_ids(session, actor, RequestKind.LEAVE)
    return (LeaveRequest.tenant_id == actor.tenant_id) & (
        LeaveRequest.staff_id.in_(select(Staff.id).where(actor.staff_clause()))
        | LeaveRequest.approval_id.in_(approvals_seen)
        | LeaveRequest.cancel_approval_id.in_(approvals_seen)
    )


def get_request(
    session: Session, actor: Actor, request_id: uuid.UUID, *, lock: bool = False
) -> LeaveRequest:
    stmt = select(LeaveRequest).where(LeaveRequest.id == request_id, _visible(session, actor))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("no such leave request", details={"leave_request_id": str(request_id)})
    return found


def may_see_request(session: Session, actor: Actor, request_id: uuid.UUID) -> bool:
    """Whoever may read the request: who may see its attachments."""
    return (
        session.scalar(
            select(LeaveRequest.id).where(LeaveRequest.id == request_id, _visible(session, actor))
        )
        is not None
    )


def _attach(session: Session, actor: Actor, request: LeaveRequest) -> None:
    """The request's certificate (the requester's own upload) becomes its attachment; one
    it replaced is detached."""
    wanted = [] if request.attachment_id is None else [request.attachment_id]
    attachments.link(session, actor, SubjectKind.LEAVE_REQUEST, request.id, wanted)


def list_requests(
    session: Session,
    actor: Actor,
    *,
    mine: bool = False,
    staff_id: uuid.UUID | None = None,
    status: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int,
    cursor: str | None,
) -> Page[LeaveRequest]:
    """Newest first: one's own, or everyone's in scope; ``start``/``end``: requests
    overlapping those local dates."""
    _require_module(actor)
    stmt = select(LeaveRequest).where(_visible(session, actor))
    if mine:
        stmt = stmt.where(LeaveRequest.staff_id == actor.staff_id)
    if staff_id is not None:
        stmt = stmt.where(LeaveRequest.staff_id == staff_id)
    if status is not None:
        stmt = stmt.where(LeaveRequest.status == status)
    if start is not None:
        stmt = stmt.where(LeaveRequest.end >= start)
    if end is not None:
        stmt = stmt.where(LeaveRequest.start <= end)
    return paginate(
        session,
        stmt,
        [LeaveRequest.created_at, LeaveRequest.id],
        limit=limit,
        cursor=cursor,
        descending=True,
    )


def _check(
    session: Session, staff: Staff, request: LeaveRequest, leave_type: LeaveType, *, submit: bool
) -> None:
    """Count the request's days and refuse what may not be: an inactive type, nothing
    to count, an overlap with another request holding days, more consecutive days than the
    type allows, and (on submission) more than the balance unless the type allows it."""
    lock_for_transaction(session, f"leave/{staff.tenant_id}/{staff.id}")
    if not leave_type.active:
        raise Invalid("this leave type is not in use", code="inactive_leave_type")
    period = Period(leave_type.id, request.start, request.end, request.start_half, request.end_half)
    parts = count_days(session, staff, leave_type, period)
    days = sum((p.days for p in parts), Decimal(0))
    if days == 0:
        raise Invalid("the person would not work on any of those days", code="no_working_days")
    mine = counting.slots(
        counting.halves(request.start, request.end, request.start_half, request.end_half)
    )
    others = session.scalars(
        select(LeaveRequest).where(
            LeaveRequest.tenant_id == staff.tenant_id,
            LeaveRequest.staff_id == staff.id,
            LeaveRequest.id != request.id,
            LeaveRequest.status.in_(HOLDING),
            LeaveRequest.start <= request.end,
            LeaveRequest.end >= request.start,
        )
    )
    for other in others:
        theirs = counting.slots(
            counting.halves(other.start, other.end, other.start_half, other.end_half)
        )
        if mine & theirs:
            raise Conflict(
                "this overlaps another leave request of theirs",
                code="overlapping_leave",
                details={"leave_request_id": str(other.id), "status": other.status},
            )
    limit = leave_type.max_consecutive_days
    if limit is not None and days > limit:
        raise Invalid(
            f"{leave_type.name} is at most {limit} days at a time",
            code="too_many_days",
            details={"days": str(days), "max_consecutive_days": str(limit)},
        )
    request.parts = [p.as_json() for p in parts]
    request.days = days
    above = leave_type.attachment_required_above_days
    if submit and above is not None and days > above and request.attachment_id is None:
        raise Invalid(
            f"{leave_type.name} over {above} days needs a certificate: attach one",
            code="attachment_required",
            details={"days": str(days), "attachment_required_above_days": str(above)},
        )
    if submit and not leave_type.allow_negative:
        today = local_today(session, staff.tenant_id)
        found = balances(
            session, staff.tenant_id, staff.id, request.start.year, today, [leave_type.id]
        )[leave_type.id]
        available = found.available - (days if request.status == LeaveStatus.IN_APPROVAL else 0)
        if days > available:
            raise Invalid(
                "not enough leave left",
                code="insufficient_balance",
                details={"days": str(days), "available": str(found.available)},
            )


def create_request(
    session: Session,
    actor: Actor,
    period: Period,
    reason: str,
    *,
    draft: bool,
    push: bool,
    attachment_id: uuid.UUID | None = None,
) -> tuple[LeaveRequest, ApprovalRequest | None]:
    """One's own request: kept as a draft, or submitted for approval at once; with a
    certificate (one's own upload), attached to it."""
    _require_module(actor)
    staff = session.get(Staff, (actor.tenant_id, actor.staff_id))
    assert staff is not None
    leave_type = get_type(session, actor, period.leave_type_id)
    request = LeaveRequest(
        tenant_id=actor.tenant_id,
        id=uuid.uuid4(),
        staff_id=staff.id,
        leave_type_id=leave_type.id,
        start=period.start,
        end=period.end,
        start_half=period.start_half,
        end_half=period.end_half,
        reason=reason,
        status=LeaveStatus.DRAFT.value,
        days=Decimal(0),
        parts=[],
        attachment_id=attachment_id,
    )
    _check(session, staff, request, leave_type, submit=not draft)
    _attach(session, actor, request)
    session.add(request)
    session.flush()
    audit.record_by(
        session,
        actor,
        "leave_request.create",
        "leave_request",
        request.id,
        {"leave_type": leave_type.code, "start": period.start, "end": period.end},
    )
    if draft:
        return request, None
    return request, _start(session, actor, staff, request, leave_type, push=push)


def _facts(request: LeaveRequest, leave_type: LeaveType) -> Facts:
    return Facts(days=request.days, leave_type=leave_type.code)


def _ask(
    session: Session, actor: Actor, request: LeaveRequest, leave_type: LeaveType, *, push: bool
) -> ApprovalRequest:
    """An approval of the leave (or of its cancellation) under the leave flow."""
    return approvals.start(
        session,
        actor,
        kind=RequestKind.LEAVE,
        subject_id=request.id,
        facts=_facts(request, leave_type),
        push=push,
    )


def _start(
    session: Session,
    actor: Actor,
    staff: Staff,
    request: LeaveRequest,
    leave_type: LeaveType,
    *,
    push: bool,
) -> ApprovalRequest:
    if request.approval_id is not None:  # returned: sent again, with its facts as they are now
        approval = approvals.resubmit(
            session, actor, request.approval_id, _facts(request, leave_type), push=push
        )
    else:
        approval = _ask(session, actor, request, leave_type, push=push)
        request.approval_id = approval.id
    request.status = LeaveStatus.IN_APPROVAL.value
    session.flush()
    return approval


def _own_editable(session: Session, actor: Actor, request_id: uuid.UUID) -> LeaveRequest:
    _require_module(actor)
    request = get_request(session, actor, request_id, lock=True)
    if request.staff_id != actor.staff_id:
        raise Forbidden("only the requester changes or submits a request", code="not_requester")
    if request.status not in (LeaveStatus.DRAFT.value, LeaveStatus.RETURNED.value):
        raise Conflict(
            "only a draft or a request returned for changes can be changed or submitted",
            code="not_editable",
            details={"status": request.status},
        )
    return request


def update_request(
    session: Session, actor: Actor, request_id: uuid.UUID, changes: RequestChanges
) -> LeaveRequest:
    request = _own_editable(session, actor, request_id)
    values = changes.sent()
    for key, value in values.items():
        setattr(request, key, value)
    staff = session.get(Staff, (actor.tenant_id, actor.staff_id))
    assert staff is not None
    leave_type = get_type(session, actor, request.leave_type_id)
    _check(session, staff, request, leave_type, submit=False)
    if "attachment_id" in values:
        _attach(session, actor, request)
    session.flush()
    audit.record_by(
        session,
        actor,
        "leave_request.update",
        "leave_request",
        request.id,
        {k: str(v) for k, v in values.items()},
    )
    return request


def submit_request(
    session: Session, actor: Actor, request_id: uuid.UUID, *, push: bool
) -> tuple[LeaveRequest, ApprovalRequest]:
    """A draft sent for approval, or a returned one sent again."""
    request = _own_editable(session, actor, request_id)
    staff = session.get(Staff, (actor.tenant_id, actor.staff_id))
    assert staff is not None
    leave_type = get_type(session, actor, request.leave_type_id)
    _check(session, staff, request, leave_type, submit=True)
    return request, _start(session, actor, staff, request, leave_type, push=push)


# --- outcomes ---


def subject_of(session: Session, approval: ApprovalRequest) -> LeaveRequest | None:
    """The leave request an approval is about (none for a request started without one,
    as the engine's own tests do)."""
    return session.get(LeaveRequest, (approval.tenant_id, approval.subject_id))


_STATUS = {
    RequestStatus.APPROVED.value: LeaveStatus.APPROVED,
    RequestStatus.REJECTED.value: LeaveStatus.REJECTED,
    RequestStatus.RETURNED.value: LeaveStatus.RETURNED,
    RequestStatus.WITHDRAWN.value: LeaveStatus.WITHDRAWN,
}


def settle(session: Session, approval: ApprovalRequest) -> LeaveRequest | None:
    """The engine's outcome: the request's status follows; approved leave is taken from
    the balance, becomes duty exceptions and covers the events already raised on it."""
    request = subject_of(session, approval)
    if request is None:
        return None
    if approval.id == request.cancel_approval_id:
        approved = approval.status == RequestStatus.APPROVED.value
        if approved and request.status == LeaveStatus.APPROVED.value:
            _cancel_approved(session, request, None)
            request.status = LeaveStatus.CANCELLED.value
            request.cancelled_at = approval.decided_at
        if approval.status != RequestStatus.RETURNED.value:
            request.cancel_approval_id = None
        session.flush()
        return request
    request.status = _STATUS[approval.status].value
    if approval.status != RequestStatus.RETURNED.value:
        request.decided_at = approval.decided_at
    if approval.status == RequestStatus.APPROVED.value:
        _take(session, request)
    session.flush()
    return request


def _parts(request: LeaveRequest) -> list[counting.Part]:
    return [counting.Part.parse(p) for p in request.parts]


def _ledger_row(
    session: Session, request: LeaveRequest, kind: EntryKind, days: Decimal, by: uuid.UUID | None
) -> None:
    staff = session.get(Staff, (request.tenant_id, request.staff_id))
    leave_type = session.get(LeaveType, (request.tenant_id, request.leave_type_id))
    assert staff is not None
    assert leave_type is not None
    session.add(
        _entry(
            staff,
            leave_type,
            request.start.year,
            kind,
            days,
            by=by,
            request_id=request.id,
            on_day=request.start,
        )
    )


def _take(session: Session, request: LeaveRequest) -> None:
    _ledger_row(session, request, EntryKind.TAKEN, -request.days, None)
    staff = session.get(Staff, (request.tenant_id, request.staff_id))
    assert staff is not None
    parts = _parts(request)
    if not parts:
        return
    plan = plan_for(session, staff, _window(parts[0].day)[0], _window(parts[-1].day)[1])
    own = set(
        session.scalars(
            select(DutyException.day).where(
                DutyException.tenant_id == request.tenant_id,
                DutyException.staff_id == staff.id,
                DutyException.day.between(parts[0].day, parts[-1].day),
            )
        )
    )
    for part in parts:
        if part.day in own:  # the person's own exception that day stays (see docs)
            continue
        periods: list[dict[str, str]] = []
        if part.part != counting.FULL:
            periods = counting.worked_half(counting.periods_on(plan, part.day), part.part)
        session.add(
            DutyException(
                tenant_id=request.tenant_id,
                id=uuid.uuid4(),
                staff_id=staff.id,
                org_unit_id=None,
                day=part.day,
                kind=(ExceptionKind.WORK if periods else ExceptionKind.OFF).value,
                periods=periods,
                reason="leave",
                source="leave",
                source_id=request.id,
                created_by=None,
            )
        )
    _cover_events(session, request, plan.timezone, parts)


def _cover_events(
    session: Session, request: LeaveRequest, timezone: str, parts: list[counting.Part]
) -> None:
    """Events raised on shifts of the leave's days (a shift belongs to the day it starts;
    on a half day, those starting in the half on leave) are marked covered."""
    tz = ZoneInfo(timezone)
    by_day = {p.day: p.part for p in parts}
    first, last = _window(parts[0].day)[0], _window(parts[-1].day)[1]
    events = session.scalars(
        select(ZoneEvent).where(
            ZoneEvent.tenant_id == request.tenant_id,
            ZoneEvent.staff_id == request.staff_id,
            ZoneEvent.shift_start >= first,
            ZoneEvent.shift_start < last,
        )
    )
    for event in events:
        day = event.shift_start.astimezone(tz).date()
        part = by_day.get(day)
        if part is None:
            continue
        if part != counting.FULL:
            noon = event.started_at.astimezone(tz).date() == day and (
                event.started_at.astimezone(tz).hour < 12
            )
            if (part == counting.AM) != noon:
                continue
        event.details = {**(event.details or {}), COVERED: str(request.id)}


def _uncover_events(session: Session, request: LeaveRequest) -> None:
    events = session.scalars(
        select(ZoneEvent).where(
            ZoneEvent.tenant_id == request.tenant_id,
            ZoneEvent.staff_id == request.staff_id,
            ZoneEvent.details[COVERED].astext == str(request.id),
        )
    )
    for event in events:
        event.details = {k: v for k, v in event.details.items() if k != COVERED}


def _cancel_approved(session: Session, request: LeaveRequest, by: uuid.UUID | None) -> None:
    """The days back to the balance, the duty exceptions gone, events no longer covered."""
    _ledger_row(session, request, EntryKind.RESTORED, request.days, by)
    session.execute(
        delete(DutyException).where(
            DutyException.tenant_id == request.tenant_id,
            DutyException.source == "leave",
            DutyException.source_id == request.id,
        )
    )
    _uncover_events(session, request)


def ask_to_cancel(
    session: Session, actor: Actor, request_id: uuid.UUID, *, push: bool
) -> tuple[LeaveRequest, ApprovalRequest]:
    """The requester asks for their approved leave to be cancelled, through the leave
    flow (when the tenant's settings say so); it stays approved until that is approved."""
    _require_module(actor)
    request = get_request(session, actor, request_id, lock=True)
    if request.staff_id != actor.staff_id:
        raise Forbidden("only the requester asks to cancel their leave", code="not_requester")
    if request.status != LeaveStatus.APPROVED.value:
        raise Conflict(
            "only approved leave is cancelled through approval",
            code="not_cancellable",
            details={"status": request.status},
        )
    leave_type = get_type(session, actor, request.leave_type_id)
    approval = _ask(session, actor, request, leave_type, push=push)
    request.cancel_approval_id = approval.id
    session.flush()
    audit.record_by(
        session,
        actor,
        "leave_request.ask_to_cancel",
        "leave_request",
        request.id,
        {"approval_id": approval.id},
    )
    return request, approval


def cancel_request(
    session: Session, actor: Actor, request_id: uuid.UUID, reason: str | None
) -> LeaveRequest:
    """A draft by its requester; approved leave by a manager of the person (or an
    administrator): the days go back to the balance, the duty exceptions go, and events
    it covered are no longer. (A request in approval is withdrawn through the engine.)"""
    _require_module(actor)
    request = get_request(session, actor, request_id, lock=True)
    if request.status == LeaveStatus.DRAFT.value:
        if request.staff_id != actor.staff_id:
            raise Forbidden("only the requester cancels a draft", code="not_requester")
    elif request.status == LeaveStatus.APPROVED.value:
        _managed(session, actor, request.staff_id)
        _cancel_approved(session, request, actor.staff_id)
    else:
        raise Conflict(
            "only a draft or approved leave can be cancelled",
            code="not_cancellable",
            details={"status": request.status},
        )
    request.status = LeaveStatus.CANCELLED.value
    request.cancelled_at = datetime.now(UTC)
    session.flush()
    audit.record_by(
        session, actor, "leave_request.cancel", "leave_request", request.id, {"reason": reason}
    )
    return request
