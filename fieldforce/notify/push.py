"""Push through Firebase Cloud Messaging: what goes into the outbox, and the sender the
outbox worker uses (``send_each`` in batches of at most 500)."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterable, Sequence

import firebase_admin
from firebase_admin import credentials, exceptions, messaging
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fieldforce.devices.models import Device
from fieldforce.notify.models import OutboxChannel, OutboxMessage
from fieldforce.notify.outbox import Claimed, Outcome
from fieldforce.settings import Settings

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
            "channel": OutboxChannel.PUSH.value,
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
        outcomes = [
            Outcome(m, sent=False, error="the device has no push token")
            for m in batch
            if not m.token
        ]
        batch = [m for m in batch if m.token]
        if not batch:
            return outcomes
        try:
            response = messaging.send_each([self._message(m) for m in batch], app=self.app)
        except exceptions.FirebaseError as failure:
            # The call failed as a whole (e.g. the OAuth token could not be fetched): every
            # message is tried again later rather than left claimed until its lease ends.
            # A message FCM took before the failure may then be shown twice; phones drop
            # the second by its idempotency_key.
            error = f"{getattr(failure, 'code', type(failure).__name__)}: {failure}"[:500]
            return outcomes + [Outcome(m, sent=False, error=error, retry=True) for m in batch]
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
