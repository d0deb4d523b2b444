from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from api.app import create_app
from fieldforce.settings import Settings


def test_health_answers_ok_when_the_database_answers(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["postgis"].startswith("3.")


def without_database(settings: Settings) -> TestClient:
    engine = create_engine("postgresql+psycopg2://nobody@/none?host=/nonexistent&port=1")
    return TestClient(create_app(settings, sessionmaker(bind=engine)))


def test_health_answers_503_when_the_database_does_not(settings: Settings) -> None:
    with without_database(settings) as c:
        r = c.get("/health")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable"


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/auth/token", "/api/v1/org-units", "/api/v1/staff", "/api/v1/devices"):
        assert path in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_head_answers_like_get_without_a_body(client: TestClient, settings: Settings) -> None:
    got, head = client.get("/health"), client.head("/health")
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["x-content-type-options"] == "nosniff"
    with without_database(settings) as down:
        r = down.head("/health")
    assert (r.status_code, r.content) == (503, b"")
