"""The tenant's checklists: versioned (a change is a new version, inspections keep theirs),
the shared service-hall template installed for every tenant at its start, or at its first
use for tenants made before inspections existed."""

from __future__ import annotations

import json
import uuid
from functools import cache
from importlib import resources
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.db import lock_for_transaction
from fieldforce.errors import Conflict, Invalid, NotFound
from fieldforce.inspections.models import InspectionTemplate
from fieldforce.inspections.scoring import TemplateSpec
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Module

DEFAULT_KEY = "service-hall-standard"


@cache
def default_spec() -> dict[str, Any]:
    text = resources.files("fieldforce").joinpath("data/inspection-template-service-hall.json")
    spec: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return spec


def spec_of(template: InspectionTemplate) -> TemplateSpec:
    return TemplateSpec.model_validate(
        {
            "key": template.key,
            "name": template.name,
            "scoring": template.scoring,
            "sections": template.sections,
        }
    )


def check_spec(raw: dict[str, Any]) -> TemplateSpec:
    try:
        return TemplateSpec.model_validate(raw)
    except ValidationError as exc:
        problems = [
            {"at": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        raise Invalid(
            "the template is not valid", code="invalid_template", details=problems[:50]
        ) from None


def _store(
    session: Session, tenant_id: uuid.UUID, spec: TemplateSpec, version: int, by: uuid.UUID | None
) -> InspectionTemplate:
    dumped = spec.model_dump(mode="json", exclude_none=True)
    row = InspectionTemplate(
        tenant_id=tenant_id,
        id=uuid.uuid4(),
        key=spec.key,
        version=version,
        name=dumped["name"],
        scoring=dumped["scoring"],
        sections=dumped["sections"],
        created_by=by,
    )
    session.add(row)
    session.flush()
    return row


def install_default(session: Session, tenant_id: uuid.UUID) -> None:
    """The shared service-hall template, once per tenant."""
    lock_for_transaction(session, f"inspection-templates:{tenant_id}")
    had = session.scalar(
        select(InspectionTemplate.id)
        .where(InspectionTemplate.tenant_id == tenant_id, InspectionTemplate.key == DEFAULT_KEY)
        .limit(1)
    )
    if had is None:
        _store(session, tenant_id, TemplateSpec.model_validate(default_spec()), 1, None)


def latest(session: Session, actor: Actor) -> list[InspectionTemplate]:
    """The newest version of each of the tenant's templates."""
    actor.require_module(Module.INSPECTIONS.value)
    install_default(session, actor.tenant_id)
    newest = (
        select(InspectionTemplate.key, func.max(InspectionTemplate.version).label("version"))
        .where(InspectionTemplate.tenant_id == actor.tenant_id)
        .group_by(InspectionTemplate.key)
        .subquery()
    )
    return list(
        session.scalars(
            select(InspectionTemplate)
            .join(
                newest,
                (newest.c.key == InspectionTemplate.key)
                & (newest.c.version == InspectionTemplate.version),
            )
            .where(InspectionTemplate.tenant_id == actor.tenant_id)
            .order_by(InspectionTemplate.key)
        )
    )


def by_ids(session: Session, tenant_id: uuid.UUID, ids: set[uuid.UUID]) -> list[InspectionTemplate]:
    """The versions these inspections were made with (any version, stopped ones too)."""
    return list(
        session.scalars(
            select(InspectionTemplate).where(
                InspectionTemplate.tenant_id == tenant_id, InspectionTemplate.id.in_(ids)
            )
        )
    )


def get_template(session: Session, actor: Actor, template_id: uuid.UUID) -> InspectionTemplate:
    actor.require_module(Module.INSPECTIONS.value)
    found = session.scalar(
        select(InspectionTemplate).where(
            InspectionTemplate.tenant_id == actor.tenant_id, InspectionTemplate.id == template_id
        )
    )
    if found is None:
        raise NotFound("no such inspection template", details={"template_id": str(template_id)})
    return found


def create(session: Session, actor: Actor, raw: dict[str, Any]) -> InspectionTemplate:
    """Administrators: a new checklist (version 1 of its key)."""
    actor.require_module(Module.INSPECTIONS.value)
    actor.require_admin()
    spec = check_spec(raw)
    lock_for_transaction(session, f"inspection-templates:{actor.tenant_id}")
    taken = session.scalar(
        select(InspectionTemplate.id)
        .where(InspectionTemplate.tenant_id == actor.tenant_id, InspectionTemplate.key == spec.key)
        .limit(1)
    )
    if taken is not None:
        raise Conflict("a template with this key exists: change it instead", code="key_taken")
    row = _store(session, actor.tenant_id, spec, 1, actor.staff_id)
    audit.record_by(
        session,
        actor,
        "inspection_template.create",
        "inspection_template",
        row.id,
        {"key": spec.key},
    )
    return row


def revise(
    session: Session, actor: Actor, template_id: uuid.UUID, raw: dict[str, Any]
) -> InspectionTemplate:
    """Administrators: a template changed is a new version of its key; inspections made
    with an earlier one keep it."""
    actor.require_admin()
    current = get_template(session, actor, template_id)
    spec = check_spec({**raw, "key": current.key})
    lock_for_transaction(session, f"inspection-templates:{actor.tenant_id}")
    top = session.scalar(
        select(func.max(InspectionTemplate.version)).where(
            InspectionTemplate.tenant_id == actor.tenant_id, InspectionTemplate.key == current.key
        )
    )
    if top != current.version:
        raise Conflict(
            "a newer version exists: change that one",
            code="stale_version",
            details={"version": current.version, "newest": top},
        )
    row = _store(session, actor.tenant_id, spec, current.version + 1, actor.staff_id)
    audit.record_by(
        session,
        actor,
        "inspection_template.revise",
        "inspection_template",
        row.id,
        {"key": current.key, "version": row.version},
    )
    return row
