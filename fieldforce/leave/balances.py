"""The balance ledger: every change to a person's balance of a leave type in a year is a
row, and the balance is their sum, less carried days that lapsed unused. Carried days are
used first; at their expiry what leave starting by then had not used lapses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.leave.models import EntryKind, LeaveEntry, LeaveRequest, LeaveStatus


@dataclass(frozen=True)
class Balance:
    leave_type_id: uuid.UUID
    year: int
    allocated: Decimal
    carried: Decimal
    carry_expires_on: date | None
    lapsed: Decimal
    taken: Decimal  # net of restored
    adjusted: Decimal
    balance: Decimal
    pending: Decimal  # in requests waiting for approval

    @property
    def available(self) -> Decimal:
        return self.balance - self.pending


def balances(
    session: Session,
    tenant_id: uuid.UUID,
    staff_id: uuid.UUID,
    year: int,
    today: date,
    type_ids: list[uuid.UUID],
) -> dict[uuid.UUID, Balance]:
    rows = session.execute(
        select(LeaveEntry).where(
            LeaveEntry.tenant_id == tenant_id,
            LeaveEntry.staff_id == staff_id,
            LeaveEntry.year == year,
        )
    ).scalars()
    by_type: dict[uuid.UUID, list[LeaveEntry]] = {t: [] for t in type_ids}
    for row in rows:
        by_type.setdefault(row.leave_type_id, []).append(row)
    pending = dict(
        session.execute(
            select(LeaveRequest.leave_type_id, func.sum(LeaveRequest.days))
            .where(
                LeaveRequest.tenant_id == tenant_id,
                LeaveRequest.staff_id == staff_id,
                LeaveRequest.status == LeaveStatus.IN_APPROVAL.value,
                func.extract("year", LeaveRequest.start) == year,
            )
            .group_by(LeaveRequest.leave_type_id)
        ).all()
    )
    return {t: _balance(t, year, entries, today, pending.get(t)) for t, entries in by_type.items()}


def _sum(entries: list[LeaveEntry], *kinds: EntryKind) -> Decimal:
    wanted = {k.value for k in kinds}
    return sum((e.days for e in entries if e.kind in wanted), Decimal(0))


def _balance(
    type_id: uuid.UUID,
    year: int,
    entries: list[LeaveEntry],
    today: date,
    pending: Decimal | None,
) -> Balance:
    carried = _sum(entries, EntryKind.CARRY_OVER)
    expiries = [e.expires_on for e in entries if e.kind == EntryKind.CARRY_OVER and e.expires_on]
    expires = min(expiries) if expiries else None
    lapsed = Decimal(0)
    if expires is not None and today > expires and carried > 0:
        used = -sum(
            (
                e.days
                for e in entries
                if e.kind in (EntryKind.TAKEN.value, EntryKind.RESTORED.value)
                and e.on_day is not None
                and e.on_day <= expires
            ),
            Decimal(0),
        )
        lapsed = max(Decimal(0), carried - max(Decimal(0), used))
    total = sum((e.days for e in entries), Decimal(0))
    return Balance(
        leave_type_id=type_id,
        year=year,
        allocated=_sum(entries, EntryKind.ALLOCATION),
        carried=carried,
        carry_expires_on=expires,
        lapsed=lapsed,
        taken=-_sum(entries, EntryKind.TAKEN, EntryKind.RESTORED),
        adjusted=_sum(entries, EntryKind.ADJUSTMENT),
        balance=total - lapsed,
        pending=pending or Decimal(0),
    )
