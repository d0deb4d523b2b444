"""SMS fallback (短信平台) through the tenant's own HTTP gateway.

A recipient with no phone that can take a push (or every recipient, when push is off) gets
an SMS instead, and so does one whose pushes all failed for good. The tenant configures the
gateway: its URL, an auth header, the request body as a template and the text of the
message as a template. The text is written when the SMS is queued; the request is built
from the gateway settings current when it is sent, so fixing a template fixes what waits.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from string import Template
from typing import TYPE_CHECKING, Any

from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fieldforce.devices.models import Device
from fieldforce.errors import NotFound
from fieldforce.notify.models import InboxItem, ItemKind, OutboxChannel, OutboxMessage
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.outbound import HttpGateway, OutboundPolicy, check_template
from fieldforce.tenancy import gateways
from fieldforce.tenancy.models import Tenant

if TYPE_CHECKING:
    from fieldforce.notify.outbox import Claimed

BODY_FIELDS = {"phone", "text", "message_id"}
TEXT_FIELDS = {"title", "body", "kind", "name"}
_SAMPLE = {"phone": "+8613800000000", "text": 'A "quoted"\nline & more', "message_id": "sms:x"}


class SmsGateway(HttpGateway):
    """How to reach the tenant's SMS platform. ``auth_value`` is a secret: stored, never
    shown again."""

    body_template: str = Field(
        default='{"to": "$phone", "text": "$text", "id": "$message_id"}', max_length=4000
    )
    text_template: str = Field(default="$title: $body", max_length=1000)
    max_length: int = Field(default=500, ge=20, le=2000)
    kinds: list[ItemKind] | None = None  # which inbox items may go by SMS; None: all

    @field_validator("body_template")
    @classmethod
    def _body(cls, template: str) -> str:
        return check_template(template, BODY_FIELDS, {"phone", "text"}, "body_template")

    @field_validator("text_template")
    @classmethod
    def _text(cls, template: str) -> str:
        return check_template(template, TEXT_FIELDS, set(), "text_template")

    @model_validator(mode="after")
    def _body_fits_content_type(self) -> SmsGateway:
        if self.content_type == "json":
            try:
                json.loads(self.render_body(**_SAMPLE))
            except ValueError as exc:
                raise ValueError(
                    f"body_template does not give JSON once filled in ({exc}); "
                    'put placeholders inside quotes, e.g. {"to": "$phone"}'
                ) from exc
        return self

    def allows(self, kind: str) -> bool:
        return self.enabled and (self.kinds is None or kind in self.kinds)

    def render_text(self, *, title: str, body: str, kind: str, name: str) -> str:
        text = Template(self.text_template).substitute(title=title, body=body, kind=kind, name=name)
        text = " ".join(text.split())  # one line: SMS has no layout
        if len(text) > self.max_length:
            text = text[: self.max_length - 1] + "…"
        return text

    def render_body(self, *, phone: str, text: str, message_id: str) -> str:
        """The request body with each value escaped for the content type."""
        return self.fill({"phone": phone, "text": text, "message_id": message_id})


def dial_string(phone: str) -> str:
    """What the gateway gets: the stored number without spaces and dashes."""
    return re.sub(r"[\s-]", "", phone)


def parse_gateway(stored: dict[str, Any] | None) -> SmsGateway | None:
    return SmsGateway.model_validate(stored) if stored else None


def describe(exc: ValidationError) -> str:
    """Where and why settings are invalid, never the values (the auth value is a secret)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
        for e in exc.errors(include_url=False, include_input=False, include_context=False)
    )


def tenant_gateway(session: Session, tenant_id: uuid.UUID) -> SmsGateway | None:
    return parse_gateway(session.scalar(select(Tenant.sms_gateway).where(Tenant.id == tenant_id)))


# --- configuration (admins) ---


def get_gateway(session: Session, actor: Actor) -> SmsGateway:
    actor.require_admin()
    gateway = tenant_gateway(session, actor.tenant_id)
    if gateway is None:
        raise NotFound("no SMS gateway is configured", code="no_sms_gateway")
    return gateway


def set_gateway(
    session: Session, actor: Actor, changes: dict[str, Any], outbound: OutboundPolicy
) -> SmsGateway:
    """Replace the gateway settings. Leaving ``auth_value`` out keeps the stored secret, so a
    template can be changed without typing the secret again. A URL whose host is an address
    (or name) the server may not call is refused."""
    return gateways.replace(session, actor, "sms_gateway", SmsGateway, changes, outbound)


def remove_gateway(session: Session, actor: Actor) -> None:
    gateways.remove(session, actor, "sms_gateway")


# --- queueing ---


def enqueue(
    session: Session,
    tenant_id: uuid.UUID,
    items: Iterable[tuple[uuid.UUID, uuid.UUID]],
    *,
    title: str,
    body: str,
    kind: str,
    unless_push: bool,
    gateway: SmsGateway | None = None,
) -> int:
    """One SMS per (recipient, inbox item) to recipients with a phone number, when the
    tenant's gateway (looked up unless given) takes this kind of item. With
    ``unless_push``, only to recipients none of whose devices can take a push. Returns how
    many were queued."""
    by_recipient = dict(items)
    if not by_recipient:
        return 0
    gateway = gateway or tenant_gateway(session, tenant_id)
    if gateway is None or not gateway.allows(kind):
        return 0
    stmt = select(Staff.id, Staff.name, Staff.phone).where(
        Staff.tenant_id == tenant_id,
        Staff.id.in_(by_recipient),
        Staff.active.is_(True),
        func.coalesce(Staff.phone, "") != "",
    )
    if unless_push:
        stmt = stmt.where(
            ~exists().where(
                Device.tenant_id == Staff.tenant_id,
                Device.staff_id == Staff.id,
                Device.revoked_at.is_(None),
                Device.fcm_token.is_not(None),
            )
        )
    rows = [
        {
            "tenant_id": tenant_id,
            "channel": OutboxChannel.SMS.value,
            "recipient_id": staff_id,
            "device_id": None,
            "phone": dial_string(phone or ""),
            "inbox_item_id": by_recipient[staff_id],
            "idempotency_key": f"sms:{by_recipient[staff_id]}",
            "payload": {
                "kind": kind,
                "text": gateway.render_text(title=title, body=body, kind=kind, name=name),
            },
        }
        for staff_id, name, phone in session.execute(stmt).all()
    ]
    if not rows:
        return 0
    inserted = session.execute(
        insert(OutboxMessage)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["tenant_id", "idempotency_key"])
        .returning(OutboxMessage.id)
    ).all()
    return len(inserted)


def fall_back_after_push(session: Session, message: Claimed) -> bool:
    """A push to an inbox item failed for good. When no other push for that item was sent
    or is still on its way, queue one SMS instead. Serialized per item, so two workers
    finishing the last two pushes of one item at once still queue it."""
    item_id = message.inbox_item_id
    assert item_id is not None
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(str(item_id), 0))))
    pushes_left = session.scalar(
        select(
            exists().where(
                OutboxMessage.tenant_id == message.tenant_id,
                OutboxMessage.inbox_item_id == item_id,
                OutboxMessage.channel == OutboxChannel.PUSH.value,
                OutboxMessage.status != "dead",
            )
        )
    )
    if pushes_left:
        return False
    item = session.get(InboxItem, (message.tenant_id, item_id))
    if item is None:
        return False
    return (
        enqueue(
            session,
            message.tenant_id,
            [(item.recipient_id, item.id)],
            title=item.title,
            body=item.body,
            kind=item.kind,
            unless_push=False,
        )
        > 0
    )
