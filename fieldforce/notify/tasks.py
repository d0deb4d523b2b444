"""Work tasks (工作任务): given by supervisors, managers and admins to staff in their scope;
open → acknowledged → done, or cancelled, each step with time and actor; the assignee is
told on assignment and reminded before the due time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.errors import Conflict, Forbidden, Invalid, NotFound
from fieldforce.notify.models import ItemKind, Task, TaskEvent, TaskStatus
from fieldforce.notify.service import deliver
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate
from fieldforce.tenancy.models import Module, Tenant, TenantSettings

LIVE = (TaskStatus.OPEN.value, TaskStatus.ACKNOWLEDGED.value)
# who may move a task from a state to another: "assignee" or "giver"
TRANSITIONS: dict[tuple[str, str], str] = {
    (TaskStatus.OPEN, TaskStatus.ACKNOWLEDGED): "assignee",
    (TaskStatus.OPEN, TaskStatus.DONE): "assignee",
    (TaskStatus.ACKNOWLEDGED, TaskStatus.DONE): "assignee",
    (TaskStatus.OPEN, TaskStatus.CANCELLED): "giver",
    (TaskStatus.ACKNOWLEDGED, TaskStatus.CANCELLED): "giver",
}


def _event(
    session: Session,
    task: Task,
    actor_id: uuid.UUID | None,
    from_status: str | None,
    to_status: str,
    note: str | None = None,
) -> None:
    session.add(
        TaskEvent(
            tenant_id=task.tenant_id,
            task_id=task.id,
            actor_id=actor_id,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
    )


def assign(
    session: Session,
    actor: Actor,
    *,
    assignee_id: uuid.UUID,
    title: str,
    description: str = "",
    due_at: datetime | None = None,
    place: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    push: bool,
) -> Task:
    actor.require_module(Module.NOTICES.value)
    assignee = actor.require_directs_staff(session, assignee_id, oneself_allowed=True)
    return _create(session, actor, assignee, title, description, due_at, place, lon, lat, push)


def for_oneself(
    session: Session,
    actor: Actor,
    *,
    title: str,
    description: str = "",
    due_at: datetime | None = None,
    place: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    push: bool,
) -> Task:
    """A task anyone sets themselves from their own work (a visit's next follow-up)."""
    actor.require_module(Module.NOTICES.value)
    me = session.get(Staff, (actor.tenant_id, actor.staff_id))
    assert me is not None
    return _create(session, actor, me, title, description, due_at, place, lon, lat, push)


def by_rule(
    session: Session,
    actor: Actor,
    assignee_id: uuid.UUID,
    *,
    title: str,
    description: str = "",
    due_at: datetime | None = None,
    place: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    push: bool,
) -> Task:
    """A task the tenant's rules give (an outlet's owner must correct what an inspection
    found): the person is chosen by the rule, not by the caller, so no directing is asked."""
    actor.require_module(Module.NOTICES.value)
    assignee = session.get(Staff, (actor.tenant_id, assignee_id))
    if assignee is None:
        raise NotFound("no such staff member", details={"staff_id": str(assignee_id)})
    return _create(session, actor, assignee, title, description, due_at, place, lon, lat, push)


def settle_by_rule(
    session: Session, tenant_id: uuid.UUID, task_id: uuid.UUID, by: uuid.UUID, note: str
) -> None:
    """A rule's task done because the rule says so (a later inspection passed the item)."""
    task = session.scalar(
        select(Task).where(Task.tenant_id == tenant_id, Task.id == task_id).with_for_update()
    )
    if task is None or task.status not in LIVE:
        return
    previous, task.status = task.status, TaskStatus.DONE.value
    _event(session, task, by, previous, TaskStatus.DONE.value, note)
    session.flush()


def _create(
    session: Session,
    actor: Actor,
    assignee: Staff,
    title: str,
    description: str,
    due_at: datetime | None,
    place: str | None,
    lon: float | None,
    lat: float | None,
    push: bool,
) -> Task:
    if not assignee.active:
        raise Invalid("tasks cannot be given to inactive staff", code="inactive_staff")
    if (lon is None) != (lat is None):
        raise Invalid("a task's location needs both lon and lat", code="invalid_location")
    if due_at is not None and due_at <= datetime.now(UTC):
        raise Invalid("the due time has already passed", code="due_in_past")
    task = Task(
        tenant_id=actor.tenant_id,
        assigner_id=actor.staff_id,
        assignee_id=assignee.id,
        title=title,
        description=description,
        due_at=due_at,
        place=place,
        lon=lon,
        lat=lat,
        status=TaskStatus.OPEN.value,
    )
    session.add(task)
    session.flush()
    _event(session, task, actor.staff_id, None, TaskStatus.OPEN.value)
    deliver(
        session,
        actor.tenant_id,
        [assignee.id],
        kind=ItemKind.TASK.value,
        title=f"New task: {title}",
        body=description or title,
        data={"task_id": str(task.id), "due_at": due_at.isoformat() if due_at else ""},
        source_id=task.id,
        push=push,
    )
    audit.record_by(
        session,
        actor,
        "task.assign",
        "task",
        task.id,
        {"assignee_id": assignee.id, "title": title, "due_at": due_at},
    )
    return task


def _scope(actor: Actor) -> ColumnElement[bool]:
    """Tasks one may see: one's own, ones one gave, and those of staff in one's scope."""
    in_scope = Task.assignee_id.in_(select(Staff.id).where(actor.staff_clause()))
    return (Task.tenant_id == actor.tenant_id) & (in_scope | (Task.assigner_id == actor.staff_id))


def get_task(session: Session, actor: Actor, task_id: uuid.UUID, *, lock: bool = False) -> Task:
    actor.require_module(Module.NOTICES.value)
    stmt = select(Task).where(Task.id == task_id, _scope(actor))
    task = session.scalar(stmt.with_for_update() if lock else stmt)
    if task is None:
        raise NotFound("no such task", details={"task_id": str(task_id)})
    return task


def events(session: Session, task: Task) -> list[TaskEvent]:
    return list(
        session.scalars(
            select(TaskEvent)
            .where(TaskEvent.tenant_id == task.tenant_id, TaskEvent.task_id == task.id)
            .order_by(TaskEvent.at, TaskEvent.id)
        )
    )


def move(
    session: Session,
    actor: Actor,
    task_id: uuid.UUID,
    to: TaskStatus,
    note: str | None = None,
    *,
    push: bool,
) -> Task:
    """Change a task's state. The row is locked, so two clicks decide once."""
    task = get_task(session, actor, task_id, lock=True)
    who = TRANSITIONS.get((TaskStatus(task.status), to))
    if who is None:
        raise Conflict(
            f"a task that is {task.status} cannot become {to.value}", code="invalid_transition"
        )
    if who == "assignee" and task.assignee_id != actor.staff_id:
        raise Forbidden("only the assignee can do this")
    if who == "giver" and task.assigner_id != actor.staff_id:
        # the giver, or anyone who may manage the assignee, may cancel
        actor.require_can_manage_staff(session, actor.visible_staff(session, task.assignee_id))
    previous = task.status
    task.status = to.value
    _event(session, task, actor.staff_id, previous, to.value, note)
    session.flush()
    tell = set()  # the giver learns the outcome; the assignee learns of a cancellation
    if to in (TaskStatus.DONE, TaskStatus.CANCELLED):
        tell.add(task.assigner_id)
    if to is TaskStatus.CANCELLED:
        tell.add(task.assignee_id)
    tell.discard(actor.staff_id)
    if tell:
        deliver(
            session,
            task.tenant_id,
            sorted(tell),
            kind=ItemKind.TASK.value,
            title=f"Task {to.value}: {task.title}",
            body=note or task.title,
            data={"task_id": str(task.id), "status": to.value},
            source_id=task.id,
            push=push,
        )
    audit.record_by(session, actor, f"task.{to.value}", "task", task.id, {"note": note})
    return task


def list_tasks(
    session: Session,
    actor: Actor,
    *,
    assignee_id: uuid.UUID | None = None,
    status: str | None = None,
    overdue: bool = False,
    now: datetime | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Task]:
    actor.require_module(Module.NOTICES.value)
    stmt = select(Task).where(_scope(actor))
    if assignee_id is not None:
        stmt = stmt.where(Task.assignee_id == assignee_id)
    if status is not None:
        stmt = stmt.where(Task.status == status)
    if overdue:
        stmt = stmt.where(Task.status.in_(LIVE), Task.due_at < (now or datetime.now(UTC)))
    return paginate(
        session, stmt, [Task.created_at, Task.id], limit=limit, cursor=cursor, descending=True
    )


def send_due_reminders(session: Session, now: datetime, *, push: bool) -> int:
    """Remind assignees of live tasks due within their tenant's reminder lead, once. Safe
    with several processes (SKIP LOCKED)."""
    rows = session.execute(
        select(Task, Tenant.settings)
        .join(Tenant, Tenant.id == Task.tenant_id)
        .where(
            Task.status.in_(LIVE),
            Task.reminded_at.is_(None),
            Task.due_at.is_not(None),
            Task.due_at <= now + timedelta(days=7),
        )
        .order_by(Task.due_at)
        .limit(500)
        .with_for_update(of=Task, skip_locked=True)
    ).all()
    sent = 0
    for task, settings in rows:
        lead = TenantSettings.model_validate(settings or {}).task_reminder_before_s
        assert task.due_at is not None
        if task.due_at - timedelta(seconds=lead) > now:
            continue
        deliver(
            session,
            task.tenant_id,
            [task.assignee_id],
            kind=ItemKind.TASK.value,
            title=f"Due soon: {task.title}",
            body=f"Due at {task.due_at.isoformat()}",
            source_id=task.id,
            data={"task_id": str(task.id), "due_at": task.due_at.isoformat()},
            push=push,
        )
        task.reminded_at = now
        sent += 1
    session.flush()
    return sent
