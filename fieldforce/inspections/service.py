"""Inspections: answers checked against the template's version, the visit to the outlet
verified like a visit's check-in, the time on site, score and grade, and the corrective
actions: a failed critical item opens one (unless one is open for it already); a later
inspection that passes the item closes it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from geoalchemy2 import WKTElement
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.customers import service as customers
from fieldforce.customers.models import Customer
from fieldforce.db import lock_for_transaction
from fieldforce.errors import Conflict, Invalid, NotFound
from fieldforce.inspections import templates
from fieldforce.inspections.models import ActionStatus, CorrectiveAction, Inspection
from fieldforce.inspections.scoring import AnswerError, Result, TemplateSpec, check_answer, score
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.models import Module, Tenant
from fieldforce.visits import service as visits

ACTION_DAYS = 7


@dataclass(frozen=True)
class AnswerIn:
    item: str
    answer: Any
    photo_id: uuid.UUID | None = None


@dataclass
class Submitted:
    inspection: Inspection
    opened: list[CorrectiveAction]
    closed: list[CorrectiveAction]
    duplicate: bool = False


def _scope(actor: Actor) -> ColumnElement[bool]:
    """Inspections of the outlets this actor sees, and their own."""
    return (Inspection.tenant_id == actor.tenant_id) & (
        Inspection.customer_id.in_(select(Customer.id).where(customers.customer_clause(actor)))
        | (Inspection.staff_id == actor.staff_id)
    )


def get_inspection(session: Session, actor: Actor, inspection_id: uuid.UUID) -> Inspection:
    actor.require_module(Module.INSPECTIONS.value)
    found = session.scalar(select(Inspection).where(Inspection.id == inspection_id, _scope(actor)))
    if found is None:
        raise NotFound("no such inspection", details={"inspection_id": str(inspection_id)})
    return found


def may_see_inspection(session: Session, actor: Actor, inspection_id: uuid.UUID) -> bool:
    return (
        session.scalar(select(Inspection.id).where(Inspection.id == inspection_id, _scope(actor)))
        is not None
    )


def _answers(spec: TemplateSpec, given: list[AnswerIn]) -> dict[str, AnswerIn]:
    items = spec.items()
    by_key: dict[str, AnswerIn] = {}
    problems: list[dict[str, str]] = []
    for a in given:
        item = items.get(a.item)
        if item is None:
            problems.append({"item": a.item, "message": "no such item in this template"})
        elif a.item in by_key:
            problems.append({"item": a.item, "message": "answered twice"})
        else:
            try:
                check_answer(item, a.answer)
                if item.photo and a.answer != "na" and a.photo_id is None:
                    raise AnswerError(item.key, f"{item.key} needs a photo")
            except AnswerError as exc:
                problems.append({"item": exc.item, "message": exc.message})
            by_key[a.item] = a
    missing = [k for k, i in items.items() if i.answer in ("yes_no", "score") and k not in by_key]
    problems += [{"item": k, "message": "not answered"} for k in missing]
    if problems:
        raise Invalid(
            "the answers do not fit the template", code="invalid_answers", details=problems
        )
    return by_key


def submit(
    session: Session,
    actor: Actor,
    *,
    template_id: uuid.UUID,
    customer_id: uuid.UUID,
    fix: visits.Fix,
    answers: list[AnswerIn],
    finished_at: datetime | None = None,
    inspection_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Submitted:
    """One's own inspection of an outlet in scope, scored against the template version
    named; the same `id` again answers the inspection already made."""
    actor.require_module(Module.INSPECTIONS.value)
    now = now or datetime.now(UTC)
    if inspection_id is not None:
        lock_for_transaction(session, f"inspection:{actor.tenant_id}:{inspection_id}")
        existing = session.get(Inspection, (actor.tenant_id, inspection_id))
        if existing is not None:
            if existing.staff_id != actor.staff_id:
                raise Conflict("this inspection id is taken", code="id_in_use")
            return Submitted(existing, [], [], duplicate=True)
    template = templates.get_template(session, actor, template_id)
    spec = templates.spec_of(template)
    customer = customers.get_customer(session, actor, customer_id)
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    settings = tenant.effective_settings
    visits.check_time(settings, fix, now)
    finished = finished_at or now
    if finished < fix.time or finished > now + timedelta(seconds=settings.future_tolerance_s):
        raise Invalid("finished after the check-in and not in the future", code="invalid_finish")
    by_key = _answers(spec, answers)
    judged = visits.judge(settings, customer, fix)
    visits.refuse_if_away(settings, judged, fix)
    result = score(spec, {k: a.answer for k, a in by_key.items()})
    inspection = Inspection(
        tenant_id=actor.tenant_id,
        id=inspection_id or uuid.uuid4(),
        template_id=template.id,
        customer_id=customer.id,
        staff_id=actor.staff_id,
        in_at=fix.time,
        finished_at=finished,
        received_at=now,
        geom=WKTElement(f"POINT({judged.lon} {judged.lat})", srid=4326),
        accuracy_m=fix.accuracy_m,
        distance_m=round(judged.distance_m, 1),
        verification=judged.verification.value,
        answers=[
            {"item": a.item, "answer": a.answer}
            | ({"photo_id": str(a.photo_id)} if a.photo_id else {})
            for a in by_key.values()
        ],
        score=result.score,
        grade=result.grade,
        critical_failed=bool(result.failed_critical),
    )
    session.add(inspection)
    session.flush()
    local = fix.time.astimezone(ZoneInfo(tenant.timezone)).date()
    opened, closed = _follow_actions(session, actor, customer, inspection, result, local, now)
    audit.record_by(
        session,
        actor,
        "inspection.submit",
        "inspection",
        inspection.id,
        {"customer_id": customer.id, "score": result.score, "grade": result.grade},
    )
    return Submitted(inspection, opened, closed)


def _follow_actions(
    session: Session,
    actor: Actor,
    customer: Customer,
    inspection: Inspection,
    result: Result,
    day: date,
    now: datetime,
) -> tuple[list[CorrectiveAction], list[CorrectiveAction]]:
    open_ones = {
        a.item_key: a
        for a in session.scalars(
            select(CorrectiveAction)
            .where(
                CorrectiveAction.tenant_id == customer.tenant_id,
                CorrectiveAction.customer_id == customer.id,
                CorrectiveAction.status == ActionStatus.OPEN.value,
            )
            .with_for_update()
        )
    }
    closed = []
    for key, action in open_ones.items():
        if key in result.passed:
            action.status, action.closed_at = ActionStatus.CLOSED.value, now
            action.closed_by_inspection_id = inspection.id
            closed.append(action)
    opened = []
    for item in result.failed_critical:
        if item.key in open_ones:
            continue  # failed again: the open action stays open
        action = CorrectiveAction(
            tenant_id=customer.tenant_id,
            id=uuid.uuid4(),
            inspection_id=inspection.id,
            customer_id=customer.id,
            item_key=item.key,
            title=f"{customer.name}: {item.en} / {item.zh}"[:300],
            assignee_id=customer.owner_id or actor.staff_id,
            due_on=day + timedelta(days=ACTION_DAYS),
            status=ActionStatus.OPEN.value,
        )
        session.add(action)
        opened.append(action)
    session.flush()
    return opened, closed


def actions_of(session: Session, inspection: Inspection) -> list[CorrectiveAction]:
    """The actions it opened, and those it closed."""
    return actions_of_many(session, [inspection]).get(inspection.id, [])


def actions_of_many(
    session: Session, rows: list[Inspection]
) -> dict[uuid.UUID, list[CorrectiveAction]]:
    """`actions_of` for a page of inspections in one query."""
    ids = {r.id for r in rows}
    out: dict[uuid.UUID, list[CorrectiveAction]] = {}
    if not ids:
        return out
    for action in session.scalars(
        select(CorrectiveAction)
        .where(
            CorrectiveAction.tenant_id == rows[0].tenant_id,
            CorrectiveAction.inspection_id.in_(ids)
            | CorrectiveAction.closed_by_inspection_id.in_(ids),
        )
        .order_by(CorrectiveAction.item_key)
    ):
        for owner in {action.inspection_id, action.closed_by_inspection_id} & ids:
            assert owner is not None
            out.setdefault(owner, []).append(action)
    return out


@dataclass(frozen=True)
class InspectionFilters:
    customer_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    staff_id: uuid.UUID | None = None
    grade: str | None = None
    start: datetime | None = None
    end: datetime | None = None


def list_inspections(
    session: Session, actor: Actor, f: InspectionFilters, *, limit: int, cursor: str | None
) -> Page[Inspection]:
    """Newest first: by outlet, area (the outlet's unit and below), inspector, grade, date."""
    actor.require_module(Module.INSPECTIONS.value)
    stmt = select(Inspection).where(_scope(actor))
    if f.customer_id is not None:
        stmt = stmt.where(
            Inspection.customer_id == customers.get_customer(session, actor, f.customer_id).id
        )
    if f.org_unit_id is not None:
        unit = actor.visible_unit(session, f.org_unit_id)
        below = select(OrgUnit.id).where(
            OrgUnit.tenant_id == unit.tenant_id, OrgUnit.path.op("<@")(unit.path)
        )
        stmt = stmt.where(
            Inspection.customer_id.in_(select(Customer.id).where(Customer.org_unit_id.in_(below)))
        )
    if f.staff_id is not None:
        stmt = stmt.where(Inspection.staff_id == actor.visible_staff(session, f.staff_id).id)
    if f.grade is not None:
        stmt = stmt.where(Inspection.grade == f.grade)
    if f.start is not None:
        stmt = stmt.where(Inspection.in_at >= f.start)
    if f.end is not None:
        stmt = stmt.where(Inspection.in_at < f.end)
    return paginate(
        session,
        stmt,
        [Inspection.in_at, Inspection.id],
        limit=limit,
        cursor=cursor,
        descending=True,
    )


def list_actions(
    session: Session, actor: Actor, *, status: str | None, customer_id: uuid.UUID | None
) -> list[CorrectiveAction]:
    """Corrective actions of the outlets in scope, and one's own (one page, newest first)."""
    actor.require_module(Module.INSPECTIONS.value)
    stmt = select(CorrectiveAction).where(
        CorrectiveAction.tenant_id == actor.tenant_id,
        CorrectiveAction.customer_id.in_(
            select(Customer.id).where(customers.customer_clause(actor))
        )
        | (CorrectiveAction.assignee_id == actor.staff_id),
    )
    if status is not None:
        stmt = stmt.where(CorrectiveAction.status == status)
    if customer_id is not None:
        stmt = stmt.where(CorrectiveAction.customer_id == customer_id)
    return list(session.scalars(stmt.order_by(CorrectiveAction.created_at.desc()).limit(500)))


def staff_names(
    session: Session, tenant_id: uuid.UUID, ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return dict(
        session.execute(
            select(Staff.id, Staff.name).where(Staff.tenant_id == tenant_id, Staff.id.in_(ids))
        ).all()
    )
