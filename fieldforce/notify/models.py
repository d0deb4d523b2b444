"""The in-app inbox every notice, task, alert and approval lands in, and business notices."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned


class ItemKind(StrEnum):
    NOTICE = "notice"
    TASK = "task"
    ALERT = "alert"
    APPROVAL = "approval"
    SYSTEM = "system"


class InboxItem(TenantOwned, Base):
    """One message to one staff member. Push is only a nudge; this is the record."""

    __tablename__ = "inbox_item"

    recipient_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    source_id: Mapped[uuid.UUID | None]  # the notice, task… this item is about
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "recipient_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
        ),
        Index("ix_inbox_item_recipient_created", "tenant_id", "recipient_id", "created_at", "id"),
        Index(
            "ix_inbox_item_unread",
            "tenant_id",
            "recipient_id",
            postgresql_where=text("read_at IS NULL"),
        ),
        Index("ix_inbox_item_source", "tenant_id", "source_id"),
    )


class Notice(TenantOwned, Base):
    """A business notice (业务通知) to an audience: org units (with or without their
    subtree), roles, named staff. Sent now or at a set time."""

    __tablename__ = "notice"

    sender_id: Mapped[uuid.UUID]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    audience: Mapped[dict[str, Any]] = mapped_column(JSONB)
    send_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "sender_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
        ),
        Index("ix_notice_tenant_id_created_at", "tenant_id", "created_at", "id"),
        Index(
            "ix_notice_due",
            "send_at",
            postgresql_where=text("sent_at IS NULL AND cancelled_at IS NULL"),
        ),
    )


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"
    DEAD = "dead"  # given up, with the reason in last_error


class OutboxChannel(StrEnum):
    PUSH = "push"  # to one device, through FCM
    SMS = "sms"  # to one phone number, through the tenant's SMS gateway


class OutboxMessage(TenantOwned, Base):
    """A push to one device or an SMS to one number, written in the same transaction as its
    cause and delivered by a worker. ``idempotency_key`` travels in the message so the
    phone (or the SMS gateway) can drop a repeat."""

    __tablename__ = "outbox_message"

    channel: Mapped[str] = mapped_column(
        String(8), default=OutboxChannel.PUSH.value, server_default=OutboxChannel.PUSH.value
    )
    recipient_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID | None]
    phone: Mapped[str | None] = mapped_column(String(32))
    inbox_item_id: Mapped[uuid.UUID | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        ForeignKeyConstraint(
            ["tenant_id", "device_id"], ["device.tenant_id", "device.id"], ondelete="CASCADE"
        ),
        CheckConstraint(
            "(channel = 'push' AND device_id IS NOT NULL) "
            "OR (channel = 'sms' AND phone IS NOT NULL)",
            name="channel_target",
        ),
        Index(
            "ix_outbox_message_due",
            "channel",
            "next_attempt_at",
            postgresql_where=text("status IN ('pending', 'sending')"),
        ),
    )


class TaskStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DONE = "done"
    CANCELLED = "cancelled"


class Task(TenantOwned, Base):
    """A work task (工作任务) given to one staff member, optionally at a place."""

    __tablename__ = "task"

    assigner_id: Mapped[uuid.UUID]
    assignee_id: Mapped[uuid.UUID]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    place: Mapped[str | None] = mapped_column(String(300))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.OPEN.value)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), onupdate=func.now()
    )

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "assignee_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
        ),
        Index("ix_task_tenant_id_assignee_id_status", "tenant_id", "assignee_id", "status"),
        Index("ix_task_tenant_id_created_at", "tenant_id", "created_at", "id"),
        Index(
            "ix_task_due",
            "due_at",
            postgresql_where=text("status IN ('open', 'acknowledged') AND reminded_at IS NULL"),
        ),
    )


class TaskEvent(TenantOwned, Base):
    """Each change of a task's state, with who and when."""

    __tablename__ = "task_event"

    task_id: Mapped[uuid.UUID]
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    actor_id: Mapped[uuid.UUID | None]
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "task_id"], ["task.tenant_id", "task.id"], ondelete="CASCADE"
        ),
        Index("ix_task_event_tenant_id_task_id", "tenant_id", "task_id", "at"),
    )
