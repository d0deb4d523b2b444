"""Sending queued SMS through the tenant's HTTP gateway.

Every message is handled on its own: whatever goes wrong with one (its tenant's settings,
its gateway, an unexpected error) fails or delays that message with the reason, and the
rest of the batch goes on. Gateways are reached only through the outbound policy
(fieldforce.outbound), and what a gateway answers is kept as a short excerpt.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from pydantic import ValidationError

from fieldforce import outbound
from fieldforce.logs import get_logger
from fieldforce.notify.outbox import Claimed, Outcome
from fieldforce.notify.sms import SmsGateway, describe, parse_gateway
from fieldforce.outbound import DestinationRefused, OutboundPolicy
from fieldforce.settings import Settings

log = get_logger("fieldforce.sms")

# Answers that may go better later; any other 4xx will not.
_RETRY_STATUS = {408, 425, 429}


@dataclass(frozen=True)
class GatewayAnswer:
    sent: bool
    status: int | None  # None: no HTTP answer at all
    detail: str  # an excerpt of the gateway's answer, or why there was none
    retry: bool


def post(
    client: httpx.Client, gateway: SmsGateway, phone: str, text: str, message_id: str
) -> GatewayAnswer:
    """One request to the gateway: any 2xx means it took the message. Redirects are
    answers like any other non-2xx: not followed."""
    try:
        answer = outbound.post(
            client,
            str(gateway.url),
            content=gateway.render_body(phone=phone, text=text, message_id=message_id).encode(),
            headers=gateway.headers(message_id),
            timeout=gateway.timeout_s,
        )
    except DestinationRefused as exc:
        return GatewayAnswer(False, None, f"refused: {exc.message}", retry=False)
    except httpx.TimeoutException:
        return GatewayAnswer(False, None, f"no answer within {gateway.timeout_s:g} s", retry=True)
    except httpx.HTTPError as exc:
        reason = outbound.excerpt(f"{type(exc).__name__}: {exc}")
        return GatewayAnswer(False, None, reason, retry=True)
    if 200 <= answer.status < 300:
        return GatewayAnswer(True, answer.status, answer.excerpt, retry=False)
    retry = answer.status in _RETRY_STATUS or answer.status >= 500
    return GatewayAnswer(False, answer.status, answer.excerpt, retry=retry)


class SmsSender:
    """Sends a claimed batch a few requests at a time. A message whose turn comes when the
    claim is about to run out is handed back instead, so that no other worker sends it
    while this one still might."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = settings.outbound_policy.client()
        self.pool = ThreadPoolExecutor(settings.sms_concurrency, thread_name_prefix="sms")

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.client.close()

    def send(self, batch: Sequence[Claimed]) -> list[Outcome]:
        deadline = time.monotonic() + self.settings.push_lease_s * 0.75
        return list(self.pool.map(lambda m: self._send_one_safely(m, deadline), batch))

    def _send_one_safely(self, m: Claimed, deadline: float) -> Outcome:
        try:
            return self._send_one(m, deadline)
        except Exception as exc:
            # the exception's text may quote the request (its headers): only its type and
            # where it happened are kept
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"
            log.warning(
                "sms_failed_unexpectedly",
                tenant_id=str(m.tenant_id),
                message_id=str(m.id),
                error=type(exc).__name__,
                where=where,
            )
            return Outcome(m, sent=False, retry=True, error=f"unexpected {type(exc).__name__}")

    def _send_one(self, m: Claimed, deadline: float) -> Outcome:
        try:
            gateway = parse_gateway(m.gateway)
        except ValidationError as exc:
            error = f"the stored SMS gateway settings are invalid: {describe(exc)}"
            return Outcome(m, sent=False, error=error)
        if gateway is None or not gateway.enabled:
            return Outcome(m, sent=False, error="the tenant has no SMS gateway switched on")
        if m.phone is None:
            return Outcome(m, sent=False, error="no phone number")
        if time.monotonic() + gateway.timeout_s > deadline:
            return Outcome(m, sent=False, retry=True, error="not sent before the claim ran out")
        answer = post(self.client, gateway, m.phone, str(m.payload["text"]), m.idempotency_key)
        if answer.sent:
            return Outcome(m, sent=True, provider_id=answer.detail or None)
        status = f"HTTP {answer.status}: " if answer.status else ""
        return Outcome(m, sent=False, error=f"{status}{answer.detail}", retry=answer.retry)


def send_test(gateway: SmsGateway, phone: str, text: str, policy: OutboundPolicy) -> GatewayAnswer:
    """Send one message now, outside the outbox, to check the gateway settings."""
    with policy.client() as client:
        return post(client, gateway, phone, text, f"test:{time.time_ns()}")
