"""Importing customers from CSV or GeoJSON, all or nothing: every row is checked and made
in its own savepoint; when any fails, the error lists each failure with its row and
nothing is saved. Positions are converted from the file's coordinate system (WGS-84 by
default, GCJ-02 from AMap or Tencent, BD-09 from Baidu) to WGS-84."""

from __future__ import annotations

import csv
import io
import json
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.customers.models import Customer
from fieldforce.customers.service import CustomerDraft, create_customer
from fieldforce.errors import FieldforceError, Invalid
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from geo.crs import Crs

MAX_ROWS = 20_000
COLUMNS = {
    "name",
    "lon",
    "lat",
    "kind",
    "stage",
    "code",
    "address",
    "radius_m",
    "owner",
    "org_unit",
    "tags",
    "contact_name",
    "contact_phone",
    "lost_reason",
}


class RowError(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field_name, message


@dataclass
class Imported:
    ids: list[uuid.UUID] = field(default_factory=list)


def _number(row: dict[str, Any], key: str, *, required: bool = True) -> float | None:
    raw = row.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise RowError(key, f"{key} is missing")
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise RowError(key, f"{key} is not a number: {str(raw)[:40]}") from None
    if not math.isfinite(value):
        raise RowError(key, f"{key} is not a finite number")
    return value


def _text(row: dict[str, Any], key: str) -> str | None:
    raw = row.get(key)
    if raw is None:
        return None
    text = str(raw).strip()
    return text or None


class _Lookups:
    """Owners by login and units by code, within the importer's tenant, read once each."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session, self.actor = session, actor
        self.staff: dict[str, uuid.UUID | None] = {}
        self.units: dict[str, uuid.UUID | None] = {}

    def owner(self, login: str) -> uuid.UUID:
        if login not in self.staff:
            self.staff[login] = self.session.scalar(
                select(Staff.id).where(Staff.login == login, self.actor.staff_clause())
            )
        found = self.staff[login]
        if found is None:
            raise RowError("owner", f"no such person: {login}")
        return found

    def unit(self, code: str) -> uuid.UUID:
        if code not in self.units:
            self.units[code] = self.session.scalar(
                select(OrgUnit.id).where(OrgUnit.code == code, self.actor.unit_clause())
            )
        found = self.units[code]
        if found is None:
            raise RowError("org_unit", f"no such org unit code: {code}")
        return found


def _draft(row: dict[str, Any], crs: str, lookups: _Lookups) -> CustomerDraft:
    name = _text(row, "name")
    if name is None:
        raise RowError("name", "name is missing")
    lon, lat = _number(row, "lon"), _number(row, "lat")
    assert lon is not None
    assert lat is not None
    tags = row.get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in tags.split(";") if t.strip()]
    if not isinstance(tags, list):
        raise RowError("tags", "tags are a list, or words separated by ';'")
    contacts = row.get("contacts")
    if contacts is None:
        contact = {"name": _text(row, "contact_name"), "phone": _text(row, "contact_phone")}
        contacts = [contact] if any(contact.values()) else []
    if not isinstance(contacts, list):
        raise RowError("contacts", "contacts are a list")
    owner, unit = _text(row, "owner"), _text(row, "org_unit")
    radius = _number(row, "radius_m", required=False)
    return CustomerDraft(
        name=name,
        lon=lon,
        lat=lat,
        crs=crs,
        kind=_text(row, "kind") or "partner_outlet",
        stage=_text(row, "stage") or "prospect",
        code=_text(row, "code"),
        address=_text(row, "address"),
        visit_radius_m=radius,
        org_unit_id=None if unit is None else lookups.unit(unit),
        owner_id=None if owner is None else lookups.owner(owner),
        contacts=contacts,
        tags=[str(t) for t in tags],
        lost_reason=_text(row, "lost_reason"),
    )


def rows_of_csv(data: bytes) -> list[dict[str, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the CSV is not UTF-8", code="invalid_file") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = sorted(set(header) - COLUMNS)
    if unknown or not {"name", "lon", "lat"} <= set(header):
        raise Invalid(
            "the CSV's header names name, lon, lat and any of: "
            + ", ".join(sorted(COLUMNS - {"name", "lon", "lat"})),
            code="invalid_header",
            details={"unknown": unknown},
        )
    reader.fieldnames = header
    return [dict(r) for r in reader]


def rows_of_geojson(data: bytes) -> list[dict[str, Any]]:
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Invalid("the file is not JSON", code="invalid_file") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise Invalid("a GeoJSON FeatureCollection of Points", code="invalid_file")
    rows = []
    for feature in doc.get("features") or []:
        props = feature.get("properties") if isinstance(feature, dict) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        row: dict[str, Any] = dict(props) if isinstance(props, dict) else {}
        if isinstance(geometry, dict) and geometry.get("type") == "Point":
            coords = geometry.get("coordinates") or []
            row["lon"], row["lat"] = ([*coords, None, None])[:2]
        else:
            row["lon"] = row["lat"] = None
        rows.append(row)
    return rows


def import_customers(
    session: Session, actor: Actor, rows: list[dict[str, Any]], crs: str
) -> Imported:
    """Every row made, or none: the error names each failing row (1 = the first after a
    CSV's header, or the first feature), its field and why."""
    if crs not in {c.value for c in Crs}:
        raise Invalid("crs is wgs84, gcj02 or bd09", code="invalid_crs")
    if not rows:
        raise Invalid("the file holds no customers", code="empty_file")
    if len(rows) > MAX_ROWS:
        raise Invalid(f"at most {MAX_ROWS} customers at once", code="too_many_rows")
    lookups, result = _Lookups(session, actor), Imported()
    failures: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        try:
            with session.begin_nested():
                made: Customer = create_customer(session, actor, _draft(row, crs, lookups))
                result.ids.append(made.id)
        except RowError as exc:
            failures.append({"row": number, "field": exc.field, "message": exc.message})
        except FieldforceError as exc:
            failures.append({"row": number, "code": exc.code, "message": exc.message})
    if failures:
        raise Invalid(
            f"{len(failures)} of {len(rows)} customers could not be imported; nothing was saved",
            code="import_failed",
            details=failures[:500],
        )
    return result
