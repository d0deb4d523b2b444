"""Work plans: a person's day of visits and inspections, made by the person or by someone
who directs them, in the order given or the shortest from the start point (the rep's
latest position unless one is given); planned against actual: each stop done (a visit or
inspection of that customer by that person that day), missed (the day is over) or still
to come, and the day's unplanned visits and inspections."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from geoalchemy2.shape import to_shape
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.customers import service as customers
from fieldforce.customers.models import Customer
from fieldforce.errors import Conflict, Invalid
from fieldforce.inspections.models import Inspection
from fieldforce.org.models import Staff, staff_below_unit
from fieldforce.org.scope import Actor
from fieldforce.plans.models import PlanStop, StopKind, WorkPlan
from fieldforce.tenancy.models import Module, Tenant
from fieldforce.tracking.models import LatestPosition
from fieldforce.visits.models import Visit
from geo.route import shortest_order

MAX_STOPS = 60
MAX_SUMMARY_DAYS = 62


@dataclass(frozen=True)
class StopIn:
    customer_id: uuid.UUID
    kind: str = StopKind.VISIT.value


def _tenant(session: Session, actor: Actor) -> Tenant:
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    return tenant


def _today(tenant: Tenant, now: datetime) -> date:
    return now.astimezone(ZoneInfo(tenant.timezone)).date()


def _start(
    session: Session, staff: Staff, given: tuple[float, float] | None
) -> tuple[float, float] | None:
    if given is not None:
        return given
    latest = session.get(LatestPosition, (staff.tenant_id, staff.id))
    if latest is None:
        return None
    point = to_shape(latest.geom)
    return float(point.x), float(point.y)


def put_plan(
    session: Session,
    actor: Actor,
    staff_id: uuid.UUID,
    day: date,
    stops: list[StopIn],
    *,
    order: str = "as_given",
    start: tuple[float, float] | None = None,
    now: datetime | None = None,
) -> WorkPlan:
    """The day's plan of a person, replacing what was planned; days gone by are kept."""
    actor.require_module(Module.VISITS.value)
    staff = (
        actor.require_directs_staff(session, staff_id, oneself_allowed=True)
        if (staff_id != actor.staff_id)
        else actor.visible_staff(session, staff_id)
    )
    tenant = _tenant(session, actor)
    if day < _today(tenant, now or datetime.now(UTC)):
        raise Conflict("a day gone by keeps its plan", code="past_day")
    if len(stops) > MAX_STOPS:
        raise Invalid(f"at most {MAX_STOPS} stops a day", code="too_many_stops")
    if order not in ("as_given", "shortest"):
        raise Invalid("order is as_given or shortest", code="invalid_order")
    seen: set[tuple[uuid.UUID, str]] = set()
    places: list[tuple[float, float]] = []
    for stop in stops:
        if stop.kind not in (StopKind.VISIT, StopKind.INSPECTION):
            raise Invalid("a stop is a visit or an inspection", code="invalid_kind")
        if (stop.customer_id, stop.kind) in seen:
            raise Invalid("a customer is planned once a day for each kind", code="twice_planned")
        seen.add((stop.customer_id, stop.kind))
        places.append(
            customers.position_of(customers.get_customer(session, actor, stop.customer_id))
        )
    begin = _start(session, staff, start)
    if order == "shortest" and begin is not None:
        stops = [stops[k] for k in shortest_order(begin, places)]
    plan = session.scalar(
        select(WorkPlan)
        .where(
            WorkPlan.tenant_id == actor.tenant_id,
            WorkPlan.staff_id == staff.id,
            WorkPlan.day == day,
        )
        .with_for_update()
    )
    if plan is None:
        plan = WorkPlan(tenant_id=actor.tenant_id, id=uuid.uuid4(), staff_id=staff.id, day=day)
        session.add(plan)
    plan.start_lon, plan.start_lat = begin if begin is not None else (None, None)
    plan.ordered_by, plan.updated_by = order, actor.staff_id
    session.flush()
    rules = {
        (s.customer_id, s.kind): s.rule_id
        for s in session.execute(
            delete(PlanStop)
            .where(PlanStop.tenant_id == plan.tenant_id, PlanStop.plan_id == plan.id)
            .returning(PlanStop.customer_id, PlanStop.kind, PlanStop.rule_id)
        )
    }
    for position, stop in enumerate(stops, start=1):
        session.add(
            PlanStop(
                tenant_id=plan.tenant_id,
                id=uuid.uuid4(),
                plan_id=plan.id,
                position=position,
                customer_id=stop.customer_id,
                kind=stop.kind,
                rule_id=rules.get((stop.customer_id, stop.kind)),
            )
        )
    session.flush()
    audit.record_by(
        session,
        actor,
        "work_plan.put",
        "work_plan",
        plan.id,
        {"staff_id": staff.id, "day": day, "stops": len(stops), "order": order},
    )
    return plan


@dataclass
class StopState:
    position: int
    customer: Customer
    kind: str
    status: str  # done, missed, to_come
    done_id: uuid.UUID | None = None  # the visit or inspection that did it
    done_at: datetime | None = None
    rule_id: uuid.UUID | None = None  # the recurring plan that put it there


@dataclass
class DayProgress:
    staff_id: uuid.UUID
    day: date
    plan: WorkPlan | None
    stops: list[StopState] = field(default_factory=list)
    unplanned: list[tuple[str, uuid.UUID, Customer, datetime]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        done = sum(s.status == "done" for s in self.stops)
        missed = sum(s.status == "missed" for s in self.stops)
        return {
            "planned": len(self.stops),
            "done": done,
            "missed": missed,
            "to_come": len(self.stops) - done - missed,
            "unplanned": len(self.unplanned),
        }


def _done_that_day(
    session: Session, tenant: Tenant, staff_ids: list[uuid.UUID], first: date, last: date
) -> list[tuple[str, uuid.UUID, uuid.UUID, uuid.UUID, datetime]]:
    """(kind, id, staff, customer, when) of the visits and inspections of these days."""
    tz = ZoneInfo(tenant.timezone)
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    rows: list[tuple[str, uuid.UUID, uuid.UUID, uuid.UUID, datetime]] = [
        (StopKind.VISIT.value, v.id, v.staff_id, v.customer_id, v.in_at)
        for v in session.execute(
            select(Visit.id, Visit.staff_id, Visit.customer_id, Visit.in_at).where(
                Visit.tenant_id == tenant.id,
                Visit.staff_id.in_(staff_ids),
                Visit.in_at >= start,
                Visit.in_at < end,
            )
        )
    ]
    rows += [
        (StopKind.INSPECTION.value, i.id, i.staff_id, i.customer_id, i.in_at)
        for i in session.execute(
            select(
                Inspection.id, Inspection.staff_id, Inspection.customer_id, Inspection.in_at
            ).where(
                Inspection.tenant_id == tenant.id,
                Inspection.staff_id.in_(staff_ids),
                Inspection.in_at >= start,
                Inspection.in_at < end,
            )
        )
    ]
    return sorted(rows, key=lambda r: r[4])


def _stops_of(session: Session, plans: list[WorkPlan]) -> dict[uuid.UUID, list[PlanStop]]:
    """The stops of these plans in order, in one query."""
    out: dict[uuid.UUID, list[PlanStop]] = {p.id: [] for p in plans}
    if plans:
        for stop in session.scalars(
            select(PlanStop)
            .where(
                PlanStop.tenant_id == plans[0].tenant_id,
                PlanStop.plan_id.in_(out),
            )
            .order_by(PlanStop.plan_id, PlanStop.position)
        ):
            out[stop.plan_id].append(stop)
    return out


def _customers(session: Session, tenant: Tenant, ids: set[uuid.UUID]) -> dict[uuid.UUID, Customer]:
    if not ids:
        return {}
    return {
        c.id: c
        for c in session.scalars(
            select(Customer).where(Customer.tenant_id == tenant.id, Customer.id.in_(ids))
        )
    }


def _progress(
    tenant: Tenant,
    staff_id: uuid.UUID,
    day: date,
    plan: WorkPlan | None,
    stops: list[PlanStop],
    mine: list[tuple[str, uuid.UUID, uuid.UUID, uuid.UUID, datetime]],
    by_id: dict[uuid.UUID, Customer],
    now: datetime,
) -> DayProgress:
    """One person's day from what was read for it: the plan's stops and what they did that
    day (`mine`)."""
    over = day < _today(tenant, now)
    out = DayProgress(staff_id, day, plan)
    used: set[uuid.UUID] = set()
    for stop in stops:
        hit = next(
            (
                d
                for d in mine
                if d[0] == stop.kind and d[3] == stop.customer_id and d[1] not in used
            ),
            None,
        )
        if hit is not None:
            used.add(hit[1])
        status = "done" if hit else "missed" if over else "to_come"
        out.stops.append(
            StopState(
                stop.position,
                by_id[stop.customer_id],
                stop.kind,
                status,
                hit[1] if hit else None,
                hit[4] if hit else None,
                stop.rule_id,
            )
        )
    out.unplanned = [(d[0], d[1], by_id[d[3]], d[4]) for d in mine if d[1] not in used]
    return out


def _by_person_day(
    tenant: Tenant, done: list[tuple[str, uuid.UUID, uuid.UUID, uuid.UUID, datetime]]
) -> dict[tuple[uuid.UUID, date], list[tuple[str, uuid.UUID, uuid.UUID, uuid.UUID, datetime]]]:
    tz = ZoneInfo(tenant.timezone)
    out: dict[
        tuple[uuid.UUID, date], list[tuple[str, uuid.UUID, uuid.UUID, uuid.UUID, datetime]]
    ] = {}
    for d in done:
        out.setdefault((d[2], d[4].astimezone(tz).date()), []).append(d)
    return out


def day_progress(
    session: Session, actor: Actor, staff_id: uuid.UUID, day: date, *, now: datetime | None = None
) -> DayProgress:
    """A person's plan of a day against what they did (their own, or someone's in scope)."""
    actor.require_module(Module.VISITS.value)
    staff = actor.visible_staff(session, staff_id)
    tenant = _tenant(session, actor)
    plan = session.scalar(
        select(WorkPlan).where(
            WorkPlan.tenant_id == actor.tenant_id,
            WorkPlan.staff_id == staff.id,
            WorkPlan.day == day,
        )
    )
    stops = _stops_of(session, [plan])[plan.id] if plan is not None else []
    mine = _by_person_day(tenant, _done_that_day(session, tenant, [staff.id], day, day)).get(
        (staff.id, day), []
    )
    by_id = _customers(session, tenant, {s.customer_id for s in stops} | {d[3] for d in mine})
    return _progress(tenant, staff.id, day, plan, stops, mine, by_id, now or datetime.now(UTC))


def team_summary(
    session: Session,
    actor: Actor,
    first: date,
    last: date,
    *,
    org_unit_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> list[tuple[Staff, dict[str, int]]]:
    """Planned, done, missed, to come and unplanned per person in scope over a period."""
    actor.require_module(Module.VISITS.value)
    if last < first or (last - first).days >= MAX_SUMMARY_DAYS:
        raise Invalid(f"a period of 1..{MAX_SUMMARY_DAYS} days", code="invalid_period")
    people_q = select(Staff).where(actor.staff_clause(), Staff.active.is_(True))
    if org_unit_id is not None:
        unit = actor.visible_unit(session, org_unit_id)
        people_q = people_q.where(Staff.id.in_(staff_below_unit(unit.tenant_id, unit.id)))
    people = list(session.scalars(people_q.order_by(Staff.name, Staff.id)))
    tenant, now = _tenant(session, actor), now or datetime.now(UTC)
    ids = [p.id for p in people]
    plans = {
        (p.staff_id, p.day): p
        for p in session.scalars(
            select(WorkPlan).where(
                WorkPlan.tenant_id == tenant.id,
                WorkPlan.staff_id.in_(ids),
                WorkPlan.day >= first,
                WorkPlan.day <= last,
            )
        )
    }
    stops = _stops_of(session, list(plans.values()))
    done = _by_person_day(tenant, _done_that_day(session, tenant, ids, first, last))
    by_id = _customers(
        session,
        tenant,
        {s.customer_id for day in stops.values() for s in day}
        | {d[3] for day in done.values() for d in day},
    )
    out = []
    for person in people:
        total = {"planned": 0, "done": 0, "missed": 0, "to_come": 0, "unplanned": 0}
        day = first
        while day <= last:
            plan = plans.get((person.id, day))
            counts = _progress(
                tenant,
                person.id,
                day,
                plan,
                stops[plan.id] if plan is not None else [],
                done.get((person.id, day), []),
                by_id,
                now,
            ).counts()
            total = {k: total[k] + counts[k] for k in total}
            day += timedelta(days=1)
        out.append((person, total))
    return out
