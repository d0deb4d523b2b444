"""Recurring plans: a customer in a person's plan every N weeks, written into the plans of
the coming two weeks; covering all of a person's partner outlets in one cycle."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from api.deps import ActorDep, CursorQ, LimitQ, SessionDep
from api.schemas.common import Page
from api.schemas.plans import CoverPartnersIn, RuleIn, RuleOut
from fieldforce.customers.models import Customer
from fieldforce.plans import rules
from fieldforce.plans.models import PlanRule

router = APIRouter(prefix="/api/v1/plan-rules", tags=["work plans"])


def _outs(session: SessionDep, items: list[PlanRule]) -> list[RuleOut]:
    ids = {r.customer_id for r in items}
    names = {
        row.id: row.name
        for row in session.execute(
            select(Customer.id, Customer.name).where(
                Customer.tenant_id.in_({r.tenant_id for r in items}), Customer.id.in_(ids)
            )
        )
    }
    return [
        RuleOut(
            id=r.id,
            staff_id=r.staff_id,
            customer_id=r.customer_id,
            customer_name=names.get(r.customer_id, ""),
            kind=r.kind,
            every_weeks=r.every_weeks,
            starts_on=r.starts_on,
            weekday=r.starts_on.weekday(),
            stopped_on=r.stopped_on,
            planned_until=r.planned_until,
            created_by=r.created_by,
            created_at=r.created_at,
        )
        for r in items
    ]


@router.post("", response_model=RuleOut, status_code=201)
def create_rule(body: RuleIn, actor: ActorDep, session: SessionDep) -> RuleOut:
    """The customer in the person's plan every `every_weeks` weeks on the weekday of
    `starts_on` (today or later), made by the person or by someone who directs them. An
    occurrence on a day the person is off duty moves to their next duty day of that week.
    The plans of the coming two weeks get the stop at once; later days as they come near.
    One running rule per person, customer and kind (409 `rule_exists`)."""
    rule = rules.create_rule(
        session,
        actor,
        body.staff_id,
        body.customer_id,
        kind=body.kind.value,
        every_weeks=body.every_weeks,
        starts_on=body.starts_on,
    )
    return _outs(session, [rule])[0]


@router.post("/cover-partners", response_model=list[RuleOut], status_code=201)
def cover_partners(body: CoverPartnersIn, actor: ActorDep, session: SessionDep) -> list[RuleOut]:
    """A rule for each partner customer the person owns that has none of this kind yet,
    spread over the person's workdays of `every_weeks` weeks so that each partner comes
    round once a cycle and each day's outlets lie close together."""
    made = rules.cover_partners(
        session,
        actor,
        body.staff_id,
        every_weeks=body.every_weeks,
        starts_on=body.starts_on,
        kind=body.kind.value,
    )
    return _outs(session, made)


@router.get("", response_model=Page[RuleOut])
def list_rules(
    actor: ActorDep,
    session: SessionDep,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    staff_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    stopped: Annotated[bool, Query(description="the stopped rules instead")] = False,
) -> Page[RuleOut]:
    """Recurring plans of the people in one's scope, oldest first."""
    page = rules.list_rules(
        session,
        actor,
        rules.RuleFilters(staff_id, customer_id, stopped),
        limit=limit,
        cursor=cursor,
    )
    return Page[RuleOut](items=_outs(session, page.items), next_cursor=page.next_cursor)


@router.get("/{rule_id}", response_model=RuleOut)
def get_rule(rule_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> RuleOut:
    return _outs(session, [rules.get_rule(session, actor, rule_id)])[0]


@router.post("/{rule_id}/stop", response_model=RuleOut)
def stop_rule(rule_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> RuleOut:
    """The rule stops recurring; its stops leave the plans of the days after today."""
    return _outs(session, [rules.stop_rule(session, actor, rule_id)])[0]
