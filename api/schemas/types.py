"""Values checked where they enter the API: the reusable pydantic types of the boundary.

Everything a client sends goes through one of these, so that no value the database or
the maths cannot take gets past the request: 422 ``validation_error`` names the field.

- times: aware, with a UTC offset within ±15:59 (PostgreSQL's limit; Python allows 24 h),
  in the years 1970..2100;
- dates: in the years 1970..2100;
- text: no NUL, no other C0 control character (tab, newline and carriage return only in
  multi-line text), no DEL, no lone surrogate;
- free-form JSON (attributes, properties): strings and keys without NUL or lone
  surrogates, finite numbers, at most ``MAX_JSON_DEPTH`` levels;
- numbers: finite (``NaN``, ``Infinity``, ``1e400`` refused), within the range of what
  they measure.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import AfterValidator, AllowInfNan, AwareDatetime, StringConstraints

MIN_YEAR = 1970
MAX_YEAR = 2100
MAX_OFFSET = timedelta(hours=15, minutes=59)
MAX_JSON_DEPTH = 16

_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
_TEXT_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_JSON_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


# --- times ---


def check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"must be within the years {MIN_YEAR}..{MAX_YEAR}")


def check_time(value: datetime) -> datetime:
    """An aware time PostgreSQL can store and the app can compute with."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("needs a UTC offset, e.g. 2025-11-22T08:30:00+08:00 or ...Z")
    if abs(offset) > MAX_OFFSET:
        raise ValueError("the UTC offset must be within ±15:59")
    try:
        check_year(value.astimezone(UTC).year)
    except OverflowError as exc:
        raise ValueError(f"must be within the years {MIN_YEAR}..{MAX_YEAR}") from exc
    return value


def check_day(value: date) -> date:
    check_year(value.year)
    return value


Time = Annotated[AwareDatetime, AfterValidator(check_time)]
Day = Annotated[date, AfterValidator(check_day)]


# --- text ---


def check_line(value: str) -> str:
    """One line of text: no control characters at all."""
    if _LINE_FORBIDDEN.search(value):
        raise ValueError("may not contain control characters or lone surrogates")
    return value


def check_text(value: str) -> str:
    """Multi-line text: tab, newline and carriage return allowed, no other control."""
    if _TEXT_FORBIDDEN.search(value):
        raise ValueError("may not contain control characters (other than tab and newline)")
    return value


Line = Annotated[str, AfterValidator(check_line)]
Text = Annotated[str, AfterValidator(check_text)]
Name = Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


# --- free-form JSON ---


def json_problem(value: Any, depth: int = 0) -> str | None:
    """Why a JSON value cannot be stored as JSONB (None when it can)."""
    if depth > MAX_JSON_DEPTH:
        return f"nested deeper than {MAX_JSON_DEPTH} levels"
    if isinstance(value, str):
        return "a string holds NUL or a lone surrogate" if _JSON_FORBIDDEN.search(value) else None
    if isinstance(value, float):
        return None if math.isfinite(value) else "a number is not finite"
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        return "an integer is outside the 64-bit range"
    if isinstance(value, dict):
        for key, item in value.items():
            problem = json_problem(str(key), depth) or json_problem(item, depth + 1)
            if problem:
                return problem
        return None
    if isinstance(value, list | tuple):
        for item in value:
            problem = json_problem(item, depth + 1)
            if problem:
                return problem
    return None


def check_json(value: Any) -> Any:
    problem = json_problem(value)
    if problem:
        raise ValueError(problem)
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(check_json)]


# --- numbers ---

Finite = Annotated[float, AllowInfNan(False)]
Lon = Annotated[Finite, Ge(-180), Le(180)]
Lat = Annotated[Finite, Ge(-90), Le(90)]
AltitudeM = Annotated[Finite, Ge(-20_000), Le(20_000)]
SpeedMps = Annotated[Finite, Ge(0), Le(1_000)]
AccuracyM = Annotated[Finite, Ge(0), Le(1_000_000)]
BearingDeg = Annotated[Finite, Ge(0), Le(360)]
BatteryPct = Annotated[Finite, Ge(0), Le(100)]
