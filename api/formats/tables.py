"""Tables as downloads: CSV and XLSX renderings of rows under a header.

Both carry the same header row (the column keys, as in the JSON) and the same cells. CSV
writes numbers and dates as their plain text and keeps text that a spreadsheet would take
for a formula as text (a leading apostrophe); XLSX types its cells (numbers as numbers,
dates as dates, text always as text, never as a formula), names its sheet and sizes its
columns."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fastapi import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"csv": CSV, "xlsx": XLSX}

Cell = str | int | float | Decimal | date | datetime | uuid.UUID | bool | None

# characters that make a spreadsheet read a cell as a formula (or that it strips first)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 6, 60


def spreadsheet_text(text: str) -> str:
    """Text that a spreadsheet would take for a formula is kept as text."""
    return f"'{text}" if text[:1] in FORMULA_START else text


@dataclass(frozen=True)
class Table:
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return spreadsheet_text(value)
    return str(value)


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows([_csv_cell(v) for v in row] for row in table.rows)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return _SHEET_FORBIDDEN.sub("-", title).strip("'")[:31] or "Sheet"


def _xlsx_value(value: Cell) -> tuple[object, str | None]:
    """The cell value and its number format."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # Excel has no time zones: UTC, said in the format
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value, "yyyy-mm-dd hh:mm:ss"
    if isinstance(value, date):
        return value, "yyyy-mm-dd"
    if isinstance(value, Decimal):
        return value, "0.00" if value.as_tuple().exponent == -2 else None
    if isinstance(value, uuid.UUID):
        return str(value), None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value), None
    return value, None


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    return len(_csv_cell(value))


def to_xlsx(table: Table, *, more: Sequence[Table] = (), freeze: str = "A2") -> bytes:
    """The table on the first sheet (its header frozen, with the columns left of
    ``freeze``'s column), and ``more`` tables (a legend…) on sheets after it."""
    book = Workbook()
    _fill(book.active, table, freeze)
    for extra in more:
        _fill(book.create_sheet(), extra, "A2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill(sheet: Any, table: Table, freeze: str) -> None:
    sheet.title = _sheet_title(table.title)
    sheet.append(list(table.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(c) for c in table.columns]
    for r, row in enumerate(table.rows, start=2):
        for c, value in enumerate(row, start=1):
            written, number_format = _xlsx_value(value)
            cell = sheet.cell(row=r, column=c, value=written)
            if isinstance(written, str):
                cell.data_type = "s"  # text that starts with "=" stays text
            if number_format:
                cell.number_format = number_format
            widths[c - 1] = max(widths[c - 1], _width(value))
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, width + 2)
        )
    sheet.freeze_panes = freeze


def download(
    table: Table, fmt: str, filename: str, *, more: Sequence[Table] = (), freeze: str = "A2"
) -> Response:
    """The table as a CSV or XLSX attachment named ``filename`` (without its extension)."""
    body: str | bytes = to_csv(table) if fmt == "csv" else to_xlsx(table, more=more, freeze=freeze)
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )
