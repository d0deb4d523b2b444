"""Keyset pagination: ``{"items": [...], "next_cursor": ...}`` for every list."""

from __future__ import annotations

import base64
import binascii
import json
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from fieldforce.errors import Invalid

T = TypeVar("T")
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
_MIN_TIME = datetime(1, 1, 2, tzinfo=UTC)
_MAX_TIME = datetime(9998, 12, 31, tzinfo=UTC)


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _encode(values: Sequence[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else str(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, columns: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    """A cursor is a list of strings, one per key, each readable as its column's type;
    anything else (numbers, nested lists, NUL bytes, times out of range) is refused."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError("wrong length")
        return [_parse(v, col) for v, col in zip(values, columns, strict=True)]
    except (ValueError, TypeError, OverflowError, RecursionError, binascii.Error) as exc:
        raise Invalid("the cursor is not valid for this list", code="invalid_cursor") from exc


def _parse(value: object, column: InstrumentedAttribute[Any]) -> Any:
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("a cursor value is a string without NUL")
    value.encode()  # raises on a lone surrogate, which the database cannot take
    kind = column.type.python_type
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is datetime:
        return _parse_time(value)
    if kind is date:
        return date.fromisoformat(value)
    parsed = kind(value)
    if isinstance(parsed, float) and not math.isfinite(parsed):
        raise ValueError("not a finite number")
    return parsed


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    offset = parsed.utcoffset()
    if offset is None or abs(offset) >= timedelta(hours=16):
        raise ValueError("a cursor time has an offset PostgreSQL can take")
    if not _MIN_TIME <= parsed <= _MAX_TIME:
        raise ValueError("a cursor time is within the years 1..9998")
    return parsed


def paginate(
    session: Session,
    stmt: Select[T],
    keys: Sequence[InstrumentedAttribute[Any]],
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    descending: bool = False,
) -> Page[T]:
    """Run ``stmt`` (selecting one entity) ordered by ``keys``, the last of which is unique."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", code="invalid_limit")
    if cursor:
        after = tuple_(*keys)
        bound = tuple_(*_decode(cursor, keys))
        stmt = stmt.where(after < bound if descending else after > bound)
    order = [k.desc() for k in keys] if descending else list(keys)
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode([getattr(rows[-1], k.key) for k in keys])
    return Page(rows, next_cursor)
