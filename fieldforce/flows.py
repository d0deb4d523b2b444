"""Where one domain event leads to others, so that each service does one thing:

stored fixes ─→ the person's zone state ─→ zone events ─→ alerts to their supervisors
the sweep's clock ─┘                                        (inbox, push or SMS)

a unit moved, a person moved to another unit, the tenant's settings changed,
a zone, an assignment, a schedule or a duty exception made, changed or deleted
    ─→ the duty plans and zones of those concerned are judged again (stale)

an approval request decided or withdrawn ─→ the domain of its subject acts on the outcome

a tenant created ─→ its default approval flows and leave types
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.approvals import definitions as approval_flows
from fieldforce.approvals import service as approvals
from fieldforce.approvals.models import Action, ApprovalRequest, RequestKind, RequestStatus
from fieldforce.attachments import service as attachments
from fieldforce.attachments.models import SubjectKind
from fieldforce.attachments.service import SubjectCheck
from fieldforce.attendance import corrections, punches, sheets
from fieldforce.customers import service as customer_service
from fieldforce.db import owned_session
from fieldforce.duty import service as duty_service
from fieldforce.inspections import service as inspections
from fieldforce.inspections import templates as inspection_templates
from fieldforce.leave import service as leave_service
from fieldforce.leave.models import LeaveRequest, LeaveStatus
from fieldforce.monitoring.events import store_steps
from fieldforce.monitoring.jobs import enrol, sweep_batch
from fieldforce.monitoring.judge import judge_together
from fieldforce.monitoring.machine import EventType
from fieldforce.monitoring.models import ZoneEvent
from fieldforce.monitoring.monitor import Monitor, write_states
from fieldforce.monitoring.service import mark_stale, mark_zone_stale
from fieldforce.notify import tasks
from fieldforce.notify.models import ItemKind
from fieldforce.notify.service import Message, deliver_many
from fieldforce.org import service as org_service
from fieldforce.org import staff as staff_service
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.org.staff import staff_by_keys, supervisors_of, told_alike
from fieldforce.tenancy import service as tenancy_service
from fieldforce.tenancy.models import Module, Tenant
from fieldforce.tenancy.service import BootstrapResult
from fieldforce.tracking.ingest import (
    PingIn,
    PingResult,
    Status,
    Upload,
    Uploader,
    ingest_uploads,
)
from fieldforce.tracking.queries import GoodFix
from fieldforce.travel import service as travel_service
from fieldforce.travel.models import TravelClaim
from fieldforce.visits import service as visits
from fieldforce.zones import assignments, exchange
from fieldforce.zones import service as zone_service
from fieldforce.zones.models import Zone


def ingest(
    session: Session,
    who: Uploader,
    pings: Sequence[PingIn],
    *,
    push: bool,
    now: datetime | None = None,
) -> list[PingResult]:
    """Store one upload; see ``ingest_many``."""
    return ingest_many(session, [Upload(who, pings)], push=push, now=now)[0]


def ingest_many(
    session: Session, uploads: Sequence[Upload], *, push: bool, now: datetime | None = None
) -> list[list[PingResult]]:
    """Store the uploads of several people together, at most one upload each (off-duty
    pings discarded by the person's duty plan unless the tenant tracks off duty), then
    move each one's zone state on with their good fixes and announce the events that
    started. Everyone's state row is locked first, in key order; the tenant's settings
    are read here, in the transaction that stores the fixes."""
    now = now or datetime.now(UTC)
    keys = [(u.who.tenant_id, u.who.staff_id) for u in uploads]
    assert len(set(keys)) == len(keys), "one upload per person"
    staff = {(s.tenant_id, s.id): s for s in staff_by_keys(session, keys)}
    tenants = {
        t.id: t for t in session.scalars(select(Tenant).where(Tenant.id.in_({t for t, _ in keys})))
    }
    settings = {t.id: t.effective_settings for t in tenants.values()}
    monitors = Monitor.lock_many(session, [(staff[k], tenants[k[0]]) for k in keys], now)
    prepared = [
        Upload(
            replace(u.who, settings=settings[u.who.tenant_id]),
            u.pings,
            monitors[u.who.staff_id].on_duty,
        )
        for u in uploads
    ]
    results = ingest_uploads(session, prepared, now=now)
    _late_fixes(session, tenants, prepared, results, now)
    good = {
        upload.who.staff_id: [
            GoodFix(p.fix_time, p.lon, p.lat, p.accuracy_m)
            for p, r in zip(upload.pings, found, strict=True)
            if r.status is Status.ACCEPTED and not r.flags
        ]
        for upload, found in zip(prepared, results, strict=True)
    }
    judge_together(
        [
            (m.judge, setup, good[staff_id])
            for staff_id, m in monitors.items()
            if (setup := m.current_setup()) is not None
        ]
    )
    for staff_id, fixes in good.items():
        monitors[staff_id].observe(fixes)
    write_states(session, monitors.values())
    for m in monitors.values():
        announce(session, m.tenant, m.staff, m.new_events, push=push)
    return results


def _late_fixes(
    session: Session,
    tenants: dict[uuid.UUID, Tenant],
    uploads: Sequence[Upload],
    results: Sequence[list[PingResult]],
    now: datetime,
) -> None:
    """Fixes stored for days that other records were computed from: the people's open
    travel claims of those days are marked (one statement for everyone) and verified
    again now, and a person's attendance sheet's past days are marked stale (only for
    fixes of an earlier day)."""
    spans = []
    for upload, found in zip(uploads, results, strict=True):
        tenant = tenants[upload.who.tenant_id]
        stored = [
            p.fix_time
            for p, r in zip(upload.pings, found, strict=True)
            if r.status is Status.ACCEPTED
        ]
        tz = ZoneInfo(tenant.timezone)
        days = travel_service.local_days(stored, tz)
        if days is None:
            continue
        spans.append((tenant.id, upload.who.staff_id, *days))
        today = now.astimezone(tz).date()
        if days[0] < today:
            sheets.mark_stale(
                session,
                tenant.id,
                staff_id=upload.who.staff_id,
                first=days[0],
                last=min(days[1], today),
            )
    for tenant_id, stale in travel_service.mark_many_for_recheck(session, spans).items():
        travel_service.recheck(session, tenant_id, stale)


def sweep_monitors(
    factory: sessionmaker[Session], now: datetime, batch: int = 500, *, push: bool
) -> int:
    """One sweep: everyone due, a transaction per batch (row locks are held briefly, and
    what a batch decided is committed with its alerts). Returns how many were looked at."""
    with owned_session(factory) as session:
        enrol(session, now)
    done = 0
    while True:
        with owned_session(factory) as session:
            monitors = list(sweep_batch(session, now, batch))
            by_staff = {m.staff.id: m for m in monitors}
            for event in store_steps(session, [step for m in monitors for step in m.pending]):
                by_staff[event.staff_id].new_events.append(event)
            write_states(session, monitors)
            _announce_batch(session, monitors, push=push)
        done += len(monitors)
        if len(monitors) < batch:
            return done


def _announce_batch(session: Session, monitors: Sequence[Monitor], *, push: bool) -> None:
    """The alerts of a sweep batch, delivered together per tenant."""
    leads: dict[tuple[object, ...], list[uuid.UUID]] = {}
    messages: dict[uuid.UUID, list[Message]] = {}  # by tenant
    for monitor in monitors:
        if not monitor.new_events:
            continue
        person = monitor.staff
        key = told_alike(person)
        if key not in leads:
            leads[key] = supervisors_of(session, person)
        messages.setdefault(person.tenant_id, []).extend(
            alerts(monitor.tenant, person, monitor.new_events, leads[key])
        )
    for tenant_id, batch_messages in messages.items():
        deliver_many(session, tenant_id, batch_messages, push=push)


_TITLES = {
    EventType.OFF_ZONE: "Off zone: {name}",
    EventType.NO_SIGNAL: "No signal: {name}",
    EventType.LATE_ARRIVAL: "Late: {name}",
}


def _body(event: ZoneEvent, name: str, tz: ZoneInfo) -> str:
    def local(t: datetime) -> str:
        return t.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    start = local(event.started_at)
    ended = "" if event.ended_at is None else f" until {local(event.ended_at)}"
    minutes = "" if event.duration_s is None else f" ({event.duration_s // 60} min)"
    if event.type == EventType.OFF_ZONE:
        return f"{name} was outside their work zones from {start}{ended}{minutes}."
    if event.type == EventType.NO_SIGNAL:
        return f"No location from {name} since {start}{ended}{minutes}."
    return f"{name} was not in their work zone when the shift started at {start}{ended}{minutes}."


def alerts(
    tenant: Tenant, staff: Staff, events: Sequence[ZoneEvent], recipients: list[uuid.UUID]
) -> list[Message]:
    """An alert about each event that started, to the person's supervisors."""
    tz = ZoneInfo(tenant.timezone)
    return [
        Message(
            recipients,
            kind=ItemKind.ALERT.value,
            title=_TITLES[EventType(event.type)].format(name=staff.name),
            body=_body(event, staff.name, tz),
            data={
                "event_id": str(event.id),
                "type": event.type,
                "staff_id": str(staff.id),
                "started_at": event.started_at.isoformat(),
            },
            source_id=event.id,
        )
        for event in events
    ]


def announce(
    session: Session, tenant: Tenant, staff: Staff, events: Sequence[ZoneEvent], *, push: bool
) -> int:
    """Tell the person's supervisors about each event that started."""
    if not events:
        return 0
    leads = supervisors_of(session, staff)
    return deliver_many(session, tenant.id, alerts(tenant, staff, events, leads), push=push)


# Changes that alter whose schedule, zones or thresholds apply: the service makes the change,
# then the running shifts of those concerned are judged again at their next fix or sweep.


def move_unit(
    session: Session, actor: Actor, unit_id: uuid.UUID, *, new_parent_id: uuid.UUID
) -> OrgUnit:
    """A unit moved with its subtree: the schedules and zones its people inherit may differ."""
    unit = org_service.move_unit(session, actor, unit_id, new_parent_id=new_parent_id)
    mark_stale(session, actor.tenant_id, org_unit_id=unit.id)
    return unit


def update_staff(
    session: Session, actor: Actor, staff_id: uuid.UUID, changes: staff_service.StaffChanges
) -> Staff:
    """A person moved to another unit: the schedules and zones they inherit may differ."""
    staff = staff_service.update_staff(session, actor, staff_id, changes)
    if "org_unit_id" in changes.sent():
        mark_stale(session, actor.tenant_id, staff_id=staff.id)
    return staff


def update_tenant(
    session: Session,
    actor: Actor,
    *,
    name: str | None = None,
    timezone: str | None = None,
    settings: dict[str, Any] | None = None,
    modules: list[str] | None = None,
) -> Tenant:
    """The tenant's time zone, default week or thresholds may differ for everyone."""
    before = _tenant_state(tenancy_service.get_tenant(session, actor.tenant_id))
    tenant = tenancy_service.update_tenant(
        session, actor, name=name, timezone=timezone, settings=settings, modules=modules
    )
    if _tenant_state(tenant) != before:
        mark_stale(session, tenant.id)
        sheets.mark_stale(session, tenant.id)
    return tenant


def _tenant_state(tenant: Tenant) -> tuple[object, ...]:
    return (tenant.name, tenant.timezone, dict(tenant.settings or {}), list(tenant.modules))


def update_zone(
    session: Session, actor: Actor, zone_id: uuid.UUID, changes: zone_service.ZoneChanges
) -> Zone:
    """Those judged against the zone, and those assigned to it."""
    zone = zone_service.update_zone(session, actor, zone_id, changes)
    mark_zone_stale(session, actor.tenant_id, zone.id)
    return zone


def delete_zone(session: Session, actor: Actor, zone_id: uuid.UUID) -> None:
    """Marked before the zone goes, while its assignments still say whom it concerned."""
    zone = zone_service.managed_zone(session, actor, zone_id)
    mark_zone_stale(session, actor.tenant_id, zone.id)
    zone_service.delete_zone(session, actor, zone.id)


def import_zones(
    session: Session, actor: Actor, drafts: list[exchange.ZoneDraft]
) -> exchange.Imported:
    """The zones an import updated (new ones concern nobody yet)."""
    result = exchange.import_zones(session, actor, drafts)
    for zone_id in result.updated_ids:
        mark_zone_stale(session, actor.tenant_id, zone_id)
    return result


def import_zone_file(
    session: Session, tenant_slug: str, login: str, path: Path
) -> exchange.Imported:
    """`fieldforce zones import`: a file of zones, imported as the named staff member."""
    actor = exchange.importer(session, tenant_slug, login)
    return import_zones(session, actor, exchange.drafts_from_file(path))


class _Concerning(Protocol):
    """An assignment, a schedule or an exception: for a person, a unit's subtree, or (an
    exception with neither) the whole tenant."""

    @property
    def staff_id(self) -> uuid.UUID | None: ...

    @property
    def org_unit_id(self) -> uuid.UUID | None: ...


_C = TypeVar("_C", bound=_Concerning)
_P = ParamSpec("_P")


def _judging_again(
    change: Callable[Concatenate[Session, Actor, _P], _C],
) -> Callable[Concatenate[Session, Actor, _P], _C]:
    """The change, then the running shifts of those it concerns judged again."""

    def flow(session: Session, actor: Actor, /, *args: _P.args, **kwargs: _P.kwargs) -> _C:
        changed = change(session, actor, *args, **kwargs)
        staff_id, org_unit_id = changed.staff_id, changed.org_unit_id
        mark_stale(session, actor.tenant_id, staff_id=staff_id, org_unit_id=org_unit_id)
        sheets.mark_stale(session, actor.tenant_id, staff_id=staff_id, org_unit_id=org_unit_id)
        return changed

    return flow


# each answers what it made, changed or deleted
assign_zone = _judging_again(assignments.assign)
unassign_zone = _judging_again(assignments.unassign)
create_schedule = _judging_again(duty_service.create_schedule)
update_schedule = _judging_again(duty_service.update_schedule)
delete_schedule = _judging_again(duty_service.delete_schedule)
create_exception = _judging_again(duty_service.create_exception)
delete_exception = _judging_again(duty_service.delete_exception)


# Approvals: the engine decides; the domain of the request's subject acts on the outcome
# (approved leave becomes duty exceptions, an approved claim becomes payable…). Each kind's
# domain adds its handler here, by kind; a kind without one has nothing to do yet.

OutcomeHandler = Callable[[Session, ApprovalRequest], None]
APPROVAL_OUTCOMES: dict[str, OutcomeHandler] = {}


def _travel_outcome(session: Session, request: ApprovalRequest) -> None:
    """The claim follows its approval; an approved trip's days are business trips on the
    attendance sheet."""
    travel_service.on_outcome(session, request)
    claim = session.get(TravelClaim, (request.tenant_id, request.subject_id))
    if claim is not None:
        sheets.mark_stale(
            session,
            claim.tenant_id,
            staff_id=claim.requester_id,
            first=claim.start_date,
            last=claim.end_date,
        )


APPROVAL_OUTCOMES[RequestKind.TRAVEL_CLAIM.value] = _travel_outcome


def _correction_outcome(session: Session, request: ApprovalRequest) -> None:
    corrections.settle(session, request)


APPROVAL_OUTCOMES[RequestKind.ATTENDANCE_CORRECTION.value] = _correction_outcome
_FINAL = frozenset(
    {
        RequestStatus.APPROVED.value,
        RequestStatus.REJECTED.value,
        RequestStatus.RETURNED.value,
        RequestStatus.WITHDRAWN.value,
    }
)


def _settle(session: Session, request: ApprovalRequest) -> ApprovalRequest:
    handler = APPROVAL_OUTCOMES.get(request.kind)
    if handler is not None and request.status in _FINAL:
        handler(session, request)
    return request


def decide_approval(
    session: Session,
    actor: Actor,
    request_id: uuid.UUID,
    action: Action,
    comment: str | None = None,
    *,
    step: int | None = None,
    round_: int | None = None,
    push: bool,
) -> ApprovalRequest:
    """A decision, then the subject's domain told when it settled the request."""
    request = approvals.decide(
        session, actor, request_id, action, comment, step=step, round_=round_, push=push
    )
    return _settle(session, request)


def withdraw_approval(
    session: Session, actor: Actor, request_id: uuid.UUID, comment: str | None, *, push: bool
) -> ApprovalRequest:
    return _settle(session, approvals.withdraw(session, actor, request_id, comment, push=push))


# Attachments: who may see a subject's attachments (besides their uploader and the
# tenant's admins) is for the subject's domain to say. Each adds its check here, by
# subject kind (fieldforce.attachments.models.SubjectKind); a kind without one shows its
# attachments to nobody else.
ATTACHMENT_SUBJECTS: dict[str, SubjectCheck] = {}
ATTACHMENT_SUBJECTS[SubjectKind.LEAVE_REQUEST.value] = leave_service.may_see_request
ATTACHMENT_SUBJECTS[SubjectKind.TRAVEL_CLAIM.value] = travel_service.may_see_claim
ATTACHMENT_SUBJECTS[SubjectKind.TRAVEL_LINE.value] = travel_service.may_see_line
ATTACHMENT_SUBJECTS[SubjectKind.ATTENDANCE_PUNCH.value] = punches.may_see_punch


# Leave: the engine's outcome settles the request; approved leave (or its cancellation)
# changes the person's duty plan, so their running shift is judged again.


def _leave_outcome(session: Session, request: ApprovalRequest) -> None:
    leave = leave_service.settle(session, request)
    if leave is not None and leave.status in (LeaveStatus.APPROVED, LeaveStatus.CANCELLED):
        mark_stale(session, leave.tenant_id, staff_id=leave.staff_id)
        sheets.mark_stale(
            session, leave.tenant_id, staff_id=leave.staff_id, first=leave.start, last=leave.end
        )


APPROVAL_OUTCOMES[RequestKind.LEAVE.value] = _leave_outcome


def _started(
    session: Session, leave: LeaveRequest, approval: ApprovalRequest | None
) -> LeaveRequest:
    """A flow whose steps all skipped approves the request as it starts."""
    if approval is not None and approval.status in _FINAL:
        _settle(session, approval)
    return leave


def create_leave(
    session: Session,
    actor: Actor,
    period: leave_service.Period,
    reason: str,
    *,
    draft: bool,
    push: bool,
    attachment_id: uuid.UUID | None = None,
) -> LeaveRequest:
    leave, approval = leave_service.create_request(
        session, actor, period, reason, draft=draft, push=push, attachment_id=attachment_id
    )
    return _started(session, leave, approval)


def submit_leave(
    session: Session, actor: Actor, request_id: uuid.UUID, *, push: bool
) -> LeaveRequest:
    leave, approval = leave_service.submit_request(session, actor, request_id, push=push)
    return _started(session, leave, approval)


def cancel_leave(
    session: Session, actor: Actor, request_id: uuid.UUID, reason: str | None, *, push: bool
) -> LeaveRequest:
    """A request in approval is withdrawn through the engine; a draft or approved leave is
    cancelled (approved: the balance restored, the duty exceptions gone) — the requester's
    own approved leave through the leave flow when the tenant's settings say so."""
    leave = leave_service.get_request(session, actor, request_id)
    if leave.status == LeaveStatus.IN_APPROVAL.value and leave.approval_id:
        withdraw_approval(session, actor, leave.approval_id, reason, push=push)
        return leave
    if leave.status == LeaveStatus.APPROVED.value and leave.staff_id == actor.staff_id:
        tenant = tenancy_service.get_tenant(session, actor.tenant_id)
        if tenant.effective_settings.leave_cancel_needs_approval:
            leave, approval = leave_service.ask_to_cancel(session, actor, request_id, push=push)
            return _started(session, leave, approval)
    was_approved = leave.status == LeaveStatus.APPROVED.value
    leave = leave_service.cancel_request(session, actor, request_id, reason)
    if was_approved:
        mark_stale(session, leave.tenant_id, staff_id=leave.staff_id)
        sheets.mark_stale(
            session, leave.tenant_id, staff_id=leave.staff_id, first=leave.start, last=leave.end
        )
    return leave


# A new tenant starts with the workflows' defaults written, so that its administrator
# sees (and may change) the flows and leave types before anyone asks; tenants made before
# a workflow existed get them at their first use of it.


def create_tenant(
    session: Session,
    *,
    tenant_name: str,
    admin_login: str,
    admin_password: str,
    timezone: str = "UTC",
    admin_name: str | None = None,
) -> BootstrapResult:
    result = tenancy_service.bootstrap(
        session,
        tenant_name=tenant_name,
        admin_login=admin_login,
        admin_password=admin_password,
        timezone=timezone,
        admin_name=admin_name,
    )
    approval_flows.ensure_defaults(session, result.tenant.id)
    leave_service.ensure_default_types(session, result.tenant.id)
    inspection_templates.install_default(session, result.tenant.id)
    return result


# Visits: photos taken on site go to the attachments store; a follow-up date becomes a
# task for the visitor on that day (when the tenant has tasks), where the customer is.

ATTACHMENT_SUBJECTS[SubjectKind.VISIT.value] = visits.may_see_visit
FOLLOW_UP_AT = time(9, 0)


def check_out_visit(
    session: Session,
    actor: Actor,
    visit_id: uuid.UUID,
    fix: visits.Fix,
    result: visits.Outcome,
    photo_ids: list[uuid.UUID],
    *,
    push: bool,
) -> visits.Visit:
    visit = visits.check_out(session, actor, visit_id, fix, result)
    for photo_id in photo_ids:
        attachments.attach(session, actor, photo_id, SubjectKind.VISIT, visit.id)
    if visit.follow_up_on is not None and Module.NOTICES.value in actor.modules:
        customer = customer_service.get_customer(session, actor, visit.customer_id)
        tenant = session.get(Tenant, actor.tenant_id)
        assert tenant is not None
        lon, lat = customer_service.position_of(customer)
        task = tasks.for_oneself(
            session,
            actor,
            title=f"Follow up: {customer.name}"[:200],
            description=visit.outcome or "",
            due_at=datetime.combine(visit.follow_up_on, FOLLOW_UP_AT, ZoneInfo(tenant.timezone)),
            place=(customer.address or customer.name)[:300],
            lon=lon,
            lat=lat,
            push=push,
        )
        visit.follow_up_task_id = task.id
        session.flush()
    return visit


# Inspections: photos go to the attachments store; a corrective action is a task for the
# outlet's owner (when the tenant has tasks), due at the end of its due day, reminded
# through the outbox like any task; a later inspection passing the item settles it.

ATTACHMENT_SUBJECTS[SubjectKind.INSPECTION.value] = inspections.may_see_inspection
ACTION_DUE_AT = time(18, 0)


def submit_inspection(
    session: Session,
    actor: Actor,
    *,
    template_id: uuid.UUID,
    customer_id: uuid.UUID,
    fix: visits.Fix,
    answers: list[inspections.AnswerIn],
    finished_at: datetime | None,
    inspection_id: uuid.UUID | None,
    push: bool,
) -> inspections.Submitted:
    done = inspections.submit(
        session,
        actor,
        template_id=template_id,
        customer_id=customer_id,
        fix=fix,
        answers=answers,
        finished_at=finished_at,
        inspection_id=inspection_id,
    )
    if done.duplicate:
        return done
    for photo_id in dict.fromkeys(a.photo_id for a in answers if a.photo_id is not None):
        attachments.attach(session, actor, photo_id, SubjectKind.INSPECTION, done.inspection.id)
    if Module.NOTICES.value not in actor.modules:
        return done
    tenant = session.get(Tenant, actor.tenant_id)
    assert tenant is not None
    customer = customer_service.get_customer(session, actor, customer_id)
    lon, lat = customer_service.position_of(customer)
    for action in done.opened:
        task = tasks.by_rule(
            session,
            actor,
            action.assignee_id,
            title=f"Correct: {action.title}"[:200],
            description="An inspection found this critical item failed.",
            due_at=datetime.combine(action.due_on, ACTION_DUE_AT, ZoneInfo(tenant.timezone)),
            place=(customer.address or customer.name)[:300],
            lon=lon,
            lat=lat,
            push=push,
        )
        action.task_id = task.id
    for action in done.closed:
        if action.task_id is not None:
            tasks.settle_by_rule(
                session,
                actor.tenant_id,
                action.task_id,
                actor.staff_id,
                "passed at a later inspection",
            )
    session.flush()
    return done
