"""Delegation while an approver is away: from a start to an end time, a delegate sees the
requests waiting on the delegator and decides them on the delegator's behalf (the
decision records both). Each delegation names one delegate; a person may have several."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from fieldforce.approvals.models import Delegation
from fieldforce.audit import service as audit
from fieldforce.db import refuse_clash
from fieldforce.errors import Forbidden, Invalid, NotFound
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate

LONGEST = timedelta(days=366)


def _active(tenant_id: uuid.UUID, now: datetime) -> ColumnElement[bool]:
    return (
        (Delegation.tenant_id == tenant_id)
        & (Delegation.starts_at <= now)
        & (Delegation.ends_at > now)
    )


def delegators_of(
    session: Session, tenant_id: uuid.UUID, delegate_id: uuid.UUID, now: datetime
) -> list[uuid.UUID]:
    """Whom ``delegate_id`` stands in for at ``now``."""
    return sorted(
        set(
            session.scalars(
                select(Delegation.delegator_id).where(
                    _active(tenant_id, now), Delegation.delegate_id == delegate_id
                )
            )
        )
    )


def delegates_of(
    session: Session, tenant_id: uuid.UUID, delegator_ids: Iterable[uuid.UUID], now: datetime
) -> list[uuid.UUID]:
    """Who stands in for any of ``delegator_ids`` at ``now``."""
    ids = list(delegator_ids)
    if not ids:
        return []
    return sorted(
        set(
            session.scalars(
                select(Delegation.delegate_id).where(
                    _active(tenant_id, now), Delegation.delegator_id.in_(ids)
                )
            )
        )
    )


def _person(session: Session, actor: Actor, staff_id: uuid.UUID) -> Staff:
    """Anyone active of the caller's tenant (a deputy is often a peer, outside one's
    scope); another tenant's people do not exist here."""
    staff = session.get(Staff, (actor.tenant_id, staff_id))
    if staff is None:
        raise NotFound("no such staff member", details={"staff_id": str(staff_id)})
    if not staff.active:
        raise Invalid("inactive staff cannot take part in a delegation", code="inactive_staff")
    return staff


def create(
    session: Session,
    actor: Actor,
    *,
    delegate_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    delegator_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Delegation:
    """One's own approvals to a delegate; administrators may set anyone's."""
    now = now or datetime.now(UTC)
    delegator_id = delegator_id or actor.staff_id
    if delegator_id != actor.staff_id:
        actor.require_admin()
    delegator = _person(session, actor, delegator_id)
    delegate = _person(session, actor, delegate_id)
    if delegate.id == delegator.id:
        raise Invalid("nobody delegates to themselves", code="self_delegation")
    if ends_at <= starts_at:
        raise Invalid("a delegation ends after it starts", code="invalid_period")
    if ends_at <= now:
        raise Invalid("this delegation would already be over", code="invalid_period")
    if ends_at - starts_at > LONGEST:
        raise Invalid("a delegation lasts at most a year", code="invalid_period")
    refuse_clash(
        session,
        select(Delegation.id).where(
            Delegation.tenant_id == actor.tenant_id,
            Delegation.delegator_id == delegator.id,
            Delegation.delegate_id == delegate.id,
            Delegation.starts_at < ends_at,
            Delegation.ends_at > starts_at,
        ),
        "this delegate already stands in for that person then",
        code="delegation_overlaps",
        name="delegation_id",
    )
    delegation = Delegation(
        tenant_id=actor.tenant_id,
        delegator_id=delegator.id,
        delegate_id=delegate.id,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=actor.staff_id,
    )
    session.add(delegation)
    session.flush()
    audit.record_by(
        session,
        actor,
        "delegation.create",
        "approval_delegation",
        delegation.id,
        {
            "delegator_id": delegator.id,
            "delegate_id": delegate.id,
            "starts_at": starts_at,
            "ends_at": ends_at,
        },
    )
    return delegation


def _visible(actor: Actor) -> ColumnElement[bool]:
    """Administrators see every delegation of the tenant; others those they give or take."""
    same = Delegation.tenant_id == actor.tenant_id
    if actor.is_admin:
        return same
    mine = or_(Delegation.delegator_id == actor.staff_id, Delegation.delegate_id == actor.staff_id)
    return same & mine


def list_delegations(
    session: Session,
    actor: Actor,
    *,
    current_only: bool = False,
    now: datetime | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Delegation]:
    stmt = select(Delegation).where(_visible(actor))
    if current_only:
        stmt = stmt.where(Delegation.ends_at > (now or datetime.now(UTC)))
    return paginate(
        session,
        stmt,
        [Delegation.created_at, Delegation.id],
        limit=limit,
        cursor=cursor,
        descending=True,
    )


def delete(session: Session, actor: Actor, delegation_id: uuid.UUID) -> None:
    """By the delegator, whoever set it, or an administrator; the delegate sees it but
    cannot end it."""
    delegation = session.scalar(
        select(Delegation).where(Delegation.id == delegation_id, _visible(actor))
    )
    if delegation is None:
        raise NotFound("no such delegation", details={"delegation_id": str(delegation_id)})
    owners = {delegation.delegator_id, delegation.created_by}
    if actor.staff_id not in owners and not actor.is_admin:
        raise Forbidden("only the delegator or an administrator may end a delegation")
    audit.record_by(
        session,
        actor,
        "delegation.delete",
        "approval_delegation",
        delegation.id,
        {"delegator_id": delegation.delegator_id, "delegate_id": delegation.delegate_id},
    )
    session.delete(delegation)
    session.flush()
