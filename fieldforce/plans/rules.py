"""Recurring plans: a customer in a person's plan every N weeks on one weekday (each
partner outlet visited every two weeks, say). Rules are written into the days' plans up to
two weeks ahead, each (rule, day) once, by the rule's creation and then by an hourly job;
a day's plan stays the person's to change. An occurrence that falls on a day the person is
off duty (a rest day, a holiday) moves to their next duty day of the same week, or is
skipped when there is none. Stopping a rule takes its stops out of the days to come; the
job stops the rules of a customer that has been lost (within a day)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.audit import service as audit
from fieldforce.customers import service as customers
from fieldforce.customers.models import Customer, Stage
from fieldforce.db import owned_session
from fieldforce.duty.plan import DutyPlan
from fieldforce.duty.service import plan_for
from fieldforce.errors import Conflict, Invalid, NotFound
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.plans.models import PlanRule, PlanStop, StopKind, WorkPlan
from fieldforce.tenancy.models import Module, Tenant

HORIZON = timedelta(days=14)
MAX_EVERY_WEEKS = 52
BATCH = 500


def _today(tenant: Tenant, now: datetime) -> date:
    return now.astimezone(ZoneInfo(tenant.timezone)).date()


def _tenant(session: Session, tenant_id: uuid.UUID) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    return tenant


def occurrences(rule: PlanRule, first: date, last: date) -> list[date]:
    """The days in [first, last] the rule names: starts_on, then every N weeks."""
    step = 7 * rule.every_weeks
    begin = max(first, rule.starts_on)
    behind = (begin - rule.starts_on).days
    day = rule.starts_on + timedelta(days=-(-behind // step) * step)
    out = []
    while day <= last:
        out.append(day)
        day += timedelta(days=step)
    return out


def _duty_days(duty: DutyPlan, first: date, last: date) -> set[date]:
    days = (first + timedelta(days=k) for k in range((last - first).days + 1))
    return {day for day in days if duty.periods_on(day)}


def _onto_duty_day(day: date, duty_days: set[date]) -> date | None:
    """The day itself if on duty, else the next duty day of the same (ISO) week."""
    for ahead in range(7 - day.weekday()):
        moved = day + timedelta(days=ahead)
        if moved in duty_days:
            return moved
    return None


def _plan_locked(
    session: Session, tenant_id: uuid.UUID, staff_id: uuid.UUID, day: date
) -> WorkPlan:
    session.execute(
        insert(WorkPlan)
        .values(
            tenant_id=tenant_id, id=uuid.uuid4(), staff_id=staff_id, day=day, ordered_by="as_given"
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "staff_id", "day"])
    )
    plan = session.scalar(
        select(WorkPlan)
        .where(WorkPlan.tenant_id == tenant_id, WorkPlan.staff_id == staff_id, WorkPlan.day == day)
        .with_for_update()
    )
    assert plan is not None
    return plan


def _add_stop(session: Session, rule: PlanRule, day: date) -> bool:
    """The rule's customer appended to the day's plan, unless already planned there or
    the day is full."""
    from fieldforce.plans.service import MAX_STOPS

    plan = _plan_locked(session, rule.tenant_id, rule.staff_id, day)
    stops = session.execute(
        select(PlanStop.customer_id, PlanStop.kind, PlanStop.position).where(
            PlanStop.tenant_id == plan.tenant_id, PlanStop.plan_id == plan.id
        )
    ).all()
    if any(s.customer_id == rule.customer_id and s.kind == rule.kind for s in stops):
        return False
    if len(stops) >= MAX_STOPS:
        return False
    session.add(
        PlanStop(
            tenant_id=plan.tenant_id,
            id=uuid.uuid4(),
            plan_id=plan.id,
            position=max((s.position for s in stops), default=0) + 1,
            customer_id=rule.customer_id,
            kind=rule.kind,
            rule_id=rule.id,
        )
    )
    session.flush()
    return True


def _apply(session: Session, rule: PlanRule, today: date, duty: DutyPlan) -> int:
    """The rule's days from where it stopped (never before today) to the horizon."""
    first = max(today, (rule.planned_until or date.min) + timedelta(days=1))
    last = today + HORIZON
    if first > last:
        return 0
    duty_days = _duty_days(duty, first, last + timedelta(days=7))
    added = 0
    for day in occurrences(rule, first, last):
        moved = _onto_duty_day(day, duty_days)
        if moved is not None and _add_stop(session, rule, moved):
            added += 1
    rule.planned_until = last
    session.flush()
    return added


def _duty_of(session: Session, staff: Staff, today: date, tz: str) -> DutyPlan:
    start = datetime.combine(today, time(0), ZoneInfo(tz))
    return plan_for(session, staff, start, start + HORIZON + timedelta(days=8))


def _apply_batch(session: Session, now: datetime) -> int:
    """One batch of rules not yet written up to their tenant's horizon; rules another
    process holds are skipped (they are being written). Answers how many were taken."""
    tenant_today = func.date(func.timezone(Tenant.timezone, literal(now)))
    rows = session.execute(
        select(PlanRule, Tenant, Staff, Customer.stage)
        .join(Tenant, Tenant.id == PlanRule.tenant_id)
        .join(Staff, (Staff.tenant_id == PlanRule.tenant_id) & (Staff.id == PlanRule.staff_id))
        .join(
            Customer,
            (Customer.tenant_id == PlanRule.tenant_id) & (Customer.id == PlanRule.customer_id),
        )
        .where(
            PlanRule.stopped_on.is_(None),
            Staff.active.is_(True),
            or_(
                PlanRule.planned_until.is_(None),
                PlanRule.planned_until < tenant_today + HORIZON.days,
            ),
        )
        .order_by(PlanRule.tenant_id, PlanRule.staff_id)
        .limit(BATCH)
        .with_for_update(of=PlanRule, skip_locked=True)
    ).all()
    duties: dict[uuid.UUID, DutyPlan] = {}
    for rule, tenant, staff, stage in rows:
        today = _today(tenant, now)
        if stage == Stage.LOST.value:  # nobody plans visits to a customer that is gone
            removed = _end(session, rule, today)
            audit.record(
                session,
                tenant_id=rule.tenant_id,
                actor_id=None,
                action="work_plan_rule.stop",
                entity="work_plan_rule",
                entity_id=rule.id,
                changes={"removed": removed, "why": "customer_lost"},
            )
            continue
        if staff.id not in duties:
            duties[staff.id] = _duty_of(session, staff, today, tenant.timezone)
        _apply(session, rule, today, duties[staff.id])
    return len(rows)


def apply_due(factory: sessionmaker[Session], now: datetime) -> int:
    """The hourly job: every running rule written into the plans up to the horizon, a
    batch per transaction. Answers the rules written."""
    done = 0
    while True:
        with owned_session(factory) as session:
            taken = _apply_batch(session, now)
        done += taken
        if taken < BATCH:
            return done


# --- the API's side ---


def _rule_clause(actor: Actor) -> ColumnElement[bool]:
    return (PlanRule.tenant_id == actor.tenant_id) & PlanRule.staff_id.in_(
        select(Staff.id).where(actor.staff_clause())
    )


def _planner_of(session: Session, actor: Actor, staff_id: uuid.UUID) -> Staff:
    actor.require_module(Module.VISITS.value)
    if staff_id == actor.staff_id:
        return actor.visible_staff(session, staff_id)
    return actor.require_directs_staff(session, staff_id, oneself_allowed=True)


def _check_rule(kind: str, every_weeks: int, starts_on: date, today: date) -> None:
    if kind not in (StopKind.VISIT, StopKind.INSPECTION):
        raise Invalid("a stop is a visit or an inspection", code="invalid_kind")
    if not 1 <= every_weeks <= MAX_EVERY_WEEKS:
        raise Invalid(f"every 1..{MAX_EVERY_WEEKS} weeks", code="invalid_every_weeks")
    if starts_on < today:
        raise Invalid("a rule starts today or later", code="past_day")


def _running(session: Session, staff_id: uuid.UUID, customer_id: uuid.UUID, kind: str) -> bool:
    return (
        session.scalar(
            select(PlanRule.id).where(
                PlanRule.staff_id == staff_id,
                PlanRule.customer_id == customer_id,
                PlanRule.kind == kind,
                PlanRule.stopped_on.is_(None),
            )
        )
        is not None
    )


def _new_rule(
    actor: Actor, staff: Staff, customer: Customer, kind: str, every_weeks: int, starts_on: date
) -> PlanRule:
    return PlanRule(
        tenant_id=actor.tenant_id,
        id=uuid.uuid4(),
        staff_id=staff.id,
        customer_id=customer.id,
        kind=kind,
        every_weeks=every_weeks,
        starts_on=starts_on,
        created_by=actor.staff_id,
    )


def create_rule(
    session: Session,
    actor: Actor,
    staff_id: uuid.UUID,
    customer_id: uuid.UUID,
    *,
    kind: str = StopKind.VISIT.value,
    every_weeks: int,
    starts_on: date,
    now: datetime | None = None,
) -> PlanRule:
    """A customer in the person's plan every N weeks from `starts_on` (its weekday is the
    rule's), written into the plans of the coming two weeks at once."""
    staff = _planner_of(session, actor, staff_id)
    tenant = _tenant(session, actor.tenant_id)
    today = _today(tenant, now or datetime.now(UTC))
    _check_rule(kind, every_weeks, starts_on, today)
    customer = customers.get_customer(session, actor, customer_id)
    if customer.stage == Stage.LOST.value:
        raise Conflict("the customer is lost: nothing to plan", code="customer_lost")
    if _running(session, staff.id, customer.id, kind):
        raise Conflict("this customer already recurs in the person's plan", code="rule_exists")
    rule = _new_rule(actor, staff, customer, kind, every_weeks, starts_on)
    session.add(rule)
    session.flush()
    _apply(session, rule, today, _duty_of(session, staff, today, tenant.timezone))
    audit.record_by(
        session,
        actor,
        "work_plan_rule.create",
        "work_plan_rule",
        rule.id,
        {"staff_id": staff.id, "customer_id": customer.id, "every_weeks": every_weeks},
    )
    return rule


def _workdays(duty: DutyPlan) -> list[int]:
    days = sorted({p.weekday for p in duty.weekly})
    return days or [0, 1, 2, 3, 4]


def cover_partners(
    session: Session,
    actor: Actor,
    staff_id: uuid.UUID,
    *,
    every_weeks: int,
    starts_on: date,
    kind: str = StopKind.VISIT.value,
    now: datetime | None = None,
) -> list[PlanRule]:
    """A rule for each partner customer the person owns that has none yet, spread over
    the person's workdays of `every_weeks` weeks from the week of `starts_on` so that each
    day's outlets lie close together (in geohash order) and every partner comes round
    once in the cycle."""
    staff = _planner_of(session, actor, staff_id)
    tenant = _tenant(session, actor.tenant_id)
    today = _today(tenant, now or datetime.now(UTC))
    _check_rule(kind, every_weeks, starts_on, today)
    covered = select(PlanRule.customer_id).where(
        PlanRule.tenant_id == actor.tenant_id,
        PlanRule.staff_id == staff.id,
        PlanRule.kind == kind,
        PlanRule.stopped_on.is_(None),
    )
    partners = list(
        session.scalars(
            select(Customer)
            .where(
                customers.customer_clause(actor),
                Customer.owner_id == staff.id,
                Customer.stage == Stage.PARTNER.value,
                Customer.id.not_in(covered),
            )
            .order_by(func.ST_GeoHash(Customer.geom, 8), Customer.id)
        )
    )
    duty = _duty_of(session, staff, today, tenant.timezone)
    week = starts_on - timedelta(days=starts_on.weekday())
    slots = [
        week + timedelta(days=7 * w + d)
        for w in range(every_weeks)
        for d in _workdays(duty)
        if week + timedelta(days=7 * w + d) >= starts_on
    ]
    if not slots:
        raise Invalid("no workday left in the cycle from that date", code="no_workday")
    made = []
    for i, customer in enumerate(partners):
        rule = _new_rule(
            actor, staff, customer, kind, every_weeks, slots[i * len(slots) // len(partners)]
        )
        session.add(rule)
        made.append(rule)
    session.flush()
    for rule in made:
        _apply(session, rule, today, duty)
    audit.record_by(
        session,
        actor,
        "work_plan_rule.cover_partners",
        "staff",
        staff.id,
        {"rules": len(made), "every_weeks": every_weeks, "starts_on": starts_on},
    )
    return made


def _renumber(session: Session, tenant_id: uuid.UUID, plan_ids: list[uuid.UUID]) -> None:
    """Stops numbered 1, 2, … again after some left (through negatives: the positions are
    unique at every moment)."""
    if not plan_ids:
        return
    ranked = (
        select(
            PlanStop.id,
            func.row_number()
            .over(partition_by=PlanStop.plan_id, order_by=PlanStop.position)
            .label("rank"),
        )
        .where(PlanStop.tenant_id == tenant_id, PlanStop.plan_id.in_(plan_ids))
        .subquery()
    )
    session.execute(
        update(PlanStop)
        .where(PlanStop.tenant_id == tenant_id, PlanStop.id == ranked.c.id)
        .values(position=-ranked.c.rank)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(PlanStop)
        .where(PlanStop.tenant_id == tenant_id, PlanStop.plan_id.in_(plan_ids))
        .values(position=-PlanStop.position)
        .execution_options(synchronize_session=False)
    )


def get_rule(session: Session, actor: Actor, rule_id: uuid.UUID) -> PlanRule:
    actor.require_module(Module.VISITS.value)
    rule = session.scalar(select(PlanRule).where(PlanRule.id == rule_id, _rule_clause(actor)))
    if rule is None:
        raise NotFound("no such recurring plan", details={"rule_id": str(rule_id)})
    return rule


@dataclass(frozen=True)
class RuleFilters:
    staff_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    stopped: bool = False


def list_rules(
    session: Session, actor: Actor, f: RuleFilters, *, limit: int, cursor: str | None
) -> Page[PlanRule]:
    """Rules of the people in scope, running ones unless `stopped`, oldest first."""
    actor.require_module(Module.VISITS.value)
    stmt = select(PlanRule).where(
        _rule_clause(actor),
        PlanRule.stopped_on.is_not(None) if f.stopped else PlanRule.stopped_on.is_(None),
    )
    if f.staff_id is not None:
        stmt = stmt.where(PlanRule.staff_id == actor.visible_staff(session, f.staff_id).id)
    if f.customer_id is not None:
        customer = customers.get_customer(session, actor, f.customer_id)
        stmt = stmt.where(PlanRule.customer_id == customer.id)
    return paginate(session, stmt, [PlanRule.created_at, PlanRule.id], limit=limit, cursor=cursor)


def _end(session: Session, rule: PlanRule, today: date) -> int:
    """The rule stopped today; its stops out of the days after today. Answers how many."""
    rule.stopped_on = today
    days_to_come = select(WorkPlan.id).where(
        WorkPlan.tenant_id == rule.tenant_id,
        WorkPlan.staff_id == rule.staff_id,
        WorkPlan.day > today,
    )
    emptied = list(
        session.scalars(
            delete(PlanStop)
            .where(
                PlanStop.tenant_id == rule.tenant_id,
                PlanStop.rule_id == rule.id,
                PlanStop.plan_id.in_(days_to_come),
            )
            .returning(PlanStop.plan_id)
        )
    )
    _renumber(session, rule.tenant_id, emptied)
    session.flush()
    return len(emptied)


def stop_rule(
    session: Session, actor: Actor, rule_id: uuid.UUID, *, now: datetime | None = None
) -> PlanRule:
    """The rule stops recurring; its stops leave the plans of the days after today (today
    and the days gone by keep what was planned)."""
    rule = get_rule(session, actor, rule_id)
    _planner_of(session, actor, rule.staff_id)
    if rule.stopped_on is not None:
        raise Conflict("this recurring plan is stopped already", code="rule_stopped")
    today = _today(_tenant(session, actor.tenant_id), now or datetime.now(UTC))
    removed = _end(session, rule, today)
    audit.record_by(
        session, actor, "work_plan_rule.stop", "work_plan_rule", rule.id, {"removed": removed}
    )
    return rule
