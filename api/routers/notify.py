from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from api.deps import ActorDep, CursorQ, LimitQ, SessionDep, SettingsDep
from api.schemas.common import Page
from api.schemas.notify import (
    InboxItemOut,
    MarkedRead,
    NoticeCreate,
    NoticeOut,
    ReceiptOut,
    TaskCreate,
    TaskEventOut,
    TaskNote,
    TaskOut,
    UnreadCount,
)
from fieldforce.notify import notices, tasks
from fieldforce.notify import service as inbox
from fieldforce.notify.models import ItemKind, Notice, Task, TaskStatus

router = APIRouter(prefix="/api/v1", tags=["inbox and notices"])


@router.get("/inbox", response_model=Page[InboxItemOut])
def list_inbox(
    actor: ActorDep,
    session: SessionDep,
    unread: Annotated[bool, Query(description="only unread items")] = False,
    kind: ItemKind | None = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> object:
    """The caller's own inbox, newest first: notices, tasks, alerts, approvals."""
    return inbox.list_inbox(
        session,
        actor,
        unread_only=unread,
        kind=kind.value if kind else None,
        limit=limit,
        cursor=cursor,
    )


@router.get("/inbox/unread-count", response_model=UnreadCount)
def unread_count(actor: ActorDep, session: SessionDep) -> UnreadCount:
    return UnreadCount(unread=inbox.unread_count(session, actor))


@router.post("/inbox/{item_id}/read", response_model=InboxItemOut)
def mark_read(item_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> object:
    return inbox.mark_read(session, actor, item_id)


@router.post("/inbox/read-all", response_model=MarkedRead)
def mark_all_read(actor: ActorDep, session: SessionDep) -> MarkedRead:
    return MarkedRead(marked=inbox.mark_all_read(session, actor))


def _notices_out(session: Session, page: list[Notice]) -> list[NoticeOut]:
    read = notices.read_counts(session, [n for n in page if n.sent_at])
    out = [NoticeOut.model_validate(n) for n in page]
    for o in out:
        o.read = read.get(o.id, 0)
    return out


def _notice_out(session: Session, notice: Notice) -> NoticeOut:
    return _notices_out(session, [notice])[0]


@router.post("/notices", response_model=NoticeOut, status_code=201)
def compose_notice(
    body: NoticeCreate, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> NoticeOut:
    """Send a business notice to org units (with their subtree unless `include_subtree` is
    false), optionally only to some `roles`, and/or to named `staff_ids`, all within the
    sender's own scope. With `send_at` in the future it waits until then."""
    notice = notices.compose(
        session,
        actor,
        title=body.title,
        body=body.body,
        audience=notices.Audience(
            org_unit_ids=body.org_unit_ids,
            include_subtree=body.include_subtree,
            roles=[r.value for r in body.roles] if body.roles else None,
            staff_ids=body.staff_ids,
        ),
        send_at=body.send_at,
        push=settings.push_enabled,
    )
    return _notice_out(session, notice)


@router.get("/notices", response_model=Page[NoticeOut])
def list_notices(
    actor: ActorDep, session: SessionDep, limit: LimitQ = 50, cursor: CursorQ = None
) -> Page[NoticeOut]:
    """Notices the caller sent (administrators: all of the tenant's), newest first."""
    page = notices.list_notices(session, actor, limit=limit, cursor=cursor)
    return Page[NoticeOut](items=_notices_out(session, page.items), next_cursor=page.next_cursor)


@router.get("/notices/{notice_id}", response_model=NoticeOut)
def get_notice(notice_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> NoticeOut:
    return _notice_out(session, notices.get_notice(session, actor, notice_id))


@router.get("/notices/{notice_id}/receipts", response_model=Page[ReceiptOut])
def notice_receipts(
    notice_id: uuid.UUID,
    actor: ActorDep,
    session: SessionDep,
    read: Annotated[bool | None, Query(description="false: who has not read it yet")] = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> Page[ReceiptOut]:
    """Read receipts: every recipient with the time they read the notice."""
    page = notices.receipts(session, actor, notice_id, read=read, limit=limit, cursor=cursor)
    names = notices.staff_names(session, actor.tenant_id, [i.recipient_id for i in page.items])
    return Page[ReceiptOut](
        items=[
            ReceiptOut(
                staff_id=i.recipient_id,
                name=names.get(i.recipient_id, ""),
                delivered_at=i.created_at,
                read_at=i.read_at,
            )
            for i in page.items
        ],
        next_cursor=page.next_cursor,
    )


@router.post("/notices/{notice_id}/cancel", response_model=NoticeOut)
def cancel_notice(notice_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> NoticeOut:
    """Cancel a scheduled notice before it goes out."""
    return _notice_out(session, notices.cancel(session, actor, notice_id))


def _task_out(session: Session, task: Task, *, with_events: bool = False) -> TaskOut:
    out = TaskOut.model_validate(task)
    out.overdue = bool(
        task.due_at and task.status in tasks.LIVE and task.due_at < datetime.now(UTC)
    )
    if with_events:
        out.events = [TaskEventOut.model_validate(e) for e in tasks.events(session, task)]
    return out


@router.post("/tasks", response_model=TaskOut, status_code=201)
def assign_task(
    body: TaskCreate, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> TaskOut:
    """Give a task to someone in one's scope; they get it in their inbox (and by push) and
    a reminder before `due_at` (the tenant's `task_reminder_before_s`)."""
    task = tasks.assign(
        session,
        actor,
        assignee_id=body.assignee_id,
        title=body.title,
        description=body.description,
        due_at=body.due_at,
        place=body.place,
        lon=body.lon,
        lat=body.lat,
        push=settings.push_enabled,
    )
    return _task_out(session, task, with_events=True)


@router.get("/tasks", response_model=Page[TaskOut])
def list_tasks(
    actor: ActorDep,
    session: SessionDep,
    assignee_id: uuid.UUID | None = None,
    status: TaskStatus | None = None,
    overdue: Annotated[bool, Query(description="live tasks past their due time")] = False,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> Page[TaskOut]:
    """One's own tasks, tasks one gave, and tasks of staff in one's scope, newest first."""
    page = tasks.list_tasks(
        session,
        actor,
        assignee_id=assignee_id,
        status=status.value if status else None,
        overdue=overdue,
        limit=limit,
        cursor=cursor,
    )
    return Page[TaskOut](
        items=[_task_out(session, t) for t in page.items], next_cursor=page.next_cursor
    )


@router.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(task_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> TaskOut:
    """A task with its history: every state change with time and actor."""
    return _task_out(session, tasks.get_task(session, actor, task_id), with_events=True)


def _move(to: TaskStatus, summary: str) -> None:
    def endpoint(
        task_id: uuid.UUID,
        actor: ActorDep,
        session: SessionDep,
        settings: SettingsDep,
        body: TaskNote | None = None,
    ) -> TaskOut:
        note = body.note if body else None
        task = tasks.move(session, actor, task_id, to, note, push=settings.push_enabled)
        return _task_out(session, task, with_events=True)

    verb = {
        TaskStatus.ACKNOWLEDGED: "acknowledge",
        TaskStatus.DONE: "done",
        TaskStatus.CANCELLED: "cancel",
    }[to]
    router.add_api_route(
        f"/tasks/{{task_id}}/{verb}",
        endpoint,
        methods=["POST"],
        response_model=TaskOut,
        summary=summary,
        name=f"task_{verb}",
    )


_move(TaskStatus.ACKNOWLEDGED, "The assignee acknowledges the task")
_move(TaskStatus.DONE, "The assignee reports the task done")
_move(TaskStatus.CANCELLED, "The giver (or a manager of the assignee) cancels the task")
