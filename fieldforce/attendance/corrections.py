"""Corrections (补卡): a person asks to add a clock-in or clock-out they missed, with a
reason; the approval engine decides (kind ``attendance_correction``); approved, the
correction becomes a punch with source ``correction`` that opens, moves or closes that
day's attendance, and the day on the sheet is marked corrected."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from fieldforce.approvals import service as approvals
from fieldforce.approvals.models import ApprovalRequest, RequestKind, RequestStatus
from fieldforce.approvals.rules import Facts
from fieldforce.attendance import periods, sheets
from fieldforce.attendance.closing import close_forgotten
from fieldforce.attendance.models import (
    Attendance,
    Basis,
    Correction,
    CorrectionStatus,
    Punch,
    PunchKind,
    PunchStatus,
    Source,
    Verdict,
)
from fieldforce.attendance.punches import open_attendance
from fieldforce.audit import service as audit
from fieldforce.db import lock_for_transaction
from fieldforce.errors import Conflict, Forbidden, Invalid, NotFound
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.models import Module, Tenant

MAX_AGE = timedelta(days=62)
REASON_MAX = 1000
OPEN = (CorrectionStatus.IN_APPROVAL.value, CorrectionStatus.RETURNED.value)


def _visible(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The person, those whose scope holds them, and whoever may read its approval."""
    seen = approvals.visible_ids(session, actor, RequestKind.ATTENDANCE_CORRECTION)
    return (Correction.tenant_id == actor.tenant_id) & (
        Correction.staff_id.in_(select(Staff.id).where(actor.staff_clause()))
        | Correction.approval_id.in_(seen)
    )


def get_correction(
    session: Session, actor: Actor, correction_id: uuid.UUID, *, lock: bool = False
) -> Correction:
    actor.require_module(Module.ATTENDANCE.value)
    stmt = select(Correction).where(Correction.id == correction_id, _visible(session, actor))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("no such correction", details={"correction_id": str(correction_id)})
    return found


def list_corrections(
    session: Session,
    actor: Actor,
    *,
    mine: bool = False,
    staff_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Correction]:
    actor.require_module(Module.ATTENDANCE.value)
    stmt = select(Correction).where(_visible(session, actor))
    if mine:
        stmt = stmt.where(Correction.staff_id == actor.staff_id)
    if staff_id is not None:
        stmt = stmt.where(Correction.staff_id == staff_id)
    if status is not None:
        stmt = stmt.where(Correction.status == status)
    return paginate(
        session,
        stmt,
        [Correction.created_at, Correction.id],
        limit=limit,
        cursor=cursor,
        descending=True,
    )


def _check(kind: str, at: datetime, reason: str, now: datetime) -> str:
    if kind not in (PunchKind.IN, PunchKind.OUT):
        raise Invalid("a correction adds an 'in' or an 'out'", code="invalid_kind")
    if at > now:
        raise Invalid("a correction is for a time that has passed", code="future_time")
    if at < now - MAX_AGE:
        raise Invalid("a correction goes back 62 days at most", code="too_old")
    text = reason.strip()
    if not text:
        raise Invalid("say why the punch is missing", code="reason_required")
    if len(text) > REASON_MAX:
        raise Invalid(f"a reason has at most {REASON_MAX} characters", code="invalid_reason")
    return text


def ask(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    at: datetime,
    reason: str,
    push: bool,
    now: datetime | None = None,
) -> tuple[Correction, ApprovalRequest]:
    """One's own correction, into approval at once."""
    actor.require_module(Module.ATTENDANCE.value)
    now = now or datetime.now(UTC)
    text = _check(kind, at, reason, now)
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    day = at.astimezone(ZoneInfo(tenant.timezone)).date()
    lock_for_transaction(session, f"attendance:{actor.tenant_id}:{actor.staff_id}")
    clash = session.scalar(
        select(Correction.id).where(
            Correction.tenant_id == actor.tenant_id,
            Correction.staff_id == actor.staff_id,
            Correction.day == day,
            Correction.kind == kind,
            Correction.status.in_(OPEN),
        )
    )
    if clash is not None:
        raise Conflict(
            "a correction of this kind for that day is already asked for",
            code="duplicate_correction",
            details={"correction_id": str(clash)},
        )
    correction = Correction(
        tenant_id=actor.tenant_id,
        id=uuid.uuid4(),
        staff_id=actor.staff_id,
        day=day,
        kind=kind,
        at=at,
        reason=text,
        status=CorrectionStatus.IN_APPROVAL.value,
    )
    session.add(correction)
    session.flush()
    approval = approvals.start(
        session,
        actor,
        kind=RequestKind.ATTENDANCE_CORRECTION,
        subject_id=correction.id,
        facts=Facts(),
        push=push,
    )
    correction.approval_id = approval.id
    session.flush()
    audit.record_by(
        session,
        actor,
        "attendance_correction.create",
        "attendance_correction",
        correction.id,
        {"kind": kind, "at": at, "day": day},
    )
    return correction, approval


def resubmit(
    session: Session,
    actor: Actor,
    correction_id: uuid.UUID,
    *,
    at: datetime | None,
    reason: str | None,
    push: bool,
    now: datetime | None = None,
) -> tuple[Correction, ApprovalRequest]:
    """A returned correction, changed or not, sent again."""
    correction = get_correction(session, actor, correction_id, lock=True)
    if correction.staff_id != actor.staff_id:
        raise Forbidden("only the person sends their correction again", code="not_requester")
    if correction.status != CorrectionStatus.RETURNED.value or correction.approval_id is None:
        raise Conflict(
            "only a returned correction is sent again",
            code="not_returned",
            details={"status": correction.status},
        )
    now = now or datetime.now(UTC)
    text = _check(correction.kind, at or correction.at, reason or correction.reason, now)
    if at is not None:
        tenant = session.get(Tenant, actor.tenant_id)
        assert tenant is not None
        correction.at, correction.day = at, at.astimezone(ZoneInfo(tenant.timezone)).date()
    correction.reason = text
    approval = approvals.resubmit(session, actor, correction.approval_id, Facts(), push=push)
    correction.status = CorrectionStatus.IN_APPROVAL.value
    session.flush()
    return correction, approval


_STATUS = {
    RequestStatus.IN_APPROVAL.value: CorrectionStatus.IN_APPROVAL,
    RequestStatus.APPROVED.value: CorrectionStatus.APPROVED,
    RequestStatus.REJECTED.value: CorrectionStatus.REJECTED,
    RequestStatus.RETURNED.value: CorrectionStatus.RETURNED,
    RequestStatus.WITHDRAWN.value: CorrectionStatus.WITHDRAWN,
}


def settle(session: Session, approval: ApprovalRequest) -> Correction | None:
    """The engine's outcome: the correction follows; approved, its punch is applied."""
    correction = session.scalar(
        select(Correction)
        .where(Correction.tenant_id == approval.tenant_id, Correction.id == approval.subject_id)
        .with_for_update()
    )
    if correction is None or correction.approval_id != approval.id:
        return None
    correction.status = _STATUS[approval.status].value
    if approval.status != RequestStatus.RETURNED.value:
        correction.decided_at = approval.decided_at
    if approval.status == RequestStatus.APPROVED.value and correction.punch_id is None:
        _apply(session, correction)
    session.flush()
    return correction


def _apply(session: Session, correction: Correction) -> None:
    staff = session.get(Staff, (correction.tenant_id, correction.staff_id))
    assert staff is not None
    lock_for_transaction(session, f"attendance:{staff.tenant_id}:{staff.id}")
    punch = Punch(
        tenant_id=staff.tenant_id,
        id=uuid.uuid4(),
        staff_id=staff.id,
        kind=correction.kind,
        status=PunchStatus.ACCEPTED.value,
        punched_at=correction.at,
        verdict=Verdict.UNCERTAIN.value,
        basis=Basis.MANUAL.value,
        note=correction.reason,
        flags=[],
        source=Source.CORRECTION.value,
    )
    session.add(punch)
    session.flush()
    correction.punch_id = punch.id
    if correction.kind == PunchKind.IN:
        _correct_in(session, staff, correction, punch)
    else:
        _correct_out(session, staff, correction, punch)
    sheets.mark_stale(
        session, staff.tenant_id, staff_id=staff.id, first=correction.day, last=correction.day
    )
    periods.recompute_locked_day(
        session,
        staff,
        correction.day,
        why={"correction_id": correction.id, "approval_id": correction.approval_id},
        now=datetime.now(UTC),
    )


def _day_attendance(session: Session, staff: Staff, correction: Correction) -> Attendance | None:
    return session.scalar(
        select(Attendance)
        .where(
            Attendance.tenant_id == staff.tenant_id,
            Attendance.staff_id == staff.id,
            Attendance.day == correction.day,
        )
        .order_by(Attendance.in_at)
        .limit(1)
    )


def _correct_in(session: Session, staff: Staff, correction: Correction, punch: Punch) -> None:
    """The day's attendance starts earlier; or, with none, one is made, its end the day's
    clock-out that was refused for want of a clock-in (the latest), else the tenant's rule."""
    current = _day_attendance(session, staff, correction)
    if current is not None:
        if correction.at < current.in_at:
            current.in_at, current.in_punch_id = correction.at, punch.id
        punch.attendance_id = current.id
        return
    refused_out = session.scalar(
        select(Punch)
        .where(
            Punch.tenant_id == staff.tenant_id,
            Punch.staff_id == staff.id,
            Punch.kind == PunchKind.OUT.value,
            Punch.reason == "not_clocked_in",
            Punch.punched_at > correction.at,
            Punch.punched_at < correction.at + timedelta(hours=24),
        )
        .order_by(Punch.punched_at.desc())
        .limit(1)
    )
    attendance = Attendance(
        tenant_id=staff.tenant_id,
        id=uuid.uuid4(),
        staff_id=staff.id,
        day=correction.day,
        in_punch_id=punch.id,
        in_at=correction.at,
    )
    punch.attendance_id = attendance.id
    if refused_out is not None:
        attendance.out_at, attendance.out_punch_id = refused_out.punched_at, refused_out.id
    elif open_attendance(session, staff) is not None:
        close_forgotten(session, staff, attendance)  # a later one is open: this one is over
    session.add(attendance)
    session.flush()


def _correct_out(session: Session, staff: Staff, correction: Correction, punch: Punch) -> None:
    """The day's attendance ends at the corrected time (a missed or automatic clock-out)."""
    current = _day_attendance(session, staff, correction)
    if current is None or current.in_at > correction.at:
        return  # nothing to close that day: the punch is kept, the sheet shows no change
    current.out_at, current.out_punch_id = correction.at, punch.id
    current.closed_automatically, current.close_rule = False, None
    punch.attendance_id = current.id
