from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from api.app import create_app
from api.deps import SessionDep
from fieldforce.db import make_sessionmaker
from fieldforce.errors import Unauthorized
from fieldforce.settings import Settings
from tests.world import World


def test_errors_have_one_shape_and_carry_the_request_id(client: TestClient) -> None:
    r = client.get("/api/v1/nowhere", headers={"X-Request-ID": "abc-123"})
    assert r.status_code == 404
    assert r.headers["x-request-id"] == "abc-123"
    assert r.json() == {
        "error": {"code": "not_found", "message": "Not Found", "request_id": "abc-123"}
    }
    r = client.put("/health")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"


def test_request_ids_are_made_when_missing_or_unsafe(client: TestClient) -> None:
    made = client.get("/health").headers["x-request-id"]
    assert len(made) == 32
    unsafe = client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


def test_validation_errors_list_each_problem(client: TestClient, world: World) -> None:
    r = client.post("/api/v1/org-units", headers=world.headers("admin"), json={"kind": "x"})
    assert r.status_code == 422
    locs = {tuple(d["loc"]) for d in r.json()["error"]["details"]}
    assert ("body", "name") in locs
    assert ("body", "parent_id") in locs


@pytest.fixture
def committing_client(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """An app on real transactions (no outer rollback), with a table whose unique
    constraint is checked only at COMMIT."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE commit_probe (x int CONSTRAINT commit_probe_x UNIQUE "
                "DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    app = create_app(settings, make_sessionmaker(engine))

    @app.post("/probe/{n}")
    def probe(n: int, session: SessionDep) -> dict[str, str]:
        for _ in range(n):
            session.execute(text("INSERT INTO commit_probe VALUES (1)"))
        return {"status": "stored"}

    try:
        with TestClient(app, raise_server_exceptions=False) as c:
            yield c
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE commit_probe"))


def test_success_is_answered_only_after_the_commit(
    committing_client: TestClient, engine: Engine
) -> None:
    """A failure at COMMIT must reach the client: no 'stored' for what was not stored."""
    r = committing_client.post("/probe/2")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "conflict"
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM commit_probe")) == 0
    assert committing_client.post("/probe/1").json() == {"status": "stored"}
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM commit_probe")) == 1


@pytest.mark.parametrize("kept", [False, True])
def test_only_a_kept_refusal_commits_what_its_request_did(
    app: FastAPI, client: TestClient, db: Session, kept: bool
) -> None:
    """A failed sign-in must be remembered although its request fails; nothing else a
    failing request did is."""
    db.execute(text("CREATE TABLE kept_probe (n int)"))
    db.commit()

    @app.post("/probe-refusal")
    def refuse(session: SessionDep) -> None:
        session.execute(text("INSERT INTO kept_probe VALUES (1)"))
        error = Unauthorized("refused", code="probe")
        raise error.kept() if kept else error

    r = client.post("/probe-refusal")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "probe"
    assert db.scalar(text("SELECT count(*) FROM kept_probe")) == (1 if kept else 0)
