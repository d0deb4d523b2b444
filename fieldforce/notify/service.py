"""Delivering to inboxes, and each staff member's own inbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from fieldforce.errors import NotFound
from fieldforce.notify import sms
from fieldforce.notify.models import InboxItem
from fieldforce.notify.push import enqueue as queue_push
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate


@dataclass(frozen=True)
class Message:
    """One message to be put in each recipient's inbox."""

    recipient_ids: Sequence[uuid.UUID]
    kind: str
    title: str
    body: str
    data: dict[str, Any] = field(default_factory=dict)
    source_id: uuid.UUID | None = None


def deliver(
    session: Session,
    tenant_id: uuid.UUID,
    recipient_ids: Iterable[uuid.UUID],
    *,
    kind: str,
    title: str,
    body: str,
    data: dict[str, Any] | None = None,
    source_id: uuid.UUID | None = None,
    push: bool,
) -> int:
    """Put one item in each recipient's inbox, in the caller's transaction: whatever caused
    the message and the message itself are committed together. Each item is also queued
    as a push to the recipient's phones when ``push`` is on (FCM is configured), or as an SMS
    to those who cannot take a push when the tenant has an SMS gateway. Returns how many
    items."""
    message = Message(list(recipient_ids), kind, title, body, data or {}, source_id)
    return deliver_many(session, tenant_id, [message], push=push)


def deliver_many(
    session: Session, tenant_id: uuid.UUID, messages: Sequence[Message], *, push: bool
) -> int:
    """``deliver`` for several messages of one tenant at once (one insert of inbox items)."""
    batches = [
        (m, [(rid, uuid.uuid4()) for rid in dict.fromkeys(m.recipient_ids)])  # (staff, item)
        for m in messages
    ]
    rows = [
        {
            "tenant_id": tenant_id,
            "id": item_id,
            "recipient_id": rid,
            "kind": m.kind,
            "title": m.title,
            "body": m.body,
            "data": m.data,
            "source_id": m.source_id,
        }
        for m, pairs in batches
        for rid, item_id in pairs
    ]
    if not rows:
        return 0
    session.execute(insert(InboxItem), rows)
    gateway = sms.tenant_gateway(session, tenant_id)
    for m, pairs in batches:
        if not pairs:
            continue
        if push:
            queue_push(
                session,
                tenant_id,
                pairs,
                title=m.title,
                body=m.body,
                data={"kind": m.kind, **{k: str(v) for k, v in m.data.items()}},
            )
        if gateway is not None:  # SMS to those who cannot get a push (everyone when off)
            sms.enqueue(
                session,
                tenant_id,
                pairs,
                title=m.title,
                body=m.body,
                kind=m.kind,
                unless_push=push,
                gateway=gateway,
            )
    return len(rows)


def list_inbox(
    session: Session,
    actor: Actor,
    *,
    unread_only: bool = False,
    kind: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[InboxItem]:
    stmt = select(InboxItem).where(
        InboxItem.tenant_id == actor.tenant_id, InboxItem.recipient_id == actor.staff_id
    )
    if unread_only:
        stmt = stmt.where(InboxItem.read_at.is_(None))
    if kind is not None:
        stmt = stmt.where(InboxItem.kind == kind)
    return paginate(
        session,
        stmt,
        [InboxItem.created_at, InboxItem.id],
        limit=limit,
        cursor=cursor,
        descending=True,
    )


def unread_count(session: Session, actor: Actor) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                InboxItem.tenant_id == actor.tenant_id,
                InboxItem.recipient_id == actor.staff_id,
                InboxItem.read_at.is_(None),
            )
        )
        or 0
    )


def mark_read(session: Session, actor: Actor, item_id: uuid.UUID) -> InboxItem:
    """Only one's own items; reading twice keeps the first time."""
    item = session.scalar(
        select(InboxItem).where(
            InboxItem.tenant_id == actor.tenant_id,
            InboxItem.recipient_id == actor.staff_id,
            InboxItem.id == item_id,
        )
    )
    if item is None:
        raise NotFound("no such inbox item", details={"item_id": str(item_id)})
    if item.read_at is None:
        item.read_at = datetime.now(UTC)
        session.flush()
    return item


def mark_all_read(session: Session, actor: Actor) -> int:
    result = session.execute(
        update(InboxItem)
        .where(
            InboxItem.tenant_id == actor.tenant_id,
            InboxItem.recipient_id == actor.staff_id,
            InboxItem.read_at.is_(None),
        )
        .values(read_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
