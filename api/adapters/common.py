from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from api.schemas.types import check_line, check_time, json_problem

KNOT_MPS = 1852.0 / 3600.0
KMH_MPS = 1000.0 / 3600.0
# what each measurement may be, in the units of the fix (metres, m/s, degrees, percent)
ACCURACY_M = (0.0, 1_000_000.0)
ALTITUDE_M = (-20_000.0, 20_000.0)
SPEED_MPS = (0.0, 1_000.0)
BEARING_DEG = (0.0, 360.0)
BATTERY_PCT = (0.0, 100.0)
# extra attributes kept with a fix, as for POST /api/v1/pings
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_NAME = 64
MAX_ATTRIBUTE_BYTES = 1024
_PROTOCOL_NS = uuid.UUID("6f1c2a52-7c55-4b0e-9a57-0b1f3e5d2c11")
_PLAIN = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$")


class ProtocolError(ValueError):
    """The request cannot be understood; answered 400 and nothing is stored."""


def parse_timestamp(value: str) -> datetime:
    """Epoch seconds (< 2^31), epoch milliseconds (larger), ISO-8601 (has a 'T'; no offset
    means UTC), or 'yyyy-MM-dd HH:mm:ss' in UTC; within the years and offsets of
    ``api.schemas.types.check_time``."""
    text = value.strip()
    try:
        if re.fullmatch(r"\d+(\.\d+)?", text):
            number = float(text)
            seconds = number if number < 2**31 else number / 1000.0
            return check_time(datetime.fromtimestamp(seconds, UTC))
        if "T" in text or _PLAIN.match(text):
            parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
            return check_time(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    except (ValueError, OverflowError, OSError) as exc:
        raise ProtocolError(f"unreadable timestamp {value!r}: {exc}") from exc
    raise ProtocolError(f"unreadable timestamp {value!r}")


def parse_float(value: object, name: str) -> float:
    """A finite number: NaN, Infinity and 1e400 make the fix unreadable."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"'{name}' is not a number: {value!r}") from exc
    if not math.isfinite(number):
        raise ProtocolError(f"'{name}' is not a finite number: {value!r}")
    return number


def optional_float(
    value: object,
    name: str,
    within: tuple[float, float],
    *,
    negative_is_unknown: bool = False,
) -> float | None:
    """A measurement that may be missing; present, it must be finite and ``within`` the
    range of what it measures, or the fix is refused (a tracker sending 1e308 m/s is
    broken, and its position is not to be trusted either)."""
    if value is None or value == "":
        return None
    number = parse_float(value, name)
    if negative_is_unknown and number < 0:
        return None
    low, high = within
    if not low <= number <= high:
        raise ProtocolError(f"'{name}' is out of range {low:g}..{high:g}: {value!r}")
    return number


def storable_attributes(attributes: Mapping[str, Any]) -> dict[str, Any] | None:
    """Extra attributes worth keeping, bounded like those of ``POST /api/v1/pings``: at
    most ``MAX_ATTRIBUTES``, each with a short name, small once written as JSON and
    storable in JSONB (no NUL, no lone surrogate, finite numbers, not too deep). The others
    are dropped, not the fix."""
    kept: dict[str, Any] = {}
    for name, value in attributes.items():
        if len(kept) == MAX_ATTRIBUTES:
            break
        if _small_attribute(name, value) and json_problem({name: value}) is None:
            kept[name] = value
    return kept or None


def _small_attribute(name: str, value: Any) -> bool:
    if len(name) > MAX_ATTRIBUTE_NAME:
        return False
    try:
        return len(json.dumps(value, allow_nan=False)) <= MAX_ATTRIBUTE_BYTES
    except (TypeError, ValueError):
        return False


def check_identifier(identifier: str) -> str:
    try:
        return check_line(identifier)
    except ValueError as exc:
        raise ProtocolError("the device id may not contain control characters") from exc


def parse_bool(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def ping_id(identifier: str, fix_time: datetime, lat: float, lon: float) -> uuid.UUID:
    """Tracker apps send no id of their own: derive one from what makes a fix, so that a
    re-sent fix is recognised as a duplicate."""
    return uuid.uuid5(_PROTOCOL_NS, f"{identifier}|{fix_time.isoformat()}|{lat!r}|{lon!r}")
