"""Reports: leave taken and balances per person and leave type (with team totals), and
travel claims per person, category and month. Both are aggregated in SQL, tenant first,
over the people in the caller's scope (optionally one org unit's subtree within it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from fieldforce.errors import Forbidden, Invalid, NotFound
from fieldforce.leave.models import EntryKind, LeaveEntry, LeaveRequest, LeaveStatus, LeaveType
from fieldforce.leave.service import local_today
from fieldforce.org.models import OrgUnit, Role, Staff
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Module
from fieldforce.travel.models import ClaimStatus, TravelClaim, TravelLine

# who may run reports: over their subtree (administrators: the whole tenant)
REPORT_ROLES = frozenset(
    {Role.ADMIN.value, Role.MANAGER.value, Role.SUPERVISOR.value, Role.FINANCE.value}
)
ZERO = Decimal(0)
NO_MONEY = Decimal("0.00")
# a claim's lines count as sanctioned once it is approved, and as paid once it is paid
SANCTIONED = (ClaimStatus.APPROVED.value, ClaimStatus.PAID.value)


def require_reporter(actor: Actor) -> None:
    if not actor.roles & REPORT_ROLES:
        raise Forbidden(
            "only supervisors, managers, finance staff and administrators run reports",
            code="not_reporter",
        )


def people_clause(session: Session, actor: Actor, unit_id: uuid.UUID | None) -> ColumnElement[bool]:
    """Staff rows the report covers: the tenant (administrators) or the caller's subtree,
    narrowed to a unit's subtree when one is given (a unit outside the scope: NotFound)."""
    same = Staff.tenant_id == actor.tenant_id
    clause: ColumnElement[bool] = same
    if not actor.is_admin:
        clause = same & Staff.org_unit_id.in_(actor.subtree_unit_ids())
    if unit_id is not None:
        visible = (OrgUnit.tenant_id == actor.tenant_id) & (OrgUnit.id == unit_id)
        if not actor.is_admin:
            visible = visible & OrgUnit.path.op("<@")(actor.unit_path)
        unit = session.scalar(select(OrgUnit).where(visible))
        if unit is None:
            raise NotFound("no such org unit", details={"org_unit_id": str(unit_id)})
        below = select(OrgUnit.id).where(
            OrgUnit.tenant_id == actor.tenant_id, OrgUnit.path.op("<@")(unit.path)
        )
        clause = clause & Staff.org_unit_id.in_(below)
    return clause


# leave ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaveRow:
    """One person's balance of one leave type in a year (the leave-balances definitions:
    ``taken`` is net of days given back, ``balance`` is the ledger's sum less lapsed carried
    days, ``pending`` is in requests waiting for approval). A team total has no person."""

    org_unit_id: uuid.UUID
    org_unit: str
    staff_id: uuid.UUID | None
    login: str | None
    name: str | None
    leave_type_id: uuid.UUID
    leave_type: str
    year: int
    allocated: Decimal
    carried: Decimal
    lapsed: Decimal
    taken: Decimal
    adjusted: Decimal
    balance: Decimal
    pending: Decimal

    @property
    def available(self) -> Decimal:
        return self.balance - self.pending


_AMOUNTS = ("allocated", "carried", "lapsed", "taken", "adjusted", "balance", "pending")


def leave_report(
    session: Session,
    actor: Actor,
    *,
    year: int | None = None,
    unit_id: uuid.UUID | None = None,
    group_by_unit: bool = False,
    now: datetime | None = None,
) -> tuple[int, list[LeaveRow]]:
    """Rows per person and leave type with ledger entries or pending requests in the year
    (this one in the tenant's time zone by default), by unit, person and type; with
    ``group_by_unit`` a total row per unit and type after each unit's people."""
    actor.require_module(Module.LEAVE.value)
    require_reporter(actor)
    people = people_clause(session, actor, unit_id)
    today = local_today(session, actor.tenant_id, now)
    year = year or today.year
    tenant = actor.tenant_id

    def of(*kinds: EntryKind) -> ColumnElement[bool]:
        return LeaveEntry.kind.in_([k.value for k in kinds])

    # each entry with the earliest expiry of the carried days of its person, type and year
    entries = (
        select(
            LeaveEntry.staff_id,
            LeaveEntry.leave_type_id,
            LeaveEntry.kind,
            LeaveEntry.days,
            LeaveEntry.on_day,
            func.min(LeaveEntry.expires_on)
            .filter(of(EntryKind.CARRY_OVER))
            .over(partition_by=[LeaveEntry.staff_id, LeaveEntry.leave_type_id])
            .label("expires"),
        )
        .join(Staff, (Staff.tenant_id == LeaveEntry.tenant_id) & (Staff.id == LeaveEntry.staff_id))
        .where(LeaveEntry.tenant_id == tenant, LeaveEntry.year == year, people)
        .subquery()
    )
    e = entries.c

    def total(condition: ColumnElement[bool] | None = None) -> ColumnElement[Decimal]:
        summed = func.sum(e.days) if condition is None else func.sum(e.days).filter(condition)
        return func.coalesce(summed, literal(ZERO))

    used = -total(
        e.kind.in_([EntryKind.TAKEN.value, EntryKind.RESTORED.value])
        & e.on_day.is_not(None)
        & (e.on_day <= e.expires)
    )
    carried = total(e.kind == EntryKind.CARRY_OVER.value)
    expires = func.min(e.expires)
    lapsed = case(
        (
            and_(expires.is_not(None), expires < today, carried > 0),
            func.greatest(ZERO, carried - func.greatest(ZERO, used)),
        ),
        else_=ZERO,
    )
    ledger = session.execute(
        select(
            e.staff_id,
            e.leave_type_id,
            total(e.kind == EntryKind.ALLOCATION.value),
            carried,
            lapsed,
            -total(e.kind.in_([EntryKind.TAKEN.value, EntryKind.RESTORED.value])),
            total(e.kind == EntryKind.ADJUSTMENT.value),
            total() - lapsed,
        ).group_by(e.staff_id, e.leave_type_id)
    ).all()
    pending = session.execute(
        select(LeaveRequest.staff_id, LeaveRequest.leave_type_id, func.sum(LeaveRequest.days))
        .join(
            Staff, (Staff.tenant_id == LeaveRequest.tenant_id) & (Staff.id == LeaveRequest.staff_id)
        )
        .where(
            LeaveRequest.tenant_id == tenant,
            LeaveRequest.status == LeaveStatus.IN_APPROVAL.value,
            func.extract("year", LeaveRequest.start) == year,
            people,
        )
        .group_by(LeaveRequest.staff_id, LeaveRequest.leave_type_id)
    ).all()
    amounts: dict[tuple[uuid.UUID, uuid.UUID], list[Decimal]] = {}
    for staff_id, type_id, *values in ledger:
        amounts[(staff_id, type_id)] = [*values, ZERO]
    for staff_id, type_id, days in pending:
        amounts.setdefault((staff_id, type_id), [ZERO] * 6 + [ZERO])[6] = days
    if not amounts:
        return year, []

    staff_ids = {s for s, _ in amounts}
    type_ids = {t for _, t in amounts}
    who = {
        s.id: (s, u)
        for s, u in session.execute(
            select(Staff, OrgUnit)
            .join(
                OrgUnit, (OrgUnit.tenant_id == Staff.tenant_id) & (OrgUnit.id == Staff.org_unit_id)
            )
            .where(Staff.tenant_id == tenant, Staff.id.in_(staff_ids))
        ).all()
    }
    types = {
        t.id: t
        for t in session.scalars(
            select(LeaveType).where(LeaveType.tenant_id == tenant, LeaveType.id.in_(type_ids))
        )
    }

    def order(key: tuple[uuid.UUID, uuid.UUID]) -> tuple[str, str, str, str]:
        staff, unit = who[key[0]]
        return (unit.path, staff.name, staff.login, types[key[1]].code)

    rows: list[LeaveRow] = []
    for key in sorted(amounts, key=order):
        staff, unit = who[key[0]]
        leave_type = types[key[1]]
        rows.append(
            LeaveRow(
                unit.id,
                unit.name,
                staff.id,
                staff.login,
                staff.name,
                leave_type.id,
                leave_type.code,
                year,
                *amounts[key],
            )
        )
    return year, _with_unit_totals(rows) if group_by_unit else rows


def _with_unit_totals(rows: Sequence[LeaveRow]) -> list[LeaveRow]:
    out: list[LeaveRow] = []
    i = 0
    while i < len(rows):
        unit = rows[i].org_unit_id
        j = i
        while j < len(rows) and rows[j].org_unit_id == unit:
            j += 1
        block = rows[i:j]
        out += block
        for type_id in dict.fromkeys(r.leave_type_id for r in block):
            same = [r for r in block if r.leave_type_id == type_id]
            sums = [sum((getattr(r, a) for r in same), ZERO) for a in _AMOUNTS]
            first = same[0]
            out.append(
                LeaveRow(
                    first.org_unit_id,
                    first.org_unit,
                    None,
                    None,
                    None,
                    type_id,
                    first.leave_type,
                    first.year,
                    *sums,
                )
            )
        i = j
    return out


# travel claims ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimsRow:
    """Expense lines of one person in one category, month (``YYYY-MM`` of the line's day,
    a date in the tenant's time zone) and currency: claimed, sanctioned (lines of approved
    and paid claims, at the sanctioned amount where an approver set one) and paid."""

    org_unit_id: uuid.UUID
    org_unit: str
    staff_id: uuid.UUID
    login: str
    name: str
    category: str
    month: str
    currency: str
    lines: int
    claimed: Decimal
    sanctioned: Decimal
    paid: Decimal


def claims_report(
    session: Session,
    actor: Actor,
    *,
    start: date | None = None,
    end: date | None = None,
    unit_id: uuid.UUID | None = None,
    status: str | None = None,
) -> list[ClaimsRow]:
    """Lines whose day is within ``start``..``end`` (both optional, inclusive), of claims
    with that status or, by default, of every claim but drafts."""
    actor.require_module(Module.TRAVEL.value)
    require_reporter(actor)
    if start is not None and end is not None and end < start:
        raise Invalid("the period ends before it starts", code="invalid_period")
    people = people_clause(session, actor, unit_id)
    tenant = actor.tenant_id
    month = func.to_char(TravelLine.day, "YYYY-MM").label("month")
    payable = func.coalesce(TravelLine.sanctioned_amount, TravelLine.amount)

    def summed(
        value: ColumnElement[Decimal], condition: ColumnElement[bool]
    ) -> ColumnElement[Decimal]:
        return func.coalesce(func.sum(value).filter(condition), literal(NO_MONEY))

    keys = (
        OrgUnit.id,
        OrgUnit.name,
        Staff.id,
        Staff.login,
        Staff.name,
        TravelLine.category,
        month,
        TravelLine.currency,
    )
    stmt = (
        select(
            *keys,
            func.count(),
            func.sum(TravelLine.amount),
            summed(payable, TravelClaim.status.in_(SANCTIONED)),
            summed(payable, TravelClaim.status == ClaimStatus.PAID.value),
        )
        .select_from(TravelLine)
        .join(
            TravelClaim,
            (TravelClaim.tenant_id == TravelLine.tenant_id)
            & (TravelClaim.id == TravelLine.claim_id),
        )
        .join(
            Staff,
            (Staff.tenant_id == TravelClaim.tenant_id) & (Staff.id == TravelClaim.requester_id),
        )
        .join(OrgUnit, (OrgUnit.tenant_id == Staff.tenant_id) & (OrgUnit.id == Staff.org_unit_id))
        .where(TravelLine.tenant_id == tenant, TravelClaim.tenant_id == tenant, people)
        .group_by(*keys, OrgUnit.path)
        .order_by(
            OrgUnit.path, Staff.name, Staff.login, month, TravelLine.category, TravelLine.currency
        )
    )
    if status is None:
        stmt = stmt.where(TravelClaim.status != ClaimStatus.DRAFT.value)
    else:
        stmt = stmt.where(TravelClaim.status == status)
    if start is not None:
        stmt = stmt.where(TravelLine.day >= start)
    if end is not None:
        stmt = stmt.where(TravelLine.day <= end)
    return [ClaimsRow(*row) for row in session.execute(stmt).all()]
