"""Customers: who sees and changes which, making them (refusing a duplicate: the same name
within 200 m), changing them, moving them along their stages, and finding them by name,
stage, owner, box or distance.

Scope: administrators see the tenant's; supervisors and managers those of their subtree
and those they own; a rep those they own and those of their own unit. Changing one takes
its owner or someone who directs its unit.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from geoalchemy2 import Geography, WKTElement
from geoalchemy2.shape import to_shape
from sqlalchemy import ColumnElement, cast, func, select
from sqlalchemy.orm import Session, aliased

from fieldforce.audit import service as audit
from fieldforce.changes import UNSET, Changes, Unset
from fieldforce.customers.models import NEXT_STAGES, Customer, CustomerKind, Stage, StageChange
from fieldforce.errors import Conflict, Forbidden, Invalid, NotFound
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.models import Module, Tenant
from geo.crs import Crs, to_wgs84

DUPLICATE_WITHIN_M = 200.0
NEAREST_MAX = 200
CONTACTS_MAX = 20
TAGS_MAX = 20


def name_key(name: str) -> str:
    """A name folded for finding duplicates: width, case and spaces do not count."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(folded.split())


def customer_clause(actor: Actor) -> ColumnElement[bool]:
    same_tenant = Customer.tenant_id == actor.tenant_id
    if actor.is_admin:
        return same_tenant
    if actor.oversees_subtree:
        return same_tenant & (
            Customer.org_unit_id.in_(actor.subtree_unit_ids())
            | (Customer.owner_id == actor.staff_id)
        )
    return same_tenant & (
        (Customer.owner_id == actor.staff_id) | (Customer.org_unit_id == actor.org_unit_id)
    )


def get_customer(
    session: Session, actor: Actor, customer_id: uuid.UUID, *, lock: bool = False
) -> Customer:
    actor.require_module(Module.VISITS.value)
    stmt = select(Customer).where(Customer.id == customer_id, customer_clause(actor))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("no such customer", details={"customer_id": str(customer_id)})
    return found


def may_change(session: Session, actor: Actor, customer: Customer) -> bool:
    if customer.owner_id == actor.staff_id or actor.is_admin:
        return True
    if not actor.directs:
        return False
    return (
        session.scalar(
            select(OrgUnit.id).where(
                OrgUnit.tenant_id == actor.tenant_id,
                OrgUnit.id == customer.org_unit_id,
                OrgUnit.path.op("<@")(actor.unit_path),
            )
        )
        is not None
    )


def changeable_customer(session: Session, actor: Actor, customer_id: uuid.UUID) -> Customer:
    customer = get_customer(session, actor, customer_id, lock=True)
    if not may_change(session, actor, customer):
        raise Forbidden("only the customer's owner or those who direct its unit change it")
    return customer


# making and changing ----------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerDraft:
    name: str
    lon: float
    lat: float
    crs: str = Crs.WGS84.value
    kind: str = CustomerKind.PARTNER_OUTLET.value
    stage: str = Stage.PROSPECT.value
    code: str | None = None
    address: str | None = None
    visit_radius_m: float | None = None  # None: the tenant's visit_radius_m
    org_unit_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    contacts: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    lost_reason: str | None = None


def check_position(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """The position in WGS-84, refused when it is no position on Earth."""
    try:
        given = Crs(crs)
    except ValueError:
        raise Invalid("crs is wgs84, gcj02 or bd09", code="invalid_crs") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise Invalid("coordinates out of range", code="invalid_location")
    return to_wgs84(lon, lat, given)


def _check_fields(kind: str, stage: str, radius: float, lost_reason: str | None) -> None:
    if kind not in {k.value for k in CustomerKind}:
        raise Invalid(
            f"kind is one of {', '.join(k.value for k in CustomerKind)}", code="invalid_kind"
        )
    if stage not in {s.value for s in Stage}:
        raise Invalid(f"stage is one of {', '.join(s.value for s in Stage)}", code="invalid_stage")
    if not 0 < radius <= 10_000:
        raise Invalid("the visit radius is over 0 and at most 10,000 m", code="invalid_radius")
    if stage == Stage.LOST and not (lost_reason or "").strip():
        raise Invalid("a lost customer needs a reason", code="reason_required")


def _check_lists(contacts: list[dict[str, Any]], tags: list[str]) -> list[str]:
    if len(contacts) > CONTACTS_MAX:
        raise Invalid(f"at most {CONTACTS_MAX} contacts", code="invalid_contacts")
    clean = sorted({t.strip() for t in tags if t.strip()})
    if len(clean) > TAGS_MAX or any(len(t) > 40 for t in clean):
        raise Invalid(f"at most {TAGS_MAX} tags of 40 characters", code="invalid_tags")
    return clean


def _place(
    session: Session, actor: Actor, org_unit_id: uuid.UUID | None, owner_id: uuid.UUID | None
) -> tuple[uuid.UUID, uuid.UUID | None]:
    """The unit and owner a new or moved customer gets: a rep places in their own unit and
    owns what they make; those who direct place in their subtree and give it to someone
    they see, or to nobody yet."""
    unit_id = org_unit_id or actor.org_unit_id
    if actor.directs:
        unit_id = actor.visible_unit(session, unit_id).id
    elif unit_id != actor.org_unit_id:
        raise Forbidden("a rep places customers in their own unit")
    if owner_id is None and not actor.directs:
        owner_id = actor.staff_id
    if owner_id is not None and owner_id != actor.staff_id:
        if not actor.directs:
            raise Forbidden("a rep gives customers to nobody but themselves")
        owner = actor.visible_staff(session, owner_id)
        owner_id = owner.id
    return unit_id, owner_id


def find_duplicate(
    session: Session,
    tenant_id: uuid.UUID,
    name: str,
    lon: float,
    lat: float,
    *,
    other_than: uuid.UUID | None = None,
) -> Customer | None:
    """A customer of the same name within 200 m, if there is one."""
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    stmt = select(Customer).where(
        Customer.tenant_id == tenant_id,
        Customer.name_key == name_key(name),
        func.ST_DWithin(cast(Customer.geom, Geography), cast(point, Geography), DUPLICATE_WITHIN_M),
    )
    if other_than is not None:
        stmt = stmt.where(Customer.id != other_than)
    return session.scalar(stmt.limit(1))


def _refuse_duplicate(
    session: Session, tenant_id: uuid.UUID, name: str, lon: float, lat: float
) -> None:
    twin = find_duplicate(session, tenant_id, name, lon, lat)
    if twin is not None:
        raise Conflict(
            f"'{twin.name}' is already within {DUPLICATE_WITHIN_M:.0f} m",
            code="duplicate_customer",
            details={"customer_id": str(twin.id)},
        )


def _check_code_free(
    session: Session, tenant_id: uuid.UUID, code: str | None, own: uuid.UUID | None
) -> None:
    if code is None:
        return
    taken = session.scalar(
        select(Customer.id).where(Customer.tenant_id == tenant_id, Customer.code == code)
    )
    if taken is not None and taken != own:
        raise Conflict("this customer code is taken", code="code_taken", details={"code": code})


def create_customer(
    session: Session,
    actor: Actor,
    draft: CustomerDraft,
    *,
    allow_duplicate: bool = False,
    visit_id: uuid.UUID | None = None,
) -> Customer:
    actor.require_module(Module.VISITS.value)
    name = draft.name.strip()
    if not name:
        raise Invalid("a customer needs a name", code="invalid_name")
    lon, lat = check_position(draft.lon, draft.lat, draft.crs)
    radius = draft.visit_radius_m
    if radius is None:
        tenant = session.get(Tenant, actor.tenant_id)
        assert tenant is not None
        radius = tenant.effective_settings.visit_radius_m
    _check_fields(draft.kind, draft.stage, radius, draft.lost_reason)
    tags = _check_lists(draft.contacts, draft.tags)
    unit_id, owner_id = _place(session, actor, draft.org_unit_id, draft.owner_id)
    _check_code_free(session, actor.tenant_id, draft.code, None)
    if not allow_duplicate:
        _refuse_duplicate(session, actor.tenant_id, name, lon, lat)
    customer = Customer(
        tenant_id=actor.tenant_id,
        id=uuid.uuid4(),
        name=name,
        name_key=name_key(name),
        code=draft.code,
        kind=draft.kind,
        stage=draft.stage,
        lost_reason=(draft.lost_reason or "").strip() or None,
        address=(draft.address or "").strip() or None,
        geom=WKTElement(f"POINT({lon} {lat})", srid=4326),
        visit_radius_m=radius,
        org_unit_id=unit_id,
        owner_id=owner_id,
        contacts=draft.contacts,
        tags=tags,
        created_by=actor.staff_id,
    )
    session.add(customer)
    session.flush()
    _record_stage(session, actor, customer, None, draft.stage, draft.lost_reason, visit_id)
    audit.record_by(
        session,
        actor,
        "customer.create",
        "customer",
        customer.id,
        {"name": name, "stage": draft.stage, "org_unit_id": unit_id, "crs": draft.crs},
    )
    return customer


@dataclass(frozen=True)
class CustomerChanges(Changes):
    name: str | Unset = UNSET
    code: str | Unset | None = UNSET
    kind: str | Unset = UNSET
    address: str | Unset | None = UNSET
    position: tuple[float, float, str] | Unset = UNSET  # lon, lat, crs
    visit_radius_m: float | Unset = UNSET
    org_unit_id: uuid.UUID | Unset = UNSET
    owner_id: uuid.UUID | Unset | None = UNSET
    contacts: list[dict[str, Any]] | Unset = UNSET
    tags: list[str] | Unset = UNSET


def update_customer(
    session: Session, actor: Actor, customer_id: uuid.UUID, changes: CustomerChanges
) -> Customer:
    customer = changeable_customer(session, actor, customer_id)
    logged: dict[str, Any] = {}
    if not isinstance(changes.name, Unset):
        name = changes.name.strip()
        if not name:
            raise Invalid("a customer needs a name", code="invalid_name")
        customer.name, customer.name_key, logged["name"] = name, name_key(name), name
    if not isinstance(changes.position, Unset):
        lon, lat = check_position(*changes.position)
        customer.geom = WKTElement(f"POINT({lon} {lat})", srid=4326)
        logged["position"] = [lon, lat]
    if not isinstance(changes.code, Unset):
        _check_code_free(session, actor.tenant_id, changes.code, customer.id)
        customer.code = logged["code"] = changes.code
    if not (isinstance(changes.org_unit_id, Unset) and isinstance(changes.owner_id, Unset)):
        unit = (
            customer.org_unit_id if isinstance(changes.org_unit_id, Unset) else changes.org_unit_id
        )
        owner = customer.owner_id if isinstance(changes.owner_id, Unset) else changes.owner_id
        customer.org_unit_id, customer.owner_id = _place(session, actor, unit, owner)
        logged |= {"org_unit_id": customer.org_unit_id, "owner_id": customer.owner_id}
    kind = customer.kind if isinstance(changes.kind, Unset) else changes.kind
    radius = (
        customer.visit_radius_m
        if isinstance(changes.visit_radius_m, Unset)
        else changes.visit_radius_m
    )
    _check_fields(kind, customer.stage, radius, customer.lost_reason)
    customer.kind, customer.visit_radius_m = kind, radius
    contacts = customer.contacts if isinstance(changes.contacts, Unset) else changes.contacts
    tags = customer.tags if isinstance(changes.tags, Unset) else changes.tags
    customer.tags, customer.contacts = _check_lists(contacts, tags), contacts
    if not isinstance(changes.address, Unset):
        customer.address = (changes.address or "").strip() or None
    logged |= {k: v for k, v in changes.sent().items() if k not in logged and k != "position"}
    session.flush()
    audit.record_by(session, actor, "customer.update", "customer", customer.id, logged)
    return customer


def _record_stage(
    session: Session,
    actor: Actor,
    customer: Customer,
    before: str | None,
    after: str,
    reason: str | None,
    visit_id: uuid.UUID | None,
) -> None:
    session.add(
        StageChange(
            tenant_id=customer.tenant_id,
            id=uuid.uuid4(),
            customer_id=customer.id,
            from_stage=before,
            to_stage=after,
            reason=(reason or "").strip() or None,
            changed_by=actor.staff_id,
            visit_id=visit_id,
            changed_at=func.clock_timestamp(),  # several changes in one transaction keep order
        )
    )


def change_stage(
    session: Session,
    actor: Actor,
    customer_id: uuid.UUID,
    stage: str,
    reason: str | None = None,
    *,
    visit_id: uuid.UUID | None = None,
) -> Customer:
    """prospect → intended → partner, any of them → lost (with a reason), lost → prospect;
    kept with who, when and why."""
    customer = changeable_customer(session, actor, customer_id)
    if stage not in {s.value for s in Stage}:
        raise Invalid(f"stage is one of {', '.join(s.value for s in Stage)}", code="invalid_stage")
    if stage == customer.stage:
        return customer
    if stage not in NEXT_STAGES[customer.stage]:
        raise Conflict(
            f"a {customer.stage} customer does not become {stage}",
            code="invalid_transition",
            details={"from": customer.stage, "to": stage},
        )
    if stage == Stage.LOST and not (reason or "").strip():
        raise Invalid("a lost customer needs a reason", code="reason_required")
    before = customer.stage
    customer.stage = stage
    customer.lost_reason = (reason or "").strip() or None if stage == Stage.LOST else None
    _record_stage(session, actor, customer, before, stage, reason, visit_id)
    session.flush()
    audit.record_by(
        session,
        actor,
        "customer.stage",
        "customer",
        customer.id,
        {"from": before, "to": stage, "reason": reason, "visit_id": visit_id},
    )
    return customer


def stage_history(session: Session, actor: Actor, customer_id: uuid.UUID) -> list[StageChange]:
    customer = get_customer(session, actor, customer_id)
    return list(
        session.scalars(
            select(StageChange)
            .where(
                StageChange.tenant_id == customer.tenant_id,
                StageChange.customer_id == customer.id,
            )
            .order_by(StageChange.changed_at, StageChange.id)
        )
    )


# finding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    stage: str | None = None
    kind: str | None = None
    owner_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    tag: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # WGS-84 west, south, east, north


def _filtered(session: Session, actor: Actor, f: Filters) -> Any:
    actor.require_module(Module.VISITS.value)
    stmt = select(Customer).where(customer_clause(actor))
    if f.q:
        like = f"%{f.q.strip()}%"
        stmt = stmt.where(
            Customer.name.ilike(like) | Customer.code.ilike(like) | Customer.address.ilike(like)
        )
    if f.stage:
        stmt = stmt.where(Customer.stage == f.stage)
    if f.kind:
        stmt = stmt.where(Customer.kind == f.kind)
    if f.owner_id:
        stmt = stmt.where(Customer.owner_id == f.owner_id)
    if f.org_unit_id:
        unit = actor.visible_unit(session, f.org_unit_id)
        below = select(OrgUnit.id).where(
            OrgUnit.tenant_id == unit.tenant_id, OrgUnit.path.op("<@")(unit.path)
        )
        stmt = stmt.where(Customer.org_unit_id.in_(below))
    if f.tag:
        stmt = stmt.where(Customer.tags.contains([f.tag]))
    if f.bbox:
        west, south, east, north = f.bbox
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise Invalid(
                "bbox is west,south,east,north with west < east, south < north", code="invalid_bbox"
            )
        stmt = stmt.where(
            Customer.geom.op("&&")(func.ST_MakeEnvelope(west, south, east, north, 4326))
        )
    return stmt


def list_customers(
    session: Session, actor: Actor, f: Filters, *, limit: int, cursor: str | None
) -> Page[Customer]:
    return paginate(
        session,
        _filtered(session, actor, f),
        [Customer.name, Customer.id],
        limit=limit,
        cursor=cursor,
    )


@dataclass(frozen=True)
class Near:
    customer: Customer
    distance_m: float


def nearest(
    session: Session,
    actor: Actor,
    lon: float,
    lat: float,
    f: Filters,
    *,
    limit: int,
    within_m: float | None = None,
) -> list[Near]:
    """The customers in scope nearest a WGS-84 point, with their distance in metres: the
    index finds candidates by planar distance, the geodesic distance orders them."""
    if not 1 <= limit <= NEAREST_MAX:
        raise Invalid(f"limit must be between 1 and {NEAREST_MAX}", code="invalid_limit")
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    candidates = (
        _filtered(session, actor, f)
        .order_by(Customer.geom.op("<->")(point))
        .limit(limit * 4 + 20)
        .subquery()
    )
    found = aliased(Customer, candidates)
    distance = func.ST_Distance(cast(found.geom, Geography), cast(point, Geography))
    stmt = select(found, distance.label("metres")).order_by(distance).limit(limit)
    if within_m is not None:
        stmt = stmt.where(distance <= within_m)
    return [Near(c, float(metres)) for c, metres in session.execute(stmt).all()]


def position_of(customer: Customer) -> tuple[float, float]:
    point = to_shape(customer.geom)
    return float(point.x), float(point.y)


def owner_names(session: Session, customers: list[Customer]) -> dict[uuid.UUID, str]:
    ids = {c.owner_id for c in customers if c.owner_id}
    if not ids:
        return {}
    return dict(
        session.execute(
            select(Staff.id, Staff.name).where(
                Staff.tenant_id == customers[0].tenant_id, Staff.id.in_(ids)
            )
        ).all()
    )


def customers_at(
    session: Session, actor: Actor, points: Sequence[tuple[float, float]]
) -> list[Customer | None]:
    """For each point (a stop on a track), the nearest customer in scope whose visit radius,
    with the tenant's accuracy allowance, reaches it; None where none does."""
    if not points or Module.VISITS.value not in actor.modules:
        return [None] * len(points)
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    allowance = tenant.effective_settings.visit_accuracy_cap_m
    out: list[Customer | None] = []
    for lon, lat in points:
        near = nearest(session, actor, lon, lat, Filters(), limit=3, within_m=10_000 + allowance)
        hit = next((n for n in near if n.distance_m <= n.customer.visit_radius_m + allowance), None)
        out.append(hit.customer if hit else None)
    return out
