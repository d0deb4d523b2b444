"""Sending queued SMS through the tenant's HTTP gateway."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from fieldforce.notify.outbox import Claimed, Outcome
from fieldforce.notify.sms import SmsGateway, parse_gateway
from fieldforce.settings import Settings

# Answers that may go better later; any other 4xx will not.
_RETRY_STATUS = {408, 425, 429}


@dataclass(frozen=True)
class GatewayAnswer:
    sent: bool
    status: int | None  # None: no HTTP answer at all
    detail: str  # the start of the gateway's answer, or why there was none
    retry: bool


def post(
    client: httpx.Client, gateway: SmsGateway, phone: str, text: str, message_id: str
) -> GatewayAnswer:
    """One request to the gateway: any 2xx means it took the message."""
    try:
        response = client.post(
            str(gateway.url),
            content=gateway.render_body(phone=phone, text=text, message_id=message_id).encode(),
            headers=gateway.headers(message_id),
            timeout=gateway.timeout_s,
        )
    except httpx.TimeoutException:
        return GatewayAnswer(False, None, f"no answer within {gateway.timeout_s:g} s", retry=True)
    except httpx.HTTPError as exc:
        return GatewayAnswer(False, None, f"{type(exc).__name__}: {exc}"[:300], retry=True)
    detail = response.text[:200]
    if response.is_success:
        return GatewayAnswer(True, response.status_code, detail, retry=False)
    retry = response.status_code in _RETRY_STATUS or response.status_code >= 500
    return GatewayAnswer(False, response.status_code, detail, retry=retry)


class SmsSender:
    """Sends a claimed batch a few requests at a time. A message whose turn comes when the
    claim is about to run out is handed back instead, so that no other worker sends it
    while this one still might."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = httpx.Client(follow_redirects=False)
        self.pool = ThreadPoolExecutor(settings.sms_concurrency, thread_name_prefix="sms")

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.client.close()

    def send(self, batch: Sequence[Claimed]) -> list[Outcome]:
        deadline = time.monotonic() + self.settings.push_lease_s * 0.75
        return list(self.pool.map(lambda m: self._send_one(m, deadline), batch))

    def _send_one(self, m: Claimed, deadline: float) -> Outcome:
        try:
            gateway = parse_gateway(m.gateway)
        except ValueError as exc:
            return Outcome(
                m, sent=False, error=f"the stored SMS gateway settings are invalid: {exc}"
            )
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


def send_test(gateway: SmsGateway, phone: str, text: str) -> GatewayAnswer:
    """Send one message now, outside the outbox, to check the gateway settings."""
    with httpx.Client(follow_redirects=False) as client:
        return post(client, gateway, phone, text, f"test:{time.time_ns()}")
