"""What list answers show beside the ids of their rows (names of customers and people,
the photos attached), each read for a whole page in one query."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.attachments.models import Attachment, SubjectKind
from fieldforce.customers.models import Customer
from fieldforce.org.models import Staff


def customer_names(
    session: Session, tenant_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Customer.id, Customer.name).where(
            Customer.tenant_id == tenant_id, Customer.id.in_(wanted)
        )
    )
    return {row.id: row.name for row in rows}


def staff_names(
    session: Session, tenant_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Staff.id, Staff.name).where(Staff.tenant_id == tenant_id, Staff.id.in_(wanted))
    )
    return {row.id: row.name for row in rows}


def photos(
    session: Session, tenant_id: uuid.UUID, kind: SubjectKind, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The attachments of each subject, oldest first."""
    wanted = set(ids)
    out: dict[uuid.UUID, list[uuid.UUID]] = {}
    if not wanted:
        return out
    rows = session.execute(
        select(Attachment.subject_id, Attachment.id)
        .where(
            Attachment.tenant_id == tenant_id,
            Attachment.subject_kind == kind.value,
            Attachment.subject_id.in_(wanted),
        )
        .order_by(Attachment.created_at, Attachment.id)
    )
    for row in rows:
        assert row.subject_id is not None
        out.setdefault(row.subject_id, []).append(row.id)
    return out
