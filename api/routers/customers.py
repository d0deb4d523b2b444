"""Customers and outlets (客户与网点): made, changed, moved along their stages, found by
filters, box or distance, and imported from CSV or GeoJSON, in any of China's map
coordinate systems (stored in WGS-84)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from api.deps import ActorDep, CursorQ, LimitQ, SessionDep
from api.schemas.common import Page
from api.schemas.customers import (
    Contact,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    ImportedOut,
    ImportFormat,
    StageChangeOut,
    StageIn,
)
from fieldforce.changes import UNSET, unless_none
from fieldforce.customers import exchange, service
from fieldforce.customers.models import Customer, CustomerKind, Stage
from fieldforce.customers.service import CustomerChanges, CustomerDraft, Filters
from fieldforce.errors import Invalid
from geo.crs import Crs, to_wgs84

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def _out(
    customer: Customer, owners: dict[uuid.UUID, str], distance: float | None = None
) -> CustomerOut:
    lon, lat = service.position_of(customer)
    return CustomerOut(
        id=customer.id,
        name=customer.name,
        code=customer.code,
        kind=customer.kind,
        stage=customer.stage,
        lost_reason=customer.lost_reason,
        address=customer.address,
        lon=lon,
        lat=lat,
        radius_m=customer.visit_radius_m,
        org_unit_id=customer.org_unit_id,
        owner_id=customer.owner_id,
        owner_name=owners.get(customer.owner_id) if customer.owner_id else None,
        contacts=[Contact.model_validate(c) for c in customer.contacts],
        tags=list(customer.tags),
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        distance_m=distance,
    )


def _one(session: SessionDep, customer: Customer) -> CustomerOut:
    session.refresh(customer)
    return _out(customer, service.owner_names(session, [customer]))


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        west, south, east, north = (float(x) for x in text.split(","))
    except ValueError:
        raise Invalid("bbox is west,south,east,north", code="invalid_bbox") from None
    return west, south, east, north


BboxQ = Annotated[str | None, Query(description="west,south,east,north in WGS-84")]


@router.post("", status_code=201, response_model=CustomerOut)
def create(
    body: CustomerIn,
    actor: ActorDep,
    session: SessionDep,
    allow_duplicate: Annotated[
        bool, Query(description="make it even with the same name within 200 m")
    ] = False,
) -> CustomerOut:
    """A customer or outlet. Reps make them in their own unit (owned by themselves or
    nobody); those who direct, anywhere in their subtree for anyone they see. The same
    name within 200 m is refused (`409 duplicate_customer`, naming the one there) unless
    `allow_duplicate`."""
    draft = CustomerDraft(
        **body.model_dump(exclude={"crs", "contacts", "kind", "stage", "radius_m"}),
        visit_radius_m=body.radius_m,
        crs=body.crs.value,
        kind=body.kind.value,
        stage=body.stage.value,
        contacts=[c.model_dump(exclude_none=True) for c in body.contacts],
    )
    return _one(
        session, service.create_customer(session, actor, draft, allow_duplicate=allow_duplicate)
    )


@router.get("", response_model=Page[CustomerOut])
def list_customers(
    actor: ActorDep,
    session: SessionDep,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    q: Annotated[
        str | None, Query(max_length=100, description="in the name, code or address")
    ] = None,
    stage: Stage | None = None,
    kind: CustomerKind | None = None,
    owner_id: uuid.UUID | None = None,
    org_unit_id: Annotated[uuid.UUID | None, Query(description="this unit and below")] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    bbox: BboxQ = None,
) -> Page[CustomerOut]:
    """The customers in one's scope, by name."""
    f = Filters(
        q, stage and stage.value, kind and kind.value, owner_id, org_unit_id, tag, _bbox(bbox)
    )
    page = service.list_customers(session, actor, f, limit=limit, cursor=cursor)
    owners = service.owner_names(session, page.items)
    return Page[CustomerOut](
        items=[_out(c, owners) for c in page.items], next_cursor=page.next_cursor
    )


@router.get("/nearest", response_model=Page[CustomerOut])
def nearest(
    actor: ActorDep,
    session: SessionDep,
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    crs: Crs = Crs.WGS84,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    within_m: Annotated[float | None, Query(gt=0, le=100_000, allow_inf_nan=False)] = None,
    stage: Stage | None = None,
    kind: CustomerKind | None = None,
    owner_id: uuid.UUID | None = None,
) -> Page[CustomerOut]:
    """The customers in one's scope nearest a point (given in `crs`), nearest first, each
    with its distance in metres (one page)."""
    x, y = to_wgs84(lon, lat, crs)
    f = Filters(stage=stage and stage.value, kind=kind and kind.value, owner_id=owner_id)
    found = service.nearest(session, actor, x, y, f, limit=limit, within_m=within_m)
    owners = service.owner_names(session, [n.customer for n in found])
    return Page[CustomerOut](
        items=[_out(n.customer, owners, round(n.distance_m, 1)) for n in found], next_cursor=None
    )


@router.post("/import", response_model=ImportedOut, status_code=201)
def import_customers(
    file: Annotated[UploadFile, File(description="CSV or GeoJSON (multipart field `file`)")],
    actor: ActorDep,
    session: SessionDep,
    format: Annotated[ImportFormat, Query(description="csv or geojson")] = "csv",
    crs: Annotated[Crs, Query(description="the file's coordinate system")] = Crs.WGS84,
) -> ImportedOut:
    """All or nothing. CSV: a header naming `name`, `lon`, `lat` and any of `kind`,
    `stage`, `code`, `address`, `radius_m`, `owner` (a login), `org_unit` (a unit's
    code), `tags` (separated by `;`), `contact_name`, `contact_phone`, `lost_reason`.
    GeoJSON: a FeatureCollection of Points with those properties (`contacts` and `tags` as
    lists). A failure answers `422 import_failed` listing each failing row (1 = the first
    customer), its field or code and why; nothing is saved then."""
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise Invalid("the file is over 10 MB", code="file_too_large")
    rows = exchange.rows_of_csv(data) if format == "csv" else exchange.rows_of_geojson(data)
    done = exchange.import_customers(session, actor, rows, crs.value)
    return ImportedOut(imported=len(done.ids), ids=done.ids)


@router.get("/{customer_id}", response_model=CustomerOut)
def get_customer(customer_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> CustomerOut:
    return _one(session, service.get_customer(session, actor, customer_id))


@router.patch("/{customer_id}", response_model=CustomerOut)
def update_customer(
    customer_id: uuid.UUID, body: CustomerPatch, actor: ActorDep, session: SessionDep
) -> CustomerOut:
    """Its owner or those who direct its unit change it; a new position is `lon` and
    `lat` together (in `crs`)."""
    moved = {"lon", "lat"} & body.model_fields_set
    if moved and moved != {"lon", "lat"}:
        raise Invalid("a new position is lon and lat together", code="invalid_location")
    changes = CustomerChanges(
        name=unless_none(body.name),
        code=body.sent("code", body.code),
        kind=UNSET if body.kind is None else body.kind.value,
        address=body.sent("address", body.address),
        position=UNSET if not moved else (body.lon, body.lat, body.crs.value),  # type: ignore[arg-type]
        visit_radius_m=unless_none(body.radius_m),
        org_unit_id=unless_none(body.org_unit_id),
        owner_id=body.sent("owner_id", body.owner_id),
        contacts=UNSET
        if body.contacts is None
        else [c.model_dump(exclude_none=True) for c in body.contacts],
        tags=unless_none(body.tags),
    )
    return _one(session, service.update_customer(session, actor, customer_id, changes))


@router.post("/{customer_id}/stage", response_model=CustomerOut)
def change_stage(
    customer_id: uuid.UUID, body: StageIn, actor: ActorDep, session: SessionDep
) -> CustomerOut:
    """prospect → intended → partner; any of them → lost (a reason required); lost →
    prospect. Another move is `409 invalid_transition`. Kept with who, when and why."""
    customer = service.change_stage(session, actor, customer_id, body.stage.value, body.reason)
    return _one(session, customer)


@router.get("/{customer_id}/stages", response_model=Page[StageChangeOut])
def stage_history(
    customer_id: uuid.UUID, actor: ActorDep, session: SessionDep
) -> Page[StageChangeOut]:
    """Every stage the customer has had, oldest first (one page)."""
    rows = service.stage_history(session, actor, customer_id)
    return Page[StageChangeOut](
        items=[StageChangeOut.model_validate(r) for r in rows], next_cursor=None
    )
