from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.deps import SessionDep
from fieldforce.logs import get_logger
from tests.logcapture import json_logs
from tests.world import World

SECRET = "hunter2-do-not-log-me"


def lines(captured: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in captured.splitlines() if line]


def test_each_request_logs_one_json_line_with_its_request_id(
    client: TestClient, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    with json_logs():
        headers = {**world.headers("north.rep"), "X-Request-ID": "req-42"}
        r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 200
    access = [e for e in lines(capsys.readouterr().err) if e.get("event") == "request"]
    assert len(access) == 1
    entry = access[0]
    assert entry["request_id"] == "req-42"
    assert entry["status"] == 200
    assert entry["path"] == "/api/v1/me"
    assert entry["staff_id"] == world.staff_id("north.rep")
    assert entry["tenant_id"] == str(world.tenant.id)
    assert entry["duration_ms"] >= 0  # type: ignore[operator]
    assert str(entry["timestamp"]).endswith("Z")


def test_below_the_level_nothing_is_written_and_above_it_everything_is(
    client: TestClient, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    with json_logs("WARNING"):
        r = client.get("/api/v1/me", headers=world.headers("north.rep"))
        get_logger("fieldforce.test").info("dropped")
        get_logger("fieldforce.test").warning("kept", n=1)
    assert r.status_code == 200
    assert [(e["event"], e["level"]) for e in lines(capsys.readouterr().err)] == [
        ("kept", "warning")
    ]


def test_each_request_gets_an_id_of_its_own(client: TestClient) -> None:
    ids = {client.get("/health").headers["x-request-id"] for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_values_under_credential_keys_are_masked_at_any_depth(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = get_logger("fieldforce.test")
    with json_logs():
        log.info(
            "probe",
            password=SECRET,
            Authorization=f"Bearer {SECRET}",
            changes={"auth_value": SECRET, "url": "https://sms.example.com"},
            devices=[{"identifier": SECRET, "identifier_fingerprint": "ab12cd"}],
            fcm_token=SECRET,
        )
    captured = capsys.readouterr().err
    assert SECRET not in captured
    [entry] = [e for e in lines(captured) if e["event"] == "probe"]
    assert entry["changes"] == {"auth_value": "[redacted]", "url": "https://sms.example.com"}
    assert entry["devices"] == [{"identifier": "[redacted]", "identifier_fingerprint": "ab12cd"}]


@pytest.fixture
def probe(app: FastAPI, db: Session) -> None:
    """A route whose insert breaks a CHECK constraint with a secret among its values."""
    db.execute(
        text(
            "CREATE TABLE log_probe (login text, password text, "
            "CONSTRAINT log_probe_short CHECK (length(password) < 5))"
        )
    )
    db.commit()

    @app.post("/probe")
    def insert(session: SessionDep) -> None:
        session.execute(
            text("INSERT INTO log_probe VALUES (:login, :password)"),
            {"login": "li", "password": SECRET},
        )


def test_a_database_error_is_logged_without_the_values_it_was_given(
    client: TestClient, probe: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with json_logs():
        r = client.post("/probe")
    assert r.status_code == 422
    captured = capsys.readouterr().err
    [entry] = [e for e in lines(captured) if e["event"] == "integrity_error"]
    assert "log_probe_short" in str(entry["exception"])  # the error itself is there
    assert SECRET not in captured


def test_the_statement_and_context_a_database_error_quotes_are_cut(
    app: FastAPI, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """psycopg2 binds values into the statement text, so PostgreSQL's LINE and CONTEXT
    lines of an error would repeat them."""

    @app.post("/probe-json")
    def cast(session: SessionDep) -> None:
        session.execute(text("SELECT CAST(:doc AS jsonb)"), {"doc": f'{{"s": "{SECRET}", x}}'})

    with json_logs():
        r = client.post("/probe-json")
    assert r.status_code == 500
    captured = capsys.readouterr().err
    [entry] = [e for e in lines(captured) if e["event"] == "unhandled_error"]
    assert "invalid input syntax for type json" in str(entry["exception"])
    assert SECRET not in captured
