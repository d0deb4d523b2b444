"""The outbox: messages written in their cause's transaction, delivered by workers.

Delivery is at least once. A worker claims due messages of one channel (push or SMS) with
``FOR UPDATE SKIP LOCKED`` and a lease, commits the claim, sends them and records every
result before claiming the next batch. Two workers never claim the same message; a worker
that dies leaves its claim to expire, and only the batch it was sending is sent again. Each
message carries its idempotency key, so a phone or an SMS gateway can drop a repeat.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.db import owned_session
from fieldforce.logs import get_logger
from fieldforce.notify import sms
from fieldforce.notify.models import OutboxChannel as Channel
from fieldforce.settings import Settings

log = get_logger("fieldforce.outbox")


@dataclass(frozen=True)
class Claimed:
    tenant_id: uuid.UUID
    id: uuid.UUID
    channel: str
    recipient_id: uuid.UUID
    inbox_item_id: uuid.UUID | None
    device_id: uuid.UUID | None
    token: str | None  # push: the device's current token
    phone: str | None  # sms
    gateway: dict[str, Any] | None  # sms: the tenant's gateway settings at claim time
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int


@dataclass(frozen=True)
class Outcome:
    message: Claimed
    sent: bool
    provider_id: str | None = None
    error: str | None = None
    retry: bool = False
    dead_token: bool = False


class Sender(Protocol):
    def send(self, batch: Sequence[Claimed]) -> list[Outcome]: ...


_CLAIM = text("""
    WITH due AS (
        SELECT tenant_id, id FROM outbox_message
         WHERE channel = :channel
           AND ((status = 'pending' AND next_attempt_at <= :now)
                OR (status = 'sending' AND lease_until < :now))
         ORDER BY next_attempt_at
         LIMIT :limit
         FOR UPDATE SKIP LOCKED
    )
    UPDATE outbox_message m
       SET status = 'sending', lease_until = :lease_until, attempts = m.attempts + 1
      FROM due
     WHERE m.tenant_id = due.tenant_id AND m.id = due.id
    RETURNING m.tenant_id, m.id, m.channel, m.recipient_id, m.inbox_item_id, m.device_id,
              m.phone, m.payload, m.idempotency_key, m.attempts,
              (SELECT d.fcm_token FROM device d
                WHERE d.tenant_id = m.tenant_id AND d.id = m.device_id
                  AND d.revoked_at IS NULL) AS token,
              CASE WHEN m.channel = 'sms'
                   THEN (SELECT t.sms_gateway FROM tenant t WHERE t.id = m.tenant_id)
              END AS gateway
""")


def claim(
    factory: sessionmaker[Session],
    settings: Settings,
    now: datetime,
    channel: str = Channel.PUSH,
) -> list[Claimed]:
    """Take up to one batch of due messages of a channel; committed at once so that other
    workers skip them."""
    limit = settings.push_batch if channel == Channel.PUSH else settings.sms_batch
    with owned_session(factory) as session:
        rows = session.execute(
            _CLAIM,
            {
                "channel": str(channel),
                "now": now,
                "limit": limit,
                "lease_until": now + timedelta(seconds=settings.push_lease_s),
            },
        ).all()
    return [
        Claimed(
            tenant_id=r.tenant_id,
            id=r.id,
            channel=r.channel,
            recipient_id=r.recipient_id,
            inbox_item_id=r.inbox_item_id,
            device_id=r.device_id,
            token=r.token,
            phone=r.phone,
            gateway=r.gateway,
            payload=r.payload,
            idempotency_key=r.idempotency_key,
            attempts=r.attempts,
        )
        for r in rows
    ]


def _mark_sent(session: Session, o: Outcome, now: datetime) -> None:
    session.execute(
        text(
            "UPDATE outbox_message SET status = 'sent', sent_at = :now, "
            "provider_id = :pid, lease_until = NULL, last_error = NULL "
            "WHERE tenant_id = :tenant_id AND id = :id"
        ),
        {"tenant_id": o.message.tenant_id, "id": o.message.id, "now": now, "pid": o.provider_id},
    )


def _forget_token(session: Session, m: Claimed, now: datetime) -> None:
    session.execute(
        text(
            "UPDATE device SET fcm_token = NULL, fcm_token_updated_at = :now "
            "WHERE tenant_id = :tenant_id AND id = :device AND fcm_token = :token"
        ),
        {"tenant_id": m.tenant_id, "device": m.device_id, "token": m.token, "now": now},
    )


def _retry_later(session: Session, o: Outcome, settings: Settings, now: datetime) -> None:
    m = o.message
    delay = min(settings.push_backoff_cap_s, settings.push_backoff_s * 2 ** (m.attempts - 1))
    session.execute(
        text(
            "UPDATE outbox_message SET status = 'pending', lease_until = NULL, "
            "next_attempt_at = :at, last_error = :error "
            "WHERE tenant_id = :tenant_id AND id = :id"
        ),
        {
            "tenant_id": m.tenant_id,
            "id": m.id,
            "at": now + timedelta(seconds=delay),
            "error": o.error,
        },
    )


def _give_up(session: Session, o: Outcome) -> None:
    m = o.message
    reason = o.error if not o.retry else f"gave up after {m.attempts} attempts: {o.error}"
    session.execute(
        text(
            "UPDATE outbox_message SET status = 'dead', lease_until = NULL, "
            "last_error = :error WHERE tenant_id = :tenant_id AND id = :id"
        ),
        {"tenant_id": m.tenant_id, "id": m.id, "error": reason},
    )


def record(
    factory: sessionmaker[Session],
    settings: Settings,
    outcomes: Sequence[Outcome],
    now: datetime,
) -> None:
    """Store what happened to a batch. A push to an inbox item that failed for good, with
    no other push for that item left, falls back to SMS when the tenant has a gateway."""
    with owned_session(factory) as session:
        for o in outcomes:
            m = o.message
            if o.sent:
                _mark_sent(session, o, now)
                continue
            if o.dead_token and m.token:
                _forget_token(session, m, now)
            if o.retry and m.attempts < settings.push_max_attempts:
                _retry_later(session, o, settings, now)
                continue
            _give_up(session, o)
            if m.channel == Channel.PUSH and m.inbox_item_id is not None:
                sms.fall_back_after_push(session, m)


def deliver_due(
    factory: sessionmaker[Session],
    senders: Mapping[str, Sender],
    settings: Settings,
    now: datetime | None = None,
) -> int:
    """Claim, send and record one batch per channel that has a sender. Returns how many
    messages were handled."""
    handled = 0
    for channel, sender in senders.items():
        batch = claim(factory, settings, now or datetime.now(UTC), channel)
        if not batch:
            continue
        outcomes = sender.send(batch)
        record(factory, settings, outcomes, datetime.now(UTC))
        handled += len(batch)
    return handled


class OutboxWorker:
    """Delivers due messages until stopped; runs inside `fieldforce serve` and as
    `fieldforce worker`. Several may run at once."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        senders: Mapping[str, Sender],
        settings: Settings,
        idle_s: float = 1.0,
    ) -> None:
        self.factory, self.senders, self.settings, self.idle_s = factory, senders, settings, idle_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="fieldforce-outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                handled = deliver_due(self.factory, self.senders, self.settings)
            except Exception:
                log.exception("outbox_batch_failed")
                handled = 0
            if not handled:
                self._stop.wait(self.idle_s)
