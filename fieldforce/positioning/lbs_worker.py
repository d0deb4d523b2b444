"""Sending the questions to the operators' LBS platforms.

A worker claims waiting questions with ``FOR UPDATE SKIP LOCKED`` and a lease (committed
at once, so no other worker takes them), asks each gateway from a small thread pool
within the gateway's timeout, and records every outcome: ``located`` (the fix stored by
the ``store`` callback the caller gives, which runs the tracking flow), ``failed`` with
why (a refused destination, an HTTP error, an answer without a readable position),
``timeout``. A gateway that hangs costs its question the timeout and nothing else; a
worker that dies leaves its claim to run out and the question is asked again (the fix it
gives is the same ping, so it is stored once).
"""

from __future__ import annotations

import threading
import traceback
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from fieldforce import outbound
from fieldforce.db import owned_session
from fieldforce.logs import get_logger
from fieldforce.outbound import DestinationRefused
from fieldforce.positioning.lbs import (
    MAX_ANSWER_BYTES,
    LbsGateway,
    Reading,
    Unreadable,
    consent_of,
    parse_gateway,
    read_answer,
)
from fieldforce.positioning.models import LbsRequest, LbsStatus
from fieldforce.settings import Settings

log = get_logger("fieldforce.lbs")
BATCH = 20
LEASE = timedelta(seconds=90)  # longer than any gateway's timeout (30 s at most)

_CLAIM = text("""
    WITH due AS (
        SELECT r.tenant_id, r.id FROM lbs_request r
         WHERE r.status = 'pending' OR (r.status = 'sending' AND r.lease_until < :now)
         ORDER BY r.created_at
         LIMIT :limit
           FOR UPDATE SKIP LOCKED
    )
    UPDATE lbs_request r SET status = 'sending', lease_until = :lease_until
      FROM due, tenant t, staff s
     WHERE r.tenant_id = due.tenant_id AND r.id = due.id
       AND t.id = r.tenant_id AND s.tenant_id = r.tenant_id AND s.id = r.staff_id
    RETURNING r.tenant_id, r.id, r.staff_id, s.phone, t.lbs_gateway
""")


@dataclass(frozen=True)
class Claimed:
    tenant_id: uuid.UUID
    id: uuid.UUID
    staff_id: uuid.UUID
    phone: str | None
    gateway: dict[str, object] | None


@dataclass(frozen=True)
class Outcome:
    request: Claimed
    status: LbsStatus
    error: str | None = None
    reading: Reading | None = None


# (session, the request's row, what the gateway said) → the stored ping's id, or None
StoreFix = Callable[[Session, LbsRequest, Reading], uuid.UUID | None]


def claim(factory: sessionmaker[Session], now: datetime, limit: int = BATCH) -> list[Claimed]:
    with owned_session(factory) as session:
        rows = session.execute(
            _CLAIM, {"now": now, "limit": limit, "lease_until": now + LEASE}
        ).all()
    return [Claimed(r.tenant_id, r.id, r.staff_id, r.phone, r.lbs_gateway) for r in rows]


def ask_gateway(
    client: httpx.Client, gateway: LbsGateway, phone: str, request_id: str
) -> Outcome | Reading:
    """One question; a Reading, or the Outcome that says why there is none (its request
    is filled in by the caller)."""
    body = gateway.render_body(phone=phone, request_id=request_id).encode()
    try:
        answer = outbound.post(
            client,
            str(gateway.url),
            content=body,
            headers=gateway.headers(request_id),
            timeout=gateway.timeout_s,
            max_bytes=MAX_ANSWER_BYTES,
        )
    except DestinationRefused as exc:
        return _failed(LbsStatus.FAILED, f"refused: {exc.message}")
    except httpx.TimeoutException:
        return _failed(LbsStatus.TIMEOUT, f"no answer within {gateway.timeout_s:g} s")
    except httpx.HTTPError as exc:
        return _failed(LbsStatus.FAILED, outbound.excerpt(f"{type(exc).__name__}: {exc}"))
    if not 200 <= answer.status < 300:
        return _failed(LbsStatus.FAILED, f"HTTP {answer.status}: {answer.excerpt}")
    try:
        return read_answer(gateway, answer.text)
    except Unreadable as exc:
        return _failed(LbsStatus.FAILED, str(exc))


_NOBODY = Claimed(uuid.UUID(int=0), uuid.UUID(int=0), uuid.UUID(int=0), None, None)


def _failed(status: LbsStatus, error: str) -> Outcome:
    return Outcome(_NOBODY, status, outbound.excerpt(error, 300))


def _ask_one(client: httpx.Client, m: Claimed) -> Outcome:
    try:
        gateway = parse_gateway(m.gateway)
    except ValidationError:
        return Outcome(m, LbsStatus.FAILED, "the stored LBS gateway settings are invalid")
    if gateway is None or not gateway.enabled:
        return Outcome(m, LbsStatus.FAILED, "the tenant has no LBS gateway switched on")
    if not m.phone:
        return Outcome(m, LbsStatus.FAILED, "no phone number")
    got = ask_gateway(client, gateway, m.phone, str(m.id))
    if isinstance(got, Reading):
        return Outcome(m, LbsStatus.LOCATED, reading=got)
    return Outcome(m, got.status, got.error)


def _ask_safely(client: httpx.Client, m: Claimed) -> Outcome:
    try:
        return _ask_one(client, m)
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        log.warning(
            "lbs_failed_unexpectedly",
            tenant_id=str(m.tenant_id),
            request_id=str(m.id),
            error=type(exc).__name__,
            where=f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}",
        )
        return Outcome(m, LbsStatus.FAILED, f"unexpected {type(exc).__name__}")


_FINISH = text("""
    UPDATE lbs_request SET status = :status, error = :error, finished_at = :now,
           lease_until = NULL, fix_time = :fix_time, lon = :lon, lat = :lat,
           accuracy_m = :accuracy, ping_id = :ping
     WHERE tenant_id = :tenant AND id = :id AND status = 'sending'
""")


def record(
    factory: sessionmaker[Session], outcomes: Sequence[Outcome], store: StoreFix, now: datetime
) -> None:
    """Each outcome in its own transaction: one that cannot be stored fails alone. A
    question whose consent was withdrawn before it was sent is no longer 'sending' (left as
    it is); an answer that arrives after the consent was withdrawn is not kept."""
    for o in outcomes:
        m, reading, ping, error, status = o.request, o.reading, None, o.error, o.status
        try:
            with owned_session(factory) as session:
                row = session.get(LbsRequest, (m.tenant_id, m.id))
                if row is None or row.status != LbsStatus.SENDING.value:
                    continue
                if reading is not None and consent_of(session, m.tenant_id, m.staff_id) is None:
                    reading, status, error = None, LbsStatus.REFUSED, "consent withdrawn"
                if reading is not None:
                    ping = store(session, row, reading)
                    if ping is None:
                        status, error = (
                            LbsStatus.FAILED,
                            "the fix was not kept (see the tracking rules)",
                        )
                session.execute(
                    _FINISH,
                    {
                        "status": status.value,
                        "error": error,
                        "now": now,
                        "fix_time": reading.time if reading else None,
                        "lon": reading.lon if reading else None,
                        "lat": reading.lat if reading else None,
                        "accuracy": reading.accuracy_m if reading else None,
                        "ping": ping,
                        "tenant": m.tenant_id,
                        "id": m.id,
                    },
                )
        except Exception:
            log.exception("lbs_record_failed", request_id=str(m.id))


def deliver_due(
    factory: sessionmaker[Session],
    client: httpx.Client,
    pool: ThreadPoolExecutor,
    store: StoreFix,
    now: datetime | None = None,
) -> int:
    batch = claim(factory, now or datetime.now(UTC))
    if not batch:
        return 0
    outcomes = list(pool.map(lambda m: _ask_safely(client, m), batch))
    record(factory, outcomes, store, datetime.now(UTC))
    return len(batch)


class LbsWorker:
    """Asks the waiting questions until stopped; runs beside the outbox worker."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        store: StoreFix,
        idle_s: float = 2.0,
    ) -> None:
        self.factory, self.store, self.idle_s = factory, store, idle_s
        self.client = settings.outbound_policy.client()
        self.pool = ThreadPoolExecutor(4, thread_name_prefix="lbs")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="fieldforce-lbs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 40) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self.pool.shutdown(wait=True)
        self.client.close()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                handled = deliver_due(self.factory, self.client, self.pool, self.store)
            except Exception:
                log.exception("lbs_batch_failed")
                handled = 0
            if not handled:
                self._stop.wait(self.idle_s)
