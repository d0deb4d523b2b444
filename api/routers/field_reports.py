"""Field-sales reports: visits per rep and kind, coverage of partner outlets, the funnel
of customers by stage, inspection scores per outlet; on screen, CSV and XLSX."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from api.deps import ActorDep, SessionDep
from api.formats.tables import Table, download
from api.routers.reports import DOWNLOADS, FormatQ, UnitQ
from api.schemas.common import Page
from api.schemas.reports import (
    CoverageRow,
    FunnelOut,
    OutletScoreRow,
    TeamWeekRow,
    VisitReportRow,
)
from api.schemas.types import Day
from fieldforce.reports import field

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
FromQ = Annotated[Day, Query(alias="from", description="first day (tenant time)")]
ToQ = Annotated[Day, Query(alias="to", description="last day (tenant time)")]


def _answer(
    model: type[BaseModel], rows: list[BaseModel], fmt: str, title: str, name: str
) -> Page[BaseModel] | Response:
    if fmt == "json":
        return Page[BaseModel](items=rows, next_cursor=None)
    columns = list(model.model_fields)
    cells = [[getattr(r, c) for c in columns] for r in rows]
    return download(Table(title, columns, cells), fmt, name)


def _span(first: date, last: date) -> str:
    return f"{first:%Y%m%d}-{last:%Y%m%d}"


@router.get("/visits", response_model=Page[VisitReportRow], responses=DOWNLOADS)
def visits(
    actor: ActorDep,
    session: SessionDep,
    start: FromQ,
    end: ToQ,
    org_unit: UnitQ = None,
    format: FormatQ = "json",
) -> Page[BaseModel] | Response:
    """Visits per rep in the period by kind (routine, cold, follow-up), how many were
    verified, and the mean time on site (supervisors, managers, finance and
    administrators, over their subtree)."""
    rows = field.visits_by_rep(session, actor, start, end, unit_id=org_unit)
    items: list[BaseModel] = [VisitReportRow.model_validate(asdict(r)) for r in rows]
    return _answer(VisitReportRow, items, format, "Visits", f"visits-{_span(start, end)}")


@router.get("/coverage", response_model=Page[CoverageRow], responses=DOWNLOADS)
def coverage(
    actor: ActorDep,
    session: SessionDep,
    start: FromQ,
    end: ToQ,
    org_unit: UnitQ = None,
    format: FormatQ = "json",
) -> Page[BaseModel] | Response:
    """Per unit: its partner outlets, how many had a visit in the period, and the share."""
    rows = field.coverage(session, actor, start, end, unit_id=org_unit)
    items: list[BaseModel] = [CoverageRow.model_validate(asdict(r)) for r in rows]
    return _answer(CoverageRow, items, format, "Coverage", f"coverage-{_span(start, end)}")


@router.get("/funnel", response_model=FunnelOut)
def funnel(actor: ActorDep, session: SessionDep, org_unit: UnitQ = None) -> FunnelOut:
    """How many customers are prospects, intended, partners and lost, in the units covered."""
    return FunnelOut.model_validate(field.funnel(session, actor, unit_id=org_unit))


@router.get("/inspections", response_model=Page[OutletScoreRow], responses=DOWNLOADS)
def inspection_scores(
    actor: ActorDep,
    session: SessionDep,
    start: FromQ,
    end: ToQ,
    org_unit: UnitQ = None,
    format: FormatQ = "json",
) -> Page[BaseModel] | Response:
    """Per outlet inspected in the period: inspections, mean, first and last score, the
    trend, the last grade and the corrective actions still open."""
    rows = field.inspection_scores(session, actor, start, end, unit_id=org_unit)
    items: list[BaseModel] = [OutletScoreRow.model_validate(asdict(r)) for r in rows]
    return _answer(OutletScoreRow, items, format, "Inspections", f"inspections-{_span(start, end)}")


@router.get("/inspections/teams", response_model=Page[TeamWeekRow], responses=DOWNLOADS)
def team_score_trend(
    actor: ActorDep,
    session: SessionDep,
    start: FromQ,
    end: ToQ,
    org_unit: UnitQ = None,
    format: FormatQ = "json",
) -> Page[BaseModel] | Response:
    """Per team (the outlets' unit) and week of the period: inspections, the mean score
    and how many failed a critical item: each team's trend."""
    rows = field.team_score_trend(session, actor, start, end, unit_id=org_unit)
    items: list[BaseModel] = [TeamWeekRow.model_validate(asdict(r)) for r in rows]
    return _answer(TeamWeekRow, items, format, "Team scores", f"team-scores-{_span(start, end)}")
