"""No async endpoint does blocking work (DESIGN §2): whatever uses the synchronous session is
a plain ``def`` that FastAPI runs in its thread pool, so one request waiting on a row lock
never stalls the others. Checked on the routes, and on a real server."""

from __future__ import annotations

import inspect
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import Engine, delete, text
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.deps import SessionDep, get_session
from fieldforce.db import make_engine, owned_session
from fieldforce.devices.models import Device
from fieldforce.org.passwords import hash_password
from fieldforce.settings import Settings
from fieldforce.tenancy.models import Tenant
from tests.processes import serving_in_thread
from tests.world import add_staff, add_tenant, add_unit

# Async endpoints that may stay async: none uses the session today.
ALLOWED_ASYNC: set[str] = set()


def _is_async(call: Callable[..., Any] | None) -> bool:
    if call is None:
        return False
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        getattr(call, "__call__", None)  # noqa: B004 - dependency classes (HTTPBasic)
    )


def _uses_session(dependant: Dependant) -> bool:
    return any(d.call is get_session or _uses_session(d) for d in dependant.dependencies)


def _blocking_async(dependant: Dependant, where: str) -> list[str]:
    """Every async callable in this dependency tree that has the session below it."""
    found = []
    if _is_async(dependant.call) and _uses_session(dependant):
        found.append(f"{where}: {getattr(dependant.call, '__name__', dependant.call)}")
    for sub in dependant.dependencies:
        found += _blocking_async(sub, where)
    return found


def api_routes(app: FastAPI) -> list[APIRoute]:
    return [c.route for c in iter_route_contexts(app.routes) if isinstance(c.route, APIRoute)]


def test_no_async_endpoint_or_dependency_uses_the_database_session(app: FastAPI) -> None:
    routes = api_routes(app)
    assert len(routes) > 50
    found = []
    for route in routes:
        if route.name not in ALLOWED_ASYNC:
            found += _blocking_async(route.dependant, f"{sorted(route.methods)} {route.path}")
    assert found == []


def test_the_check_sees_an_async_endpoint_with_a_session(settings: Settings) -> None:
    app = create_app(settings, sessionmaker())

    @app.get("/blocking")
    async def blocking(session: SessionDep) -> None:  # pragma: no cover - never called
        session.execute(text("SELECT 1"))

    route = next(r for r in api_routes(app) if r.path == "/blocking")
    assert _blocking_async(route.dependant, "x") == ["x: blocking"]


# --- a real server ------------------------------------------------------------------------

IDENTIFIER = {"osmand": secrets.token_hex(20), "owntracks": secrets.token_hex(20)}
SECRET = "owntracks-secret-" + secrets.token_urlsafe(12)


@pytest.fixture
def committed_devices(engine: Engine) -> Iterator[dict[str, uuid.UUID]]:
    factory = sessionmaker(engine, expire_on_commit=False)
    with owned_session(factory) as db:
        tenant = add_tenant(db, f"Loop {uuid.uuid4().hex[:8]}")
        unit = add_unit(db, tenant, "Field", None, "team")
        rep = add_staff(db, unit, f"{tenant.slug}.rep", ["rep"])
        devices = {
            protocol: Device(
                tenant_id=tenant.id,
                staff_id=rep.id,
                platform="android",
                protocol=protocol,
                identifier=identifier,
                secret_hash=hash_password(SECRET),
            )
            for protocol, identifier in IDENTIFIER.items()
        }
        db.add_all(devices.values())
        db.flush()
        tenant_id, ids = tenant.id, {p: d.id for p, d in devices.items()}
    try:
        yield ids
    finally:
        with owned_session(factory) as db:
            db.execute(delete(Tenant).where(Tenant.id == tenant_id))


@pytest.fixture
def server(database_url: str, settings: Settings) -> Iterator[str]:
    engine = make_engine(database_url, pool_size=4)
    app = create_app(settings, sessionmaker(engine, expire_on_commit=False))
    try:
        with serving_in_thread(app) as base:
            yield base
    finally:
        engine.dispose()


def _upload(base: str, protocol: str) -> httpx.Response:
    fix = {"lat": 31.23, "lon": 121.47}
    if protocol == "osmand":
        params = {"id": IDENTIFIER["osmand"], **fix, "timestamp": str(int(time.time()) - 60)}
        return httpx.get(f"{base}/ingest/osmand", params=params, timeout=60)
    body = {"_type": "location", **fix, "tst": int(time.time()) - 60}
    auth = (IDENTIFIER["owntracks"], SECRET)
    return httpx.post(f"{base}/ingest/owntracks", json=body, auth=auth, timeout=60)


def _wait_for_a_lock_wait(engine: Engine) -> None:
    deadline = time.monotonic() + 20
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            )
            conn.rollback()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the upload never waited on the lock")


@pytest.mark.parametrize("protocol", ["osmand", "owntracks"])
def test_health_answers_while_an_upload_waits_on_a_row_lock(
    engine: Engine, committed_devices: dict[str, uuid.UUID], server: str, protocol: str
) -> None:
    with Session(engine) as locker:
        locker.execute(
            text("SELECT 1 FROM device WHERE id = :id FOR UPDATE"),
            {"id": committed_devices[protocol]},
        )
        answers: list[httpx.Response] = []
        upload = threading.Thread(target=lambda: answers.append(_upload(server, protocol)))
        upload.start()
        try:
            _wait_for_a_lock_wait(engine)
            started = time.monotonic()
            health = httpx.get(f"{server}/health", timeout=5)
            took = time.monotonic() - started
        finally:
            locker.rollback()
            upload.join(timeout=60)
    assert health.status_code == 200
    assert took < 2.0
    assert [a.status_code for a in answers] == [200]
