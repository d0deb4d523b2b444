"""Push through Firebase Cloud Messaging: enqueue in the outbox, deliver with a worker.

Delivery is at least once. A worker claims due messages with ``FOR UPDATE SKIP LOCKED`` and
a lease, commits the claim, sends them with ``send_each`` in batches of at most 500 and
records every result before sending the next batch. Two workers never claim the same
message; a worker that dies leaves its claim to expire, and only the batch it was sending
is sent again. Each message carries its idempotency key, so a phone can drop a repeat.
"""

from __future__ import annotations

import threading
import uuid
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import firebase_admin
from firebase_admin import credentials, exceptions, messaging
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.db import owned_session
from fieldforce.devices.models import Device
from fieldforce.logs import get_logger
from fieldforce.notify.models import OutboxMessage
from fieldforce.settings import Settings

log = get_logger("fieldforce.push")

# FCM answers meaning this token will never work again: forget it.
DEAD_TOKEN = (
    messaging.UnregisteredError,
    messaging.SenderIdMismatchError,
    exceptions.InvalidArgumentError,
)
# Worth another try later.
TRANSIENT = (
    exceptions.UnavailableError,
    exceptions.InternalError,
    exceptions.DeadlineExceededError,
    exceptions.ResourceExhaustedError,
    messaging.QuotaExceededError,
)


def enqueue(
    session: Session,
    tenant_id: uuid.UUID,
    items: Iterable[tuple[uuid.UUID, uuid.UUID]],
    *,
    title: str,
    body: str,
    data: dict[str, str],
) -> int:
    """One push per (recipient, inbox item) to each of the recipient's phones that has a
    push token. Returns how many were queued."""
    by_recipient = dict(items)
    if not by_recipient:
        return 0
    devices = session.execute(
        select(Device.id, Device.staff_id).where(
            Device.tenant_id == tenant_id,
            Device.staff_id.in_(by_recipient),
            Device.revoked_at.is_(None),
            Device.fcm_token.is_not(None),
        )
    ).all()
    rows = [
        {
            "tenant_id": tenant_id,
            "recipient_id": staff_id,
            "device_id": device_id,
            "inbox_item_id": by_recipient[staff_id],
            "idempotency_key": f"inbox:{by_recipient[staff_id]}:{device_id}",
            "payload": {
                "title": title,
                "body": body,
                "data": {**data, "inbox_item_id": str(by_recipient[staff_id])},
            },
        }
        for device_id, staff_id in devices
    ]
    if rows:
        session.execute(insert(OutboxMessage), rows)
    return len(rows)


def enqueue_command(
    session: Session, device: Device, data: dict[str, str], idempotency_key: str
) -> bool:
    """A silent data message to one phone (no notification shown), e.g. "locate now".
    False when the phone has no push token."""
    if device.fcm_token is None or device.revoked_at is not None:
        return False
    session.add(
        OutboxMessage(
            tenant_id=device.tenant_id,
            recipient_id=device.staff_id,
            device_id=device.id,
            inbox_item_id=None,
            idempotency_key=idempotency_key,
            payload={"data_only": True, "data": data},
        )
    )
    session.flush()
    return True


@dataclass(frozen=True)
class Claimed:
    tenant_id: uuid.UUID
    id: uuid.UUID
    device_id: uuid.UUID
    token: str | None
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
         WHERE (status = 'pending' AND next_attempt_at <= :now)
            OR (status = 'sending' AND lease_until < :now)
         ORDER BY next_attempt_at
         LIMIT :limit
         FOR UPDATE SKIP LOCKED
    )
    UPDATE outbox_message m
       SET status = 'sending', lease_until = :lease_until, attempts = m.attempts + 1
      FROM due
     WHERE m.tenant_id = due.tenant_id AND m.id = due.id
    RETURNING m.tenant_id, m.id, m.device_id, m.payload, m.idempotency_key, m.attempts,
              (SELECT d.fcm_token FROM device d
                WHERE d.tenant_id = m.tenant_id AND d.id = m.device_id
                  AND d.revoked_at IS NULL) AS token
""")


def claim(factory: sessionmaker[Session], settings: Settings, now: datetime) -> list[Claimed]:
    """Take up to one batch of due messages; committed at once so others skip them."""
    with owned_session(factory) as session:
        rows = session.execute(
            _CLAIM,
            {
                "now": now,
                "limit": settings.push_batch,
                "lease_until": now + timedelta(seconds=settings.push_lease_s),
            },
        ).all()
    return [
        Claimed(r.tenant_id, r.id, r.device_id, r.token, r.payload, r.idempotency_key, r.attempts)
        for r in rows
    ]


def record(
    factory: sessionmaker[Session],
    settings: Settings,
    outcomes: Sequence[Outcome],
    now: datetime,
) -> None:
    with owned_session(factory) as session:
        for o in outcomes:
            m = o.message
            key = {"tenant_id": m.tenant_id, "id": m.id}
            if o.sent:
                session.execute(
                    text(
                        "UPDATE outbox_message SET status = 'sent', sent_at = :now, "
                        "provider_id = :pid, lease_until = NULL, last_error = NULL "
                        "WHERE tenant_id = :tenant_id AND id = :id"
                    ),
                    {**key, "now": now, "pid": o.provider_id},
                )
                continue
            if o.dead_token and m.token:
                session.execute(
                    text(
                        "UPDATE device SET fcm_token = NULL, fcm_token_updated_at = :now "
                        "WHERE tenant_id = :tenant_id AND id = :device AND fcm_token = :token"
                    ),
                    {"tenant_id": m.tenant_id, "device": m.device_id, "token": m.token, "now": now},
                )
            if o.retry and m.attempts < settings.push_max_attempts:
                delay = min(
                    settings.push_backoff_cap_s, settings.push_backoff_s * 2 ** (m.attempts - 1)
                )
                session.execute(
                    text(
                        "UPDATE outbox_message SET status = 'pending', lease_until = NULL, "
                        "next_attempt_at = :at, last_error = :error "
                        "WHERE tenant_id = :tenant_id AND id = :id"
                    ),
                    {**key, "at": now + timedelta(seconds=delay), "error": o.error},
                )
            else:
                reason = (
                    o.error if not o.retry else f"gave up after {m.attempts} attempts: {o.error}"
                )
                session.execute(
                    text(
                        "UPDATE outbox_message SET status = 'dead', lease_until = NULL, "
                        "last_error = :error WHERE tenant_id = :tenant_id AND id = :id"
                    ),
                    {**key, "error": reason},
                )


def deliver_due(
    factory: sessionmaker[Session],
    sender: Sender,
    settings: Settings,
    now: datetime | None = None,
) -> int:
    """Claim, send and record one batch. Returns how many messages were handled."""
    batch = claim(factory, settings, now or datetime.now(UTC))
    if not batch:
        return 0
    without_token = [
        Outcome(m, sent=False, error="the device has no push token") for m in batch if not m.token
    ]
    outcomes = sender.send([m for m in batch if m.token]) + without_token
    record(factory, settings, outcomes, datetime.now(UTC))
    return len(batch)


class FcmSender:
    """Firebase Admin SDK, one app per sender (credentials from a service-account file)."""

    def __init__(self, settings: Settings) -> None:
        assert settings.fcm_credentials_file is not None
        if settings.fcm_url:
            # the SDK reads its endpoint from this class attribute when a client is made
            messaging._MessagingService.FCM_URL = settings.fcm_url
        cred = credentials.Certificate(str(settings.fcm_credentials_file))
        self.app = firebase_admin.initialize_app(cred, name=f"fieldforce-{uuid.uuid4().hex}")

    def close(self) -> None:
        firebase_admin.delete_app(self.app)

    @staticmethod
    def _message(m: Claimed) -> messaging.Message:
        data = {k: str(v) for k, v in (m.payload.get("data") or {}).items()}
        data["idempotency_key"] = m.idempotency_key
        silent = bool(m.payload.get("data_only"))
        notification = (
            None
            if silent
            else messaging.Notification(title=m.payload.get("title"), body=m.payload.get("body"))
        )
        # Phones and tracker apps report FCM registration tokens; newer SDKs prefer
        # installation ids (``fid``) and warn about ``token``, which FCM still accepts.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Message.token is deprecated", DeprecationWarning)
            return messaging.Message(
                token=m.token,
                data=data,
                notification=notification,
                android=messaging.AndroidConfig(
                    priority="high", collapse_key=m.idempotency_key[:64]
                ),
            )

    def send(self, batch: Sequence[Claimed]) -> list[Outcome]:
        if not batch:
            return []
        response = messaging.send_each([self._message(m) for m in batch], app=self.app)
        outcomes = []
        for m, r in zip(batch, response.responses, strict=True):
            if r.success:
                outcomes.append(Outcome(m, sent=True, provider_id=r.message_id))
                continue
            err = r.exception
            code = getattr(err, "code", type(err).__name__)
            outcomes.append(
                Outcome(
                    m,
                    sent=False,
                    error=f"{code}: {err}"[:500],
                    retry=isinstance(err, TRANSIENT),
                    dead_token=isinstance(err, DEAD_TOKEN),
                )
            )
        return outcomes


class PushWorker:
    """Delivers due pushes until stopped; runs inside `fieldforce serve` and as
    `fieldforce worker`. Several may run at once."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        sender: Sender,
        settings: Settings,
        idle_s: float = 1.0,
    ) -> None:
        self.factory, self.sender, self.settings, self.idle_s = factory, sender, settings, idle_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="fieldforce-push", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                handled = deliver_due(self.factory, self.sender, self.settings)
            except Exception:
                log.exception("push_batch_failed")
                handled = 0
            if not handled:
                self._stop.wait(self.idle_s)
