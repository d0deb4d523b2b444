"""Importing the cell database from the OpenCelliD / Mozilla ichnaea CSV export.

The file streams through COPY into a staging table of text; one statement then keeps
the rows that read as a cell (known radio, numbers where numbers belong, a position on
the globe and not at 0,0), the newest of each cell when it appears twice, and the
regions (country and network: mcc, mnc) found in the file replace what the database held
for them, all in one transaction: a lookup sees the old region or the new, never half.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

import psycopg2
from sqlalchemy import text
from sqlalchemy.orm import Session

from fieldforce.errors import Invalid

HEADER = (
    "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal"
)
_COLUMNS = HEADER.lower().split(",")

_STAGING = text("""
    CREATE TEMP TABLE cell_staging (
        radio text, mcc text, net text, area text, cell text, unit text, lon text, lat text,
        range text, samples text, changeable text, created text, updated text,
        average_signal text
    ) ON COMMIT DROP
""")
# Regular expressions, not casts, decide which rows are cells: a cast that fails would
# abort the whole statement. COPY reads an empty field as NULL.
_VALID = text(r"""
    CREATE TEMP TABLE cell_valid ON COMMIT DROP AS
    SELECT DISTINCT ON (radio, mcc, mnc, area, cell) *
      FROM (
        SELECT upper(radio) AS radio, mcc::smallint AS mcc, net::integer AS mnc,
               area::integer AS area, cell::bigint AS cell,
               nullif(unit, '')::integer AS unit, lon::float8 AS lon, lat::float8 AS lat,
               range::integer AS range_m, samples::integer AS samples,
               to_timestamp(nullif(updated, '')::bigint) AS updated_at
          FROM cell_staging
         WHERE radio ~* '^(GSM|UMTS|CDMA|LTE|NR)$'
           AND mcc ~ '^[0-9]{1,3}$' AND net ~ '^[0-9]{1,4}$'
           AND area ~ '^[0-9]{1,9}$' AND cell ~ '^[0-9]{1,15}$'
           AND (coalesce(unit, '') = '' OR unit ~ '^-?[0-9]{1,9}$')
           AND lon ~ '^-?[0-9]{1,3}(\.[0-9]+)?$' AND lat ~ '^-?[0-9]{1,2}(\.[0-9]+)?$'
           AND range ~ '^[0-9]{1,9}$' AND samples ~ '^[0-9]{1,9}$'
           AND (coalesce(updated, '') = '' OR updated ~ '^[0-9]{1,11}$')
      ) AS parsed
     WHERE lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90 AND (lon, lat) <> (0, 0)
     ORDER BY radio, mcc, mnc, area, cell, updated_at DESC NULLS LAST
""")
_DROP = text("DROP TABLE IF EXISTS cell_staging, cell_valid")
_COPY = "COPY cell_staging FROM STDIN WITH (FORMAT csv)"
_REGIONS = text("SELECT DISTINCT mcc, mnc FROM cell_valid ORDER BY mcc, mnc")
_REPLACE = text("""
    DELETE FROM cell c USING (SELECT DISTINCT mcc, mnc FROM cell_valid) r
     WHERE c.mcc = r.mcc AND c.mnc = r.mnc
""")
_STORE = text("""
    INSERT INTO cell (radio, mcc, mnc, area, cell, unit, lon, lat, range_m, samples, updated_at)
    SELECT radio, mcc, mnc, area, cell, unit, lon, lat, range_m, samples, updated_at
      FROM cell_valid
""")


@dataclass
class Imported:
    rows: int = 0  # data rows in the file
    stored: int = 0
    skipped: int = 0  # unreadable rows and older copies of a cell
    replaced: int = 0  # rows of the same regions the import removed
    regions: list[tuple[int, int]] = field(default_factory=list)


class _Counting(io.RawIOBase):
    """A binary stream that reports how many bytes were read (for a progress bar)."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None] | None) -> None:
        self.raw, self.on_read = raw, on_read

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if self.on_read is not None and data:
            self.on_read(len(data))
        return data


def _check_header(line: bytes) -> None:
    names = [c.strip().lower() for c in line.decode("utf-8", "replace").strip().split(",")]
    if names != _COLUMNS:
        raise Invalid(
            "not an OpenCelliD / ichnaea cell file: the first line must be " + HEADER,
            code="invalid_cell_file",
        )


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def import_cells(
    session: Session, stream: IO[bytes], *, on_read: Callable[[int], None] | None = None
) -> Imported:
    """Streams a cell file into the database (in the session's transaction; the caller
    commits). ``on_read(n)`` hears of every n bytes read."""
    header = stream.readline()
    if on_read is not None:
        on_read(len(header))
    _check_header(header)
    with session.begin_nested():  # a file COPY cannot read leaves the session usable
        session.execute(_DROP)
        session.execute(_STAGING)
        raw: Any = session.connection().connection.dbapi_connection
        with raw.cursor() as cursor:
            try:
                cursor.copy_expert(_COPY, _Counting(stream, on_read))
            except psycopg2.DataError as exc:
                message = str(exc).splitlines()[0]
                raise Invalid(
                    f"the cell file cannot be read: {message}", code="invalid_cell_file"
                ) from exc
            rows = cursor.rowcount
    session.execute(_VALID)
    out = Imported(rows=rows)
    out.regions = [(r.mcc, r.mnc) for r in session.execute(_REGIONS)]
    out.replaced = _rowcount(session.execute(_REPLACE))
    out.stored = _rowcount(session.execute(_STORE))
    out.skipped = rows - out.stored
    session.execute(_DROP)  # gone at commit anyway; now too, for a second import before it
    return out
