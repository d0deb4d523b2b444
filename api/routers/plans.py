"""Work plans (工作计划): a day's planned visits and inspections per person, in the order
given or the shortest; planned against actual per day and per team."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import ActorDep, SessionDep
from api.formats.tables import Table, download
from api.routers.reports import DOWNLOADS, FormatQ
from api.schemas.common import Page
from api.schemas.plans import PlanIn, PlanOut, StopOut, SummaryRow, UnplannedOut
from api.schemas.types import Day
from fieldforce.customers import service as customers
from fieldforce.plans import service as plans
from geo.crs import to_wgs84

router = APIRouter(prefix="/api/v1/work-plans", tags=["work plans"])


def _out(progress: plans.DayProgress) -> PlanOut:
    plan = progress.plan
    stops = []
    for s in progress.stops:
        lon, lat = customers.position_of(s.customer)
        stops.append(
            StopOut(
                position=s.position,
                customer_id=s.customer.id,
                customer_name=s.customer.name,
                lon=lon,
                lat=lat,
                kind=s.kind,
                status=s.status,
                done_id=s.done_id,
                done_at=s.done_at,
                rule_id=s.rule_id,
            )
        )
    return PlanOut(
        staff_id=progress.staff_id,
        day=progress.day,
        planned=plan is not None,
        ordered_by=plan.ordered_by if plan else None,
        start_lon=plan.start_lon if plan else None,
        start_lat=plan.start_lat if plan else None,
        stops=stops,
        unplanned=[
            UnplannedOut(kind=k, id=i, customer_id=c.id, customer_name=c.name, at=at)
            for k, i, c, at in progress.unplanned
        ],
        counts=progress.counts(),
    )


@router.put("/{staff_id}/{day}", response_model=PlanOut)
def put_plan(
    staff_id: uuid.UUID, day: Day, body: PlanIn, actor: ActorDep, session: SessionDep
) -> PlanOut:
    """The person's plan for the day (today or later), made by them or by someone who
    directs them, replacing what was planned: visits and inspections of customers in the
    caller's scope, each once a day, in the order given or, with `order: shortest`, in the
    order of the shortest way from `start` (default: the person's latest position) through
    all of them, found by OR-Tools' routing solver."""
    start = None if body.start is None else to_wgs84(body.start.lon, body.start.lat, body.start.crs)
    plans.put_plan(
        session,
        actor,
        staff_id,
        day,
        [plans.StopIn(s.customer_id, s.kind.value) for s in body.stops],
        order=body.order,
        start=start,
    )
    return _out(plans.day_progress(session, actor, staff_id, day))


@router.get("/summary", response_model=Page[SummaryRow], responses=DOWNLOADS)
def summary(
    actor: ActorDep,
    session: SessionDep,
    start: Annotated[Day, Query(alias="from")],
    end: Annotated[Day, Query(alias="to")],
    org_unit_id: Annotated[uuid.UUID | None, Query(description="this unit and below")] = None,
    format: FormatQ = "json",
) -> Page[SummaryRow] | Response:
    """Planned against actual per person in one's scope over up to 62 days: stops planned,
    done, missed, still to come, and visits and inspections made without a plan (one
    page, or CSV/XLSX)."""
    rows = plans.team_summary(session, actor, start, end, org_unit_id=org_unit_id)
    items = [SummaryRow(staff_id=p.id, login=p.login, name=p.name, **counts) for p, counts in rows]
    if format != "json":
        columns = list(SummaryRow.model_fields)
        cells = [[getattr(r, c) for c in columns] for r in items]
        name = f"plans-{start:%Y%m%d}-{end:%Y%m%d}"
        return download(Table("Planned and done", columns, cells), format, name)
    return Page[SummaryRow](items=items, next_cursor=None)


@router.get("/{staff_id}/{day}", response_model=PlanOut)
def get_plan(staff_id: uuid.UUID, day: Day, actor: ActorDep, session: SessionDep) -> PlanOut:
    """A person's day: the plan (if any) with each stop done, missed or to come, and what
    was done without a plan."""
    return _out(plans.day_progress(session, actor, staff_id, day))
