"""Reports over the people in the caller's scope, as JSON or as CSV and XLSX downloads."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from api.deps import ActorDep, SessionDep
from api.formats.tables import MEDIA_TYPES, Table, download
from api.schemas.reports import (
    ClaimsReport,
    ClaimsReportRow,
    LeaveReport,
    LeaveReportRow,
    ReportFormat,
)
from api.schemas.travel import ClaimStatusName
from api.schemas.types import Day
from fieldforce.reports import service

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

FormatQ = Annotated[ReportFormat, Query(description="json (a page), csv or xlsx (a download)")]
UnitQ = Annotated[
    uuid.UUID | None, Query(description="only this org unit's subtree (within one's scope)")
]
DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


def _download(
    rows: list[dict[str, Any]], columns: list[str], title: str, filename: str, fmt: str
) -> Response:
    return download(
        Table(title, columns, [[row[c] for c in columns] for row in rows]), fmt, filename
    )


@router.get("/leave", response_model=LeaveReport, responses=DOWNLOADS)
def leave_report(
    actor: ActorDep,
    session: SessionDep,
    year: Annotated[
        int | None, Query(ge=1970, le=2100, description="default: this year (tenant time)")
    ] = None,
    org_unit: UnitQ = None,
    group: Annotated[
        Literal["unit"] | None, Query(description="unit: a total row per unit and leave type")
    ] = None,
    format: FormatQ = "json",
) -> LeaveReport | Response:
    """Leave allocated, carried, taken and the balance per person and leave type in a
    year, as `/leave-balances` counts them (supervisors, managers, finance and
    administrators, over their subtree)."""
    year, rows = service.leave_report(
        session, actor, year=year, unit_id=org_unit, group_by_unit=group == "unit"
    )
    items = [LeaveReportRow.model_validate(r, from_attributes=True) for r in rows]
    if format == "json":
        return LeaveReport(year=year, items=items)
    columns = list(LeaveReportRow.model_fields)
    name = f"leave-{year}" + (f"-{org_unit}" if org_unit else "")
    return _download([i.model_dump() for i in items], columns, f"Leave {year}", name, format)


@router.get("/travel-claims", response_model=ClaimsReport, responses=DOWNLOADS)
def claims_report(
    actor: ActorDep,
    session: SessionDep,
    start: Annotated[Day | None, Query(alias="from", description="first day of lines")] = None,
    end: Annotated[Day | None, Query(alias="to", description="last day of lines")] = None,
    org_unit: UnitQ = None,
    status: Annotated[
        ClaimStatusName | None, Query(description="default: every claim but drafts")
    ] = None,
    format: FormatQ = "json",
) -> ClaimsReport | Response:
    """Travel claim lines per person, category, month (tenant time) and currency: how many,
    claimed, sanctioned and paid (supervisors, managers, finance and administrators, over
    their subtree)."""
    rows = service.claims_report(
        session, actor, start=start, end=end, unit_id=org_unit, status=status
    )
    items = [ClaimsReportRow.model_validate(r, from_attributes=True) for r in rows]
    if format == "json":
        return ClaimsReport(items=items)
    columns = list(ClaimsReportRow.model_fields)
    name = f"travel-claims-{start or 'all'}-{end or 'all'}"
    return _download([i.model_dump() for i in items], columns, "Travel claims", name, format)
