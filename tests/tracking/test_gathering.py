"""Single fixes at batch cost (``fieldforce.gathering``): uploads of concurrent requests go
in one transaction, each request gets its own results, one person's uploads are never in
the same group, a bad upload fails only its own request, and a lone upload waits no longer
than the window. Runs on committed data in a tenant of its own, deleted at the end: a
transaction's fixes are told apart by their ``xmin``."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, text
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.db import owned_session
from fieldforce.gathering import Gatherer
from fieldforce.tenancy.models import Tenant, TenantSettings
from fieldforce.tracking.ingest import PingIn, PingResult, Status, Upload, Uploader
from tests.world import add_staff, add_tenant, add_unit

PEOPLE = 24
Committed = tuple[sessionmaker[Session], uuid.UUID, list[uuid.UUID]]


@pytest.fixture
def committed(engine: Engine) -> Iterator[Committed]:
    factory = sessionmaker(engine, expire_on_commit=False)
    with owned_session(factory) as db:
        tenant = add_tenant(db, f"Gathered {uuid.uuid4().hex[:8]}")
        tenant.settings = {"track_off_duty": True}
        unit = add_unit(db, tenant, "Field", None, "team")
        reps = [add_staff(db, unit, f"{tenant.slug}.rep{i}", ["rep"]) for i in range(PEOPLE)]
        tenant_id, rep_ids = tenant.id, [r.id for r in reps]
    try:
        yield factory, tenant_id, rep_ids
    finally:
        with owned_session(factory) as db:
            db.execute(delete(Tenant).where(Tenant.id == tenant_id))


def _upload(tenant_id: uuid.UUID, rep: uuid.UUID, **attributes: object) -> Upload:
    fix = PingIn(
        id=uuid.uuid4(),
        fix_time=datetime.now(UTC) - timedelta(seconds=5),
        lon=121.47,
        lat=31.23,
        accuracy_m=8,
        attributes=dict(attributes) or None,
    )
    return Upload(Uploader(tenant_id, rep, None, TenantSettings()), [fix])


def _all_at_once(gatherer: Gatherer, uploads: list[Upload]) -> list[list[PingResult] | Exception]:
    async def every() -> list[list[PingResult] | BaseException]:
        return await asyncio.gather(*(gatherer.submit(u) for u in uploads), return_exceptions=True)

    outcomes = asyncio.run(every())
    assert not any(isinstance(o, BaseException) and not isinstance(o, Exception) for o in outcomes)
    return outcomes  # type: ignore[return-value]


def _alone(gatherer: Gatherer, upload: Upload) -> list[PingResult]:
    return asyncio.run(gatherer.submit(upload))


def _transactions(factory: sessionmaker[Session], uploads: list[Upload]) -> list[str]:
    """The transaction that stored each upload's fix (its ``xmin``)."""
    ids = [str(u.pings[0].id) for u in uploads]
    with owned_session(factory) as db:
        found = dict(
            db.execute(
                text("SELECT id::text, xmin::text FROM ping WHERE id = ANY(CAST(:ids AS uuid[]))"),
                {"ids": ids},
            ).all()
        )
    return [found[i] for i in ids]


def test_concurrent_single_fixes_share_transactions_and_get_their_own_results(
    committed: Committed,
) -> None:
    factory, tenant_id, reps = committed
    gatherer = Gatherer(factory, window_s=0.05, max_fixes=2000, push=False)
    uploads = [_upload(tenant_id, rep) for rep in reps]
    outcomes = _all_at_once(gatherer, uploads)
    for upload, outcome in zip(uploads, outcomes, strict=True):
        assert not isinstance(outcome, Exception), outcome
        assert [(r.id, r.status) for r in outcome] == [(upload.pings[0].id, Status.ACCEPTED)]
    transactions = _transactions(factory, uploads)
    assert len(set(transactions)) <= PEOPLE // 4, transactions  # 24 requests, a few commits
    with owned_session(factory) as db:
        latest = db.scalar(
            text("SELECT count(*) FROM latest_position WHERE tenant_id = :t"), {"t": tenant_id}
        )
    assert latest == PEOPLE

    again = _all_at_once(gatherer, uploads)  # the phones send everything again
    assert all(
        not isinstance(o, Exception) and [r.status for r in o] == [Status.DUPLICATE] for o in again
    )


def test_one_persons_uploads_go_in_different_transactions(committed: Committed) -> None:
    factory, tenant_id, reps = committed
    gatherer = Gatherer(factory, window_s=0.05, max_fixes=2000, push=False)
    uploads = [_upload(tenant_id, reps[0]) for _ in range(3)] + [_upload(tenant_id, reps[1])]
    outcomes = _all_at_once(gatherer, uploads)
    assert all(not isinstance(o, Exception) and o[0].status is Status.ACCEPTED for o in outcomes)
    mine = _transactions(factory, uploads[:3])
    assert len(set(mine)) == 3


def test_a_bad_upload_fails_only_its_own_request(committed: Committed) -> None:
    factory, tenant_id, reps = committed
    gatherer = Gatherer(factory, window_s=0.05, max_fixes=2000, push=False)
    # a NUL character cannot be stored in jsonb: the group's statement fails
    uploads = [_upload(tenant_id, rep) for rep in reps[:8]]
    uploads[3] = _upload(tenant_id, reps[3], note="nul\x00")
    outcomes = _all_at_once(gatherer, uploads)
    assert isinstance(outcomes[3], DataError)
    good = [o for i, o in enumerate(outcomes) if i != 3]
    assert all(not isinstance(o, Exception) and o[0].status is Status.ACCEPTED for o in good)
    with owned_session(factory) as db:
        stored = db.scalar(text("SELECT count(*) FROM ping WHERE tenant_id = :t"), {"t": tenant_id})
    assert stored == 7


def test_a_lone_upload_waits_no_longer_than_the_window(committed: Committed) -> None:
    factory, tenant_id, reps = committed
    unhurried = Gatherer(factory, window_s=0.0, max_fixes=2000, push=False)
    _alone(unhurried, _upload(tenant_id, reps[0]))  # partitions and caches warmed
    began = time.perf_counter()
    _alone(unhurried, _upload(tenant_id, reps[0]))
    alone = time.perf_counter() - began

    gathering = Gatherer(factory, window_s=0.25, max_fixes=2000, push=False)
    began = time.perf_counter()
    results = _alone(gathering, _upload(tenant_id, reps[0]))
    waited = time.perf_counter() - began
    assert results[0].status is Status.ACCEPTED
    assert 0.25 <= waited < 0.25 + alone + 0.5

    full = Gatherer(factory, window_s=5.0, max_fixes=1, push=False)
    began = time.perf_counter()
    _alone(full, _upload(tenant_id, reps[0]))  # the group is full at once: no wait
    assert time.perf_counter() - began < 2.0
