"""Business notices (业务通知): composed by supervisors, managers and admins for an audience
inside their own scope, sent now or at a set time, with read receipts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.auth.service import actor_for
from fieldforce.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from fieldforce.notify.models import InboxItem, ItemKind, Notice
from fieldforce.notify.service import deliver
from fieldforce.org.models import OrgUnit, Role, Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.models import Module

ROLES = {r.value for r in Role}


@dataclass(frozen=True)
class Audience:
    org_unit_ids: list[uuid.UUID]
    include_subtree: bool = True
    roles: list[str] | None = None
    staff_ids: list[uuid.UUID] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "org_unit_ids": [str(u) for u in self.org_unit_ids],
            "include_subtree": self.include_subtree,
            "roles": self.roles,
            "staff_ids": [str(s) for s in self.staff_ids] if self.staff_ids else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(
            org_unit_ids=[uuid.UUID(u) for u in data.get("org_unit_ids") or []],
            include_subtree=bool(data.get("include_subtree", True)),
            roles=data.get("roles"),
            staff_ids=[uuid.UUID(s) for s in data["staff_ids"]] if data.get("staff_ids") else None,
        )


def _require_sender(actor: Actor) -> None:
    actor.require_module(Module.NOTICES.value)
    if not actor.directs:
        raise Forbidden("only supervisors, managers and administrators send notices")


def _check_audience(session: Session, actor: Actor, audience: Audience) -> None:
    if not audience.org_unit_ids and not audience.staff_ids:
        raise Invalid("a notice needs org units or named staff", code="empty_audience")
    unknown = sorted(set(audience.roles or []) - ROLES)
    if unknown:
        raise Invalid(f"unknown roles: {', '.join(unknown)}", code="invalid_roles")
    for unit_id in audience.org_unit_ids:
        actor.visible_unit(session, unit_id)  # NotFound outside the sender's scope
    for staff_id in audience.staff_ids or []:  # naming a person directs them
        actor.require_directs_staff(session, staff_id, oneself_allowed=True)


def _recipients(session: Session, actor: Actor, audience: Audience) -> list[uuid.UUID]:
    """Active staff of the audience, within the sender's scope as it is now."""
    who: ColumnElement[bool] = false()
    if audience.org_unit_ids:
        units = select(OrgUnit.path).where(
            OrgUnit.tenant_id == actor.tenant_id, OrgUnit.id.in_(audience.org_unit_ids)
        )
        if audience.include_subtree:
            in_units = select(OrgUnit.id).where(
                OrgUnit.tenant_id == actor.tenant_id,
                OrgUnit.path.op("<@")(func.any(func.array(units.scalar_subquery()))),
            )
            who = Staff.org_unit_id.in_(in_units)
        else:
            who = Staff.org_unit_id.in_(audience.org_unit_ids)
    if audience.roles:
        who = who & Staff.roles.op("&&")(audience.roles)
    if audience.staff_ids:
        who = or_(who, Staff.id.in_(audience.staff_ids))
    stmt = select(Staff.id).where(
        actor.staff_clause(), Staff.active.is_(True), who, Staff.id != actor.staff_id
    )
    return list(session.scalars(stmt.order_by(Staff.id)))


def compose(
    session: Session,
    actor: Actor,
    *,
    title: str,
    body: str,
    audience: Audience,
    send_at: datetime | None = None,
    now: datetime | None = None,
    push: bool,
) -> Notice:
    _require_sender(actor)
    _check_audience(session, actor, audience)
    now = now or datetime.now(UTC)
    if send_at is not None and send_at < now:
        send_at = now  # "at a time" in the past means now
    notice = Notice(
        tenant_id=actor.tenant_id,
        sender_id=actor.staff_id,
        title=title,
        body=body,
        audience=audience.as_json(),
        send_at=send_at or now,
    )
    session.add(notice)
    session.flush()
    audit.record_by(
        session,
        actor,
        "notice.create",
        "notice",
        notice.id,
        {"title": title, "audience": notice.audience, "send_at": notice.send_at},
    )
    if notice.send_at <= now:
        _send(session, actor, notice, now, push=push)
    return notice


def _send(session: Session, sender: Actor, notice: Notice, now: datetime, *, push: bool) -> None:
    recipients = _recipients(session, sender, Audience.from_json(notice.audience))
    notice.recipients = deliver(
        session,
        notice.tenant_id,
        recipients,
        kind=ItemKind.NOTICE.value,
        title=notice.title,
        body=notice.body,
        data={"notice_id": str(notice.id)},
        source_id=notice.id,
        push=push,
    )
    notice.sent_at = now
    session.flush()


def release_due_notices(session: Session, now: datetime, *, push: bool) -> int:
    """Send scheduled notices whose time has come. Safe with several processes: each
    notice row is taken by one of them (SKIP LOCKED) and marked sent in that transaction."""
    due = list(
        session.scalars(
            select(Notice)
            .where(Notice.sent_at.is_(None), Notice.cancelled_at.is_(None), Notice.send_at <= now)
            .order_by(Notice.send_at)
            .limit(100)
            .with_for_update(skip_locked=True)
        )
    )
    for notice in due:
        try:
            sender = actor_for(session, notice.tenant_id, notice.sender_id)
        except Unauthorized:  # the sender left: the notice goes nowhere, but is closed
            notice.sent_at = now
            continue
        _send(session, sender, notice, now, push=push)
    return len(due)


def _visible_notices(actor: Actor) -> ColumnElement[bool]:
    """Admins see every notice of the tenant; others the notices they sent."""
    same = Notice.tenant_id == actor.tenant_id
    return same if actor.is_admin else same & (Notice.sender_id == actor.staff_id)


def get_notice(session: Session, actor: Actor, notice_id: uuid.UUID) -> Notice:
    actor.require_module(Module.NOTICES.value)
    notice = session.scalar(select(Notice).where(Notice.id == notice_id, _visible_notices(actor)))
    if notice is None:
        raise NotFound("no such notice", details={"notice_id": str(notice_id)})
    return notice


def read_counts(session: Session, sent: list[Notice]) -> dict[uuid.UUID, int]:
    """How many recipients have read each notice, for a page of notices in one query."""
    if not sent:
        return {}
    rows = session.execute(
        select(InboxItem.source_id, func.count())
        .where(
            InboxItem.tenant_id == sent[0].tenant_id,
            InboxItem.source_id.in_([n.id for n in sent]),
            InboxItem.read_at.is_not(None),
        )
        .group_by(InboxItem.source_id)
    )
    return {row[0]: row[1] for row in rows if row[0] is not None}


def list_notices(session: Session, actor: Actor, *, limit: int, cursor: str | None) -> Page[Notice]:
    actor.require_module(Module.NOTICES.value)
    stmt = select(Notice).where(_visible_notices(actor))
    return paginate(
        session, stmt, [Notice.created_at, Notice.id], limit=limit, cursor=cursor, descending=True
    )


def staff_names(
    session: Session, tenant_id: uuid.UUID, ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    rows = session.execute(
        select(Staff.id, Staff.name).where(Staff.tenant_id == tenant_id, Staff.id.in_(ids))
    )
    return {row[0]: row[1] for row in rows}


def receipts(
    session: Session,
    actor: Actor,
    notice_id: uuid.UUID,
    *,
    read: bool | None,
    limit: int,
    cursor: str | None,
) -> Page[InboxItem]:
    """Who got the notice and when they read it; ``read=False`` is the not-read-yet list."""
    notice = get_notice(session, actor, notice_id)
    stmt = select(InboxItem).where(
        InboxItem.tenant_id == notice.tenant_id, InboxItem.source_id == notice.id
    )
    if read is not None:
        stmt = stmt.where(InboxItem.read_at.is_not(None) if read else InboxItem.read_at.is_(None))
    return paginate(
        session, stmt, [InboxItem.recipient_id, InboxItem.id], limit=limit, cursor=cursor
    )


def cancel(session: Session, actor: Actor, notice_id: uuid.UUID) -> Notice:
    notice = get_notice(session, actor, notice_id)
    if notice.sent_at is not None:
        raise Conflict("this notice has been sent already", code="notice_sent")
    if notice.cancelled_at is None:
        notice.cancelled_at = datetime.now(UTC)
        session.flush()
        audit.record_by(session, actor, "notice.cancel", "notice", notice.id)
    return notice
