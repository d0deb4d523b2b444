from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

KNOT_MPS = 1852.0 / 3600.0
KMH_MPS = 1000.0 / 3600.0
_PROTOCOL_NS = uuid.UUID("6f1c2a52-7c55-4b0e-9a57-0b1f3e5d2c11")
_PLAIN = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$")


class ProtocolError(ValueError):
    """The request cannot be understood; answered 400 and nothing is stored."""


def parse_timestamp(value: str) -> datetime:
    """Epoch seconds (< 2^31), epoch milliseconds (larger), ISO-8601 (has a 'T'; no offset
    means UTC), or 'yyyy-MM-dd HH:mm:ss' in UTC."""
    text = value.strip()
    try:
        if re.fullmatch(r"\d+(\.\d+)?", text):
            number = float(text)
            seconds = number if number < 2**31 else number / 1000.0
            return datetime.fromtimestamp(seconds, UTC)
        if "T" in text or _PLAIN.match(text):
            parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise ProtocolError(f"unreadable timestamp '{value}'") from exc
    raise ProtocolError(f"unreadable timestamp '{value}'")


def parse_float(value: object, name: str) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"'{name}' is not a number: {value!r}") from exc


def optional_float(value: object, name: str, *, negative_is_unknown: bool = False) -> float | None:
    if value is None or value == "":
        return None
    number = parse_float(value, name)
    if negative_is_unknown and number < 0:
        return None
    return number


def parse_bool(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def ping_id(identifier: str, fix_time: datetime, lat: float, lon: float) -> uuid.UUID:
    """Tracker apps send no id of their own: derive one from what makes a fix, so that a
    re-sent fix is recognised as a duplicate."""
    return uuid.uuid5(_PROTOCOL_NS, f"{identifier}|{fix_time.isoformat()}|{lat!r}|{lon!r}")
