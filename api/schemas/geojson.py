"""Pieces of the GeoJSON answers: times written the way each answer has always written them,
documented as date-times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

DATE_TIME = WithJsonSchema({"type": "string", "format": "date-time"})


def utc_micros(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _as_given(value: datetime) -> str:
    return value.isoformat()


UtcMicros = Annotated[datetime, PlainSerializer(utc_micros, return_type=str), DATE_TIME]
"""In UTC with microseconds and `Z`: `2026-05-04T08:30:00.000000Z`."""

UtcTime = Annotated[datetime, PlainSerializer(_utc_iso, return_type=str), DATE_TIME]
"""In UTC with `Z`, microseconds only when there are some."""

GivenTime = Annotated[datetime, PlainSerializer(_as_given, return_type=str), DATE_TIME]
"""With the offset it was given in (or stored with)."""
