"""Market inspections (市场检查): the tenant's versioned checklists, inspections of outlets
scored and graded, and the corrective actions a failed critical item opens."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api import names
from api.deps import ActorDep, CursorQ, LimitQ, SessionDep, SettingsDep
from api.routers.visits import fix_from
from api.schemas.common import Page
from api.schemas.inspections import ActionOut, InspectionIn, InspectionOut, TemplateOut
from api.schemas.types import Time
from fieldforce import flows
from fieldforce.inspections import service as inspections
from fieldforce.inspections import templates
from fieldforce.inspections.models import Inspection, InspectionTemplate
from fieldforce.inspections.scoring import TemplateSpec

router = APIRouter(prefix="/api/v1", tags=["inspections"])


def _template(row: InspectionTemplate) -> TemplateOut:
    return TemplateOut(
        id=row.id,
        key=row.key,
        version=row.version,
        name=row.name,
        scoring=row.scoring,
        sections=row.sections,
        created_at=row.created_at,
    )


def _outs(
    session: SessionDep, rows: list[Inspection], *, duplicate: bool = False
) -> list[InspectionOut]:
    if not rows:
        return []
    tenant_id = rows[0].tenant_id
    customer = names.customer_names(session, tenant_id, (i.customer_id for i in rows))
    staff = names.staff_names(session, tenant_id, (i.staff_id for i in rows))
    template = {
        t.id: t for t in templates.by_ids(session, tenant_id, {i.template_id for i in rows})
    }
    actions = inspections.actions_of_many(session, rows)
    return [
        InspectionOut(
            id=row.id,
            template_id=row.template_id,
            template_version=template[row.template_id].version,
            template_name=template[row.template_id].name,
            customer_id=row.customer_id,
            customer_name=customer.get(row.customer_id, ""),
            staff_id=row.staff_id,
            staff_name=staff.get(row.staff_id, ""),
            check_in_at=row.in_at,
            finished_at=row.finished_at,
            duration_s=int((row.finished_at - row.in_at).total_seconds()),
            verification=row.verification,
            distance_m=row.distance_m,
            score=row.score,
            grade=row.grade,
            critical_failed=row.critical_failed,
            answers=row.answers,
            corrective_actions=[ActionOut.model_validate(a) for a in actions.get(row.id, [])],
            duplicate=duplicate,
        )
        for row in rows
    ]


def _out(session: SessionDep, row: Inspection, *, duplicate: bool = False) -> InspectionOut:
    return _outs(session, [row], duplicate=duplicate)[0]


@router.get("/inspection-templates", response_model=Page[TemplateOut])
def list_templates(actor: ActorDep, session: SessionDep) -> Page[TemplateOut]:
    """The newest version of each checklist (one page). Every tenant has the shared
    service-hall template, key `service-hall-standard`."""
    rows = templates.latest(session, actor)
    return Page[TemplateOut](items=[_template(r) for r in rows], next_cursor=None)


@router.get("/inspection-templates/{template_id}", response_model=TemplateOut)
def get_template(template_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> TemplateOut:
    """A version of a checklist (earlier ones too: inspections keep theirs)."""
    return _template(templates.get_template(session, actor, template_id))


@router.post("/inspection-templates", response_model=TemplateOut, status_code=201)
def create_template(body: TemplateSpec, actor: ActorDep, session: SessionDep) -> TemplateOut:
    """Administrators: a new checklist: sections of items, each with a weight, an answer
    type (`yes_no`, `score` with its `max`, `number`, `text`), `photo` (a photo required),
    `critical` (failing it caps the grade at the lowest and opens a corrective action) and
    `applicable_if` (the item may be answered `na`); the grades from the highest minimum
    down to 0."""
    return _template(templates.create(session, actor, body.model_dump(mode="json")))


@router.put("/inspection-templates/{template_id}", response_model=TemplateOut, status_code=201)
def revise_template(
    template_id: uuid.UUID, body: TemplateSpec, actor: ActorDep, session: SessionDep
) -> TemplateOut:
    """Administrators: a changed checklist, stored as the next version of its key (the key
    stays); inspections made with earlier versions keep theirs. Changing a version that
    is not the newest is `409 stale_version`."""
    return _template(templates.revise(session, actor, template_id, body.model_dump(mode="json")))


@router.post("/inspections", response_model=InspectionOut, status_code=201)
def submit(
    body: InspectionIn,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> InspectionOut:
    """One's own inspection of an outlet: every yes/no and score item answered (`422
    invalid_answers` lists what does not fit), photos on the items that ask for one, the
    check-in verified like a visit's (`unverified` with the distance, or refused by the
    tenant's `visit_policy`). Answers the score (weighted percentage of applicable items),
    the grade, and the corrective actions it opened (a failed critical item, unless one is
    open for it) or closed (a passed item that had one). The same `id` again answers `200`
    with the inspection already made."""
    done = flows.submit_inspection(
        session,
        actor,
        template_id=body.template_id,
        customer_id=body.customer_id,
        fix=fix_from(body.check_in),
        answers=[inspections.AnswerIn(a.item, a.answer, a.photo_id) for a in body.answers],
        finished_at=body.finished_at,
        inspection_id=body.id,
        push=settings.push_enabled,
    )
    if done.duplicate:
        response.status_code = 200
    return _out(session, done.inspection, duplicate=done.duplicate)


@router.get("/inspections", response_model=Page[InspectionOut])
def list_inspections(
    actor: ActorDep,
    session: SessionDep,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    customer_id: uuid.UUID | None = None,
    org_unit_id: Annotated[
        uuid.UUID | None, Query(description="outlets of this unit and below")
    ] = None,
    staff_id: uuid.UUID | None = None,
    grade: Annotated[str | None, Query(max_length=8)] = None,
    start: Annotated[Time | None, Query(alias="from")] = None,
    end: Annotated[Time | None, Query(alias="to")] = None,
) -> Page[InspectionOut]:
    """Inspections of the outlets in one's scope (and one's own), newest first."""
    f = inspections.InspectionFilters(customer_id, org_unit_id, staff_id, grade, start, end)
    page = inspections.list_inspections(session, actor, f, limit=limit, cursor=cursor)
    return Page[InspectionOut](items=_outs(session, page.items), next_cursor=page.next_cursor)


@router.get("/inspections/{inspection_id}", response_model=InspectionOut)
def get_inspection(inspection_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> InspectionOut:
    return _out(session, inspections.get_inspection(session, actor, inspection_id))


@router.get("/corrective-actions", response_model=Page[ActionOut])
def list_actions(
    actor: ActorDep,
    session: SessionDep,
    status: Literal["open", "closed"] | None = None,
    customer_id: uuid.UUID | None = None,
) -> Page[ActionOut]:
    """Corrective actions of the outlets in one's scope and one's own, newest first (one
    page of up to 500)."""
    rows = inspections.list_actions(session, actor, status=status, customer_id=customer_id)
    return Page[ActionOut](items=[ActionOut.model_validate(a) for a in rows], next_cursor=None)
