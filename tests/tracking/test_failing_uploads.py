# ruff: noqa: F811  (fixtures imported from the tests they come from)
"""Uploads that cannot be stored. An integer beyond 64 bits in a fix's attributes: JSON
allows it and JSONB stores it, but the store statement's serializer does not. The API
refuses it (422), tracker apps' fixes lose that attribute, and an upload that fails its
group anyway fails alone, the others written in a few transactions. A database that cannot
be reached fails the whole group at once."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.gathering import Gatherer, _Waiting
from fieldforce.tenancy.models import TenantSettings
from fieldforce.tracking.ingest import PingIn, Status, Upload, Uploader
from fieldforce.tracking.models import Ping
from tests.tracking.test_gathering import (  # noqa: F401  (fixture)
    PEOPLE,
    Committed,
    _transactions,
    _upload,
    committed,
)
from tests.world import World

HUGE = 10**20  # JSON has no integer limit; orjson stops at 64 bits


def _stored_attributes(db: Session, world: World) -> list[dict[str, object] | None]:
    rows = db.scalars(select(Ping.attributes).where(Ping.staff_id == world.staff["north.rep"].id))
    return list(rows)


def _fix(**attributes: object) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "fix_time": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "lon": 121.4737,
        "lat": 31.2304,
        "accuracy_m": 8,
        "attributes": attributes,
    }


def test_a_huge_integer_attribute_is_refused_with_a_reason(
    client: TestClient, world: World
) -> None:
    r = client.post(
        "/api/v1/pings", headers=world.headers("north.rep"), json={"pings": [_fix(n=HUGE)]}
    )
    assert r.status_code == 422, r.text
    assert "64-bit" in r.text


def _register(client: TestClient, world: World, protocol: str) -> Response:
    r = client.post(
        "/api/v1/devices",
        headers=world.headers("north.rep"),
        json={"staff_id": world.staff_id("north.rep"), "platform": "android", "protocol": protocol},
    )
    assert r.status_code == 201, r.text
    return r


def test_osmand_drops_a_huge_integer_extra_and_keeps_the_fix(
    client: TestClient, world: World, db: Session
) -> None:
    r = _register(client, world, "osmand")
    r = client.post(
        "/ingest/osmand",
        json={
            "device_id": r.json()["identifier"],
            "location": {
                "timestamp": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
                "coords": {"latitude": 31.2304, "longitude": 121.4737, "accuracy": 8},
                "extras": {"n": HUGE},
            },
        },
    )
    assert r.status_code == 200, r.text
    assert _stored_attributes(db, world) == [None]


def test_owntracks_drops_a_huge_integer_field_and_keeps_the_fix(
    client: TestClient, world: World, db: Session
) -> None:
    r = _register(client, world, "owntracks")
    auth = (r.json()["identifier"], r.json()["secret"])
    msg = {
        "_type": "location",
        "lat": 31.2304,
        "lon": 121.4737,
        "tst": int(time.time() - 60),
        "acc": 8,
        "n": HUGE,
    }
    r = client.post("/ingest/owntracks", auth=auth, json=msg)
    assert r.status_code == 200, r.text
    assert [a and a.get("n") for a in _stored_attributes(db, world)] == [None]


def test_an_upload_that_fails_its_group_fails_alone_in_a_few_transactions(
    committed: Committed,
) -> None:
    """24 people's single fixes arriving together, one of them (past the API's checks)
    carrying a huge integer: the group fails, its halves are written again, and the 23
    others are stored in a few transactions rather than one each."""
    factory, tenant_id, reps = committed
    gatherer = Gatherer(factory, window_s=0.05, max_fixes=2000, push=False)
    uploads = [_upload(tenant_id, rep) for rep in reps]
    uploads[0] = _upload(tenant_id, reps[0], n=HUGE)

    async def every() -> list[object]:
        return await asyncio.gather(*(gatherer.submit(u) for u in uploads), return_exceptions=True)

    outcomes = asyncio.run(every())
    assert isinstance(outcomes[0], TypeError), outcomes[0]  # the bare error a 500 is made of
    good = outcomes[1:]
    assert all(not isinstance(o, BaseException) and o[0].status is Status.ACCEPTED for o in good)  # type: ignore[index]
    transactions = set(_transactions(factory, uploads[1:]))
    assert len(transactions) <= PEOPLE // 4, (
        f"{PEOPLE - 1} good uploads took {len(transactions)} transactions (one each): "
        "one bad upload should not turn the group into one transaction per request"
    )


def test_a_group_that_cannot_reach_the_database_fails_at_once() -> None:
    """Halving a failed group helps only when one upload is to blame: with the database
    gone, 16 uploads cost one attempt to connect, not 31."""
    gone = create_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none")
    attempts: list[int] = []
    event.listen(gone, "do_connect", lambda *_: attempts.append(1))
    gatherer = Gatherer(sessionmaker(gone), window_s=0.01, max_fixes=1000, push=False)
    settings = TenantSettings()
    group = [
        _Waiting(
            Upload(
                Uploader(uuid.uuid4(), uuid.uuid4(), None, settings),
                [PingIn(id=uuid.uuid4(), fix_time=datetime.now(UTC), lon=121.47, lat=31.23)],
            ),
            arrived=0.0,
            future=None,  # type: ignore[arg-type]  # never answered here
        )
        for _ in range(16)
    ]
    outcomes = gatherer._write(group)
    assert len(outcomes) == 16
    assert all(results is None and error is not None for results, error in outcomes)
    assert len(attempts) == 1
    gone.dispose()
