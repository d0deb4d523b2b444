"""Attendance reports of a team and a period (the monthly grid, the punch list, the
exceptions) and the closing of months."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from api.deps import ActorDep, SessionDep
from api.formats.tables import Table, download
from api.routers.reports import DOWNLOADS, FormatQ
from api.schemas.attendance import (
    ExceptionOut,
    LegendOut,
    MonthlyOut,
    MonthlyRow,
    PeriodIn,
    PeriodOut,
    PunchListRow,
    ReopenIn,
)
from api.schemas.common import Page
from api.schemas.types import Day, Time
from fieldforce.attendance import monthly as month_grid
from fieldforce.attendance import periods, reports
from fieldforce.attendance.models import AttendancePeriod

router = APIRouter(prefix="/api/v1", tags=["attendance"])
UnitQ = Annotated[uuid.UUID | None, Query(description="this unit and below")]


@router.get("/attendance/monthly", response_model=MonthlyOut, responses=DOWNLOADS)
def monthly(
    actor: ActorDep,
    session: SessionDep,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")],
    org_unit_id: UnitQ = None,
    format: FormatQ = "json",
) -> MonthlyOut | Response:
    """月度考勤表: one row per person in one's scope, a status code per day (days to come
    blank) and the month's totals: days present, late, leaving early, absent, on a trip,
    leave by type, hours worked and overtime. As CSV, or XLSX with its header and names
    frozen and a legend sheet."""
    out = grid_out(month_grid.monthly_grid(session, actor, month, org_unit_id=org_unit_id))
    if format == "json":
        return out
    name = f"attendance-{out.month}"
    return download(grid_table(out), format, name, more=[LEGEND], freeze="E2")


LEGEND = Table(
    "Legend 图例",
    ["code", "status", "中文", "meaning"],
    [[c, s, zh, en] for c, s, zh, en in month_grid.LEGEND],
)


def grid_out(grid: month_grid.Grid) -> MonthlyOut:
    return MonthlyOut(
        month=grid.month,
        days=grid.days,
        leave_types=grid.leave_types,
        legend=[LegendOut(code=c, status=s, zh=zh, en=en) for c, s, zh, en in month_grid.LEGEND],
        items=[MonthlyRow.model_validate(r, from_attributes=True) for r in grid.rows],
        computed_at=grid.computed_at,
        closed_at=grid.closed_at,
    )


def grid_table(grid: MonthlyOut) -> Table:
    totals = ["present_days", "late_days", "early_leave_days", "absent_days"]
    totals += ["business_trip_days"]
    columns = ["login", "name", "employee_code", "org_unit"]
    columns += [d.strftime("%d") for d in grid.days]
    columns += totals + [f"leave:{t}" for t in grid.leave_types]
    columns += ["worked_hours", "overtime_hours", "corrected_days"]
    rows = [
        [r.login, r.name, r.employee_code, r.org_unit, *r.codes]
        + [getattr(r, c) for c in totals]
        + [r.leave_days.get(t, Decimal(0)) for t in grid.leave_types]
        + [r.worked_hours, r.overtime_hours, r.corrected_days]
        for r in grid.items
    ]
    return Table(f"Attendance {grid.month}", columns, rows)


@router.get("/attendance/exceptions", response_model=Page[ExceptionOut], responses=DOWNLOADS)
def exceptions(
    actor: ActorDep,
    session: SessionDep,
    start: Annotated[Day, Query(alias="from")],
    end: Annotated[Day, Query(alias="to")],
    org_unit_id: UnitQ = None,
    staff_id: uuid.UUID | None = None,
    format: FormatQ = "json",
) -> Page[ExceptionOut] | Response:
    """The days from `from` to `to` (at most 62, today at the latest) of the people in
    one's scope that need a look: late, early leave, half day, absent, a forgotten or
    automatic clock-out, a correction, or punches refused, outside or by a mock location
    that day. By day, then unit and name (one page); as CSV or XLSX."""
    rows = reports.exceptions(
        session, actor, start, end, org_unit_id=org_unit_id, staff_id=staff_id
    )
    items = [ExceptionOut.model_validate(r, from_attributes=True) for r in rows]
    if format == "json":
        return Page[ExceptionOut](items=items, next_cursor=None)
    columns = list(ExceptionOut.model_fields)
    table = Table(
        "Exceptions",
        columns,
        [[_cell(getattr(i, c)) for c in columns] for i in items],
    )
    return download(table, format, f"attendance-exceptions-{start}-{end}")


@router.get("/attendance/punch-list", responses=DOWNLOADS, response_class=Response)
def punch_list(
    actor: ActorDep,
    session: SessionDep,
    start: Annotated[Time, Query(alias="from")],
    end: Annotated[Time, Query(alias="to")],
    org_unit_id: UnitQ = None,
    staff_id: uuid.UUID | None = None,
    field: Annotated[bool, Query(description="field punches (外勤) only")] = False,
    status: Literal["accepted", "refused"] | None = None,
    format: Annotated[Literal["csv", "xlsx"], Query(description="csv or xlsx")] = "csv",
) -> Response:
    """Every punch of the people in one's scope from `from` to `to` (at most 62 days),
    oldest first, with who, where (verdict, distance, accuracy), why refused and flags: a
    download (`GET /attendance/punches` pages the same punches as JSON)."""
    rows = reports.punch_list(
        session,
        actor,
        start,
        end,
        org_unit_id=org_unit_id,
        staff_id=staff_id,
        field_only=field,
        status=status,
    )
    columns = list(PunchListRow.model_fields)
    items = [PunchListRow.model_validate(r, from_attributes=True) for r in rows]
    table = Table("Punches", columns, [[_cell(getattr(i, c)) for c in columns] for i in items])
    return download(table, format, f"attendance-punches-{start:%Y%m%d}-{end:%Y%m%d}")


def _cell(value: object) -> str | int | float | Decimal | date | datetime | uuid.UUID | None:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    assert value is None or isinstance(value, str | int | float | Decimal | date | uuid.UUID)
    return value


def _period_out(period: AttendancePeriod, locked_days: int | None = None) -> PeriodOut:
    return PeriodOut(
        month=period.month.strftime("%Y-%m"),
        closed=period.closed,
        closed_at=period.closed_at,
        closed_by=period.closed_by,
        reopened_at=period.reopened_at,
        reopened_by=period.reopened_by,
        reopen_reason=period.reopen_reason,
        locked_days=locked_days,
    )


@router.get("/attendance/periods", response_model=Page[PeriodOut])
def list_periods(actor: ActorDep, session: SessionDep) -> Page[PeriodOut]:
    """The months ever closed, newest first (one page); a reopened one says when and why."""
    rows = periods.list_periods(session, actor)
    return Page[PeriodOut](items=[_period_out(p) for p in rows], next_cursor=None)


@router.post("/attendance/periods", response_model=PeriodOut, status_code=201)
def close_period(body: PeriodIn, actor: ActorDep, session: SessionDep) -> PeriodOut:
    """Administrators close a month that is over: everyone's days are computed and locked.
    In a closed month punches are refused (`period_closed`) and late data changes no day;
    only an approved correction changes one (flagged `after_closing`, audited)."""
    period, locked = periods.close(session, actor, body.month)
    return _period_out(period, locked)


@router.post("/attendance/periods/{month}/reopen", response_model=PeriodOut)
def reopen_period(
    month: Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")],
    body: ReopenIn,
    actor: ActorDep,
    session: SessionDep,
) -> PeriodOut:
    """Administrators reopen a closed month, saying why: its days are computed afresh when
    next read, and new punches are taken again."""
    return _period_out(periods.reopen(session, actor, month, body.reason))
