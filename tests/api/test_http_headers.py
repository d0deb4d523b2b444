"""Security headers on every answer, a CSP on HTML, API docs behind a setting."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api import docs_pages
from api.app import create_app
from fieldforce.settings import Settings
from tests.world import World

ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def directives(csp: str) -> dict[str, list[str]]:
    parts = (d.split() for d in csp.split(";") if d.strip())
    return {d[0]: d[1:] for d in parts}


def inline_script_hashes(html: str) -> set[str]:
    bodies = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
        for b in bodies
    }


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health", 200),
        ("GET", "/api/v1/me", 401),
        ("GET", "/api/v1/nowhere", 404),
        ("PUT", "/health", 405),
        ("GET", "/openapi.json", 200),
    ],
)
def test_every_answer_carries_the_security_headers_and_no_server(
    client: TestClient, method: str, path: str, status: int
) -> None:
    r = client.request(method, path)
    assert r.status_code == status
    for name, value in ALWAYS.items():
        assert r.headers[name] == value
    assert "server" not in r.headers
    assert directives(r.headers["content-security-policy"]) == {
        "default-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    }


def test_a_refused_oversized_body_carries_them_too(
    client: TestClient, world: World, settings: Settings
) -> None:
    r = client.post(
        "/api/v1/pings",
        headers={**world.headers("north.rep"), "Content-Type": "application/json"},
        content=b"[" + b" " * settings.max_body_bytes + b"]",
    )
    assert r.status_code == 413
    assert r.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_docs_pages_get_a_csp_that_allows_exactly_their_scripts(
    client: TestClient, path: str
) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    policy = directives(r.headers["content-security-policy"])
    scripts = set(policy["script-src"])
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    assert inline_script_hashes(r.text) <= scripts
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    if path == "/docs":
        assert len(inline_script_hashes(r.text)) == 1


def loaded(html: str) -> dict[str, list[str]]:
    """The tags of a page that load a script or a stylesheet from elsewhere."""
    return {
        "script-src": re.findall(r"<script\b[^>]*\bsrc=[^>]*>", html),
        "style-src": re.findall(r"<link\b[^>]*\bstylesheet\b[^>]*>", html),
    }


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_load_exactly_the_pinned_files(client: TestClient, path: str) -> None:
    """Scripts and stylesheets come from exact files of exact versions, which the policy
    names one by one (no whole host), and the browser checks each against its hash."""
    r = client.get(path)
    policy = directives(r.headers["content-security-policy"])
    pinned = {a.url: a.integrity for a in (*docs_pages.SCRIPTS, *docs_pages.STYLESHEETS)}
    for directive, tags in loaded(r.text).items():
        remote = [s for s in policy[directive] if s.startswith("https:")]
        assert remote
        assert set(remote) <= set(pinned), remote  # files only, no bare host
        assert all(re.search(r"@\d+\.\d+\.\d+/", s) for s in remote)  # exact versions
        for tag in tags:
            [url] = re.findall(r'(?:src|href)="([^"]+)"', tag)
            assert url in policy[directive]
            assert f'integrity="{pinned[url]}"' in tag
            assert 'crossorigin="anonymous"' in tag
    assert "'self'" not in policy["script-src"]  # nothing of ours runs as a script
    assert "fonts.googleapis.com" not in r.text  # no third party beyond the CDN


@pytest.fixture
def pages(app: FastAPI) -> FastAPI:
    """Routes standing for what will come (a console page with its own policy), a page
    sent in pieces, a bug, and an answer whose code sets a Server header."""

    @app.get("/own-policy", response_class=HTMLResponse)
    def own_policy() -> HTMLResponse:
        return HTMLResponse(
            "<p>console</p>", headers={"Content-Security-Policy": "default-src 'self'"}
        )

    @app.get("/streamed")
    def streamed() -> StreamingResponse:
        chunks = [b"<html><script>let a = 1;", b"</script>", b"<script>let b = 2;</script>"]
        return StreamingResponse(iter(chunks), media_type="text/html")

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError("a bug")

    @app.get("/with-server")
    def with_server() -> JSONResponse:
        return JSONResponse({}, headers={"Server": "fieldforce/0.1 Python/3.11"})

    return app


def test_a_page_with_its_own_policy_keeps_it(client: TestClient, pages: FastAPI) -> None:
    r = client.get("/own-policy")
    assert r.headers["content-security-policy"] == "default-src 'self'"
    assert r.headers["x-frame-options"] == "DENY"


def test_a_page_sent_in_pieces_is_hashed_whole(client: TestClient, pages: FastAPI) -> None:
    r = client.get("/streamed")
    assert r.text == "<html><script>let a = 1;</script><script>let b = 2;</script>"
    scripts = directives(r.headers["content-security-policy"])["script-src"]
    assert inline_script_hashes(r.text) <= set(scripts)
    assert len(inline_script_hashes(r.text)) == 2


def test_an_unexpected_error_carries_them_too(client: TestClient, pages: FastAPI) -> None:
    r = client.get("/broken")
    assert r.status_code == 500
    for name, value in ALWAYS.items():
        assert r.headers[name] == value
    assert "server" not in r.headers


def test_no_server_header_leaves_the_application(client: TestClient, pages: FastAPI) -> None:
    r = client.get("/with-server")
    assert r.status_code == 200
    assert "server" not in r.headers


@pytest.fixture
def docs_off(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"api_docs": False}), session_factory)
    with TestClient(app) as c:
        yield c


def test_api_docs_can_be_switched_off(docs_off: TestClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        assert docs_off.get(path).status_code == 404, path
    assert docs_off.get("/health").status_code == 200


def test_api_docs_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELDFORCE_API_DOCS", "false")
    assert Settings(mode="test").api_docs is False
    monkeypatch.delenv("FIELDFORCE_API_DOCS")
    assert Settings(mode="test").api_docs is True
