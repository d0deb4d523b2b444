"""Field-sales reports of a team and a period: visits per rep and kind, coverage of the
partner outlets, the funnel of customers by stage, and inspection scores per outlet with
their trend and open corrective actions. Scoped like the other reports: the caller's
subtree (the tenant for administrators), narrowed to a unit's subtree when asked."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import FunctionFilter, Integer, and_, case, cast, func, select
from sqlalchemy.orm import Session

from fieldforce.customers.models import Customer, Stage
from fieldforce.errors import Invalid
from fieldforce.inspections.models import ActionStatus, CorrectiveAction, Inspection
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.reports.service import people_clause, require_reporter
from fieldforce.tenancy.models import Module, Tenant
from fieldforce.visits.models import Verification, Visit

MAX_DAYS = 366


def _period(session: Session, actor: Actor, first: date, last: date) -> tuple[datetime, datetime]:
    if last < first or (last - first).days >= MAX_DAYS:
        raise Invalid(f"a period of 1..{MAX_DAYS} days", code="invalid_period")
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    tz = ZoneInfo(tenant.timezone)
    return datetime.combine(first, time(0), tz), datetime.combine(
        last + timedelta(days=1), time(0), tz
    )


def _units_in(session: Session, actor: Actor, unit_id: uuid.UUID | None) -> list[OrgUnit]:
    """The org units the report covers (their customers are the outlets)."""
    people_clause(session, actor, unit_id)  # a unit outside the scope: NotFound
    scope = select(OrgUnit).where(OrgUnit.tenant_id == actor.tenant_id)
    if unit_id is not None or not actor.is_admin:
        top = session.get(OrgUnit, (actor.tenant_id, unit_id or actor.org_unit_id))
        assert top is not None
        scope = scope.where(OrgUnit.path.op("<@")(top.path))
    return list(session.scalars(scope.order_by(OrgUnit.path)))


@dataclass(frozen=True)
class VisitRow:
    org_unit: str
    staff_id: uuid.UUID
    login: str
    name: str
    routine: int
    cold: int
    follow_up: int
    total: int
    verified: int
    verified_share: float
    minutes_on_site: float | None  # the mean, of visits checked out


def visits_by_rep(
    session: Session, actor: Actor, first: date, last: date, *, unit_id: uuid.UUID | None = None
) -> list[VisitRow]:
    actor.require_module(Module.VISITS.value)
    require_reporter(actor)
    start, end = _period(session, actor, first, last)

    def count(kind: str) -> FunctionFilter[int]:
        return func.count(Visit.id).filter(Visit.type == kind)

    rows = session.execute(
        select(
            OrgUnit.name,
            Staff.id,
            Staff.login,
            Staff.name,
            count("routine"),
            count("cold"),
            count("follow_up"),
            func.count(Visit.id),
            func.count(Visit.id).filter(Visit.in_verification == Verification.VERIFIED.value),
            func.avg(Visit.duration_s),
        )
        .select_from(Staff)
        .join(OrgUnit, (OrgUnit.tenant_id == Staff.tenant_id) & (OrgUnit.id == Staff.org_unit_id))
        .outerjoin(
            Visit,
            and_(
                Visit.tenant_id == Staff.tenant_id,
                Visit.staff_id == Staff.id,
                Visit.in_at >= start,
                Visit.in_at < end,
            ),
        )
        .where(people_clause(session, actor, unit_id), Staff.active.is_(True))
        .group_by(OrgUnit.name, Staff.id, Staff.login, Staff.name)
        .order_by(OrgUnit.name, Staff.name, Staff.id)
    ).all()
    return [
        VisitRow(
            unit,
            sid,
            login,
            name,
            r,
            c,
            f,
            total,
            ok,
            round(ok / total, 3) if total else 0.0,
            None if avg is None else round(float(avg) / 60, 1),
        )
        for unit, sid, login, name, r, c, f, total, ok, avg in rows
    ]


@dataclass(frozen=True)
class CoverageRow:
    org_unit_id: uuid.UUID
    org_unit: str
    partners: int
    visited: int
    share: float


def coverage(
    session: Session, actor: Actor, first: date, last: date, *, unit_id: uuid.UUID | None = None
) -> list[CoverageRow]:
    """Per unit: its partner outlets, how many had a visit in the period, and the share."""
    actor.require_module(Module.VISITS.value)
    require_reporter(actor)
    start, end = _period(session, actor, first, last)
    units = _units_in(session, actor, unit_id)
    visited = (
        select(Visit.customer_id)
        .where(Visit.tenant_id == actor.tenant_id, Visit.in_at >= start, Visit.in_at < end)
        .distinct()
        .subquery()
    )
    rows = {
        u: (p, v)
        for u, p, v in session.execute(
            select(
                Customer.org_unit_id,
                func.count(Customer.id),
                func.count(visited.c.customer_id),
            )
            .outerjoin(visited, visited.c.customer_id == Customer.id)
            .where(
                Customer.tenant_id == actor.tenant_id,
                Customer.stage == Stage.PARTNER.value,
                Customer.org_unit_id.in_([u.id for u in units]),
            )
            .group_by(Customer.org_unit_id)
        ).all()
    }
    out = []
    for unit in units:
        partners, seen = rows.get(unit.id, (0, 0))
        if partners:
            out.append(CoverageRow(unit.id, unit.name, partners, seen, round(seen / partners, 3)))
    return out


def funnel(session: Session, actor: Actor, *, unit_id: uuid.UUID | None = None) -> dict[str, int]:
    """How many customers are at each stage, in the units covered."""
    actor.require_module(Module.VISITS.value)
    require_reporter(actor)
    units = [u.id for u in _units_in(session, actor, unit_id)]
    counts = dict(
        session.execute(
            select(Customer.stage, func.count())
            .where(Customer.tenant_id == actor.tenant_id, Customer.org_unit_id.in_(units))
            .group_by(Customer.stage)
        ).all()
    )
    return {s.value: int(counts.get(s.value, 0)) for s in Stage}


@dataclass(frozen=True)
class OutletScoreRow:
    customer_id: uuid.UUID
    customer: str
    org_unit: str
    inspections: int
    mean_score: float | None
    first_score: float | None
    last_score: float | None
    trend: float | None  # last − first
    last_grade: str | None
    open_actions: int


def inspection_scores(
    session: Session, actor: Actor, first: date, last: date, *, unit_id: uuid.UUID | None = None
) -> list[OutletScoreRow]:
    """Per outlet inspected in the period: how often, the mean, first and last score, the
    trend between them, the last grade and the corrective actions still open."""
    actor.require_module(Module.INSPECTIONS.value)
    require_reporter(actor)
    start, end = _period(session, actor, first, last)
    units = {u.id: u.name for u in _units_in(session, actor, unit_id)}
    ordered = (
        select(
            Inspection.customer_id,
            Inspection.score,
            Inspection.grade,
            func.row_number()
            .over(partition_by=Inspection.customer_id, order_by=Inspection.in_at)
            .label("n"),
            func.count().over(partition_by=Inspection.customer_id).label("total"),
        )
        .join(
            Customer,
            (Customer.tenant_id == Inspection.tenant_id) & (Customer.id == Inspection.customer_id),
        )
        .where(
            Inspection.tenant_id == actor.tenant_id,
            Inspection.in_at >= start,
            Inspection.in_at < end,
            Customer.org_unit_id.in_(list(units)),
        )
        .subquery()
    )
    rows = session.execute(
        select(
            ordered.c.customer_id,
            func.max(ordered.c.total),
            func.avg(ordered.c.score),
            func.max(case((ordered.c.n == 1, ordered.c.score))),
            func.max(case((ordered.c.n == ordered.c.total, ordered.c.score))),
            func.max(case((ordered.c.n == ordered.c.total, ordered.c.grade))),
        ).group_by(ordered.c.customer_id)
    ).all()
    ids = [r[0] for r in rows]
    outlets = {
        c.id: c
        for c in session.scalars(
            select(Customer).where(Customer.tenant_id == actor.tenant_id, Customer.id.in_(ids))
        )
    }
    open_actions = dict(
        session.execute(
            select(CorrectiveAction.customer_id, cast(func.count(), Integer))
            .where(
                CorrectiveAction.tenant_id == actor.tenant_id,
                CorrectiveAction.customer_id.in_(ids),
                CorrectiveAction.status == ActionStatus.OPEN.value,
            )
            .group_by(CorrectiveAction.customer_id)
        ).all()
    )
    out = []
    for cid, total, mean, first_score, last_score, grade in rows:
        outlet = outlets[cid]
        trend = (
            None
            if first_score is None or last_score is None
            else round(last_score - first_score, 1)
        )
        out.append(
            OutletScoreRow(
                cid,
                outlet.name,
                units[outlet.org_unit_id],
                int(total),
                None if mean is None else round(float(mean), 1),
                first_score,
                last_score,
                trend,
                grade,
                int(open_actions.get(cid, 0)),
            )
        )
    return sorted(out, key=lambda r: (r.org_unit, r.customer))


@dataclass(frozen=True)
class TeamWeekRow:
    org_unit_id: uuid.UUID
    org_unit: str
    week: date  # its Monday, in the tenant's time
    inspections: int
    mean_score: float | None
    critical_failed: int


def team_score_trend(
    session: Session, actor: Actor, first: date, last: date, *, unit_id: uuid.UUID | None = None
) -> list[TeamWeekRow]:
    """Per unit (the outlets' own unit) and week: inspections, their mean score and how
    many failed a critical item, for the trend of each team's outlets."""
    actor.require_module(Module.INSPECTIONS.value)
    require_reporter(actor)
    start, end = _period(session, actor, first, last)
    units = {u.id: u.name for u in _units_in(session, actor, unit_id)}
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    week = func.date_trunc("week", func.timezone(tenant.timezone, Inspection.in_at))
    rows = session.execute(
        select(
            Customer.org_unit_id,
            week.label("week"),
            func.count(),
            func.avg(Inspection.score),
            func.count().filter(Inspection.critical_failed.is_(True)),
        )
        .join(
            Customer,
            (Customer.tenant_id == Inspection.tenant_id) & (Customer.id == Inspection.customer_id),
        )
        .where(
            Inspection.tenant_id == actor.tenant_id,
            Inspection.in_at >= start,
            Inspection.in_at < end,
            Customer.org_unit_id.in_(list(units)),
        )
        .group_by(Customer.org_unit_id, week)
    ).all()
    out = [
        TeamWeekRow(
            unit,
            units[unit],
            monday.date(),
            int(count),
            None if mean is None else round(float(mean), 1),
            int(critical),
        )
        for unit, monday, count, mean, critical in rows
    ]
    return sorted(out, key=lambda r: (r.org_unit, r.week))
