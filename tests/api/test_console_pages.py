"""The console's page, files and map configuration as the server serves them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from fieldforce.settings import Settings, TileSource
from tests.conftest import TEST_SECRET

AMAP = {
    "name": "高德地图",
    "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&style=8&x={x}&y={y}&z={z}",
    "attribution": "© AutoNavi",
    "crs": "gcj02",
    "subdomains": "1234",
}


def console_client(
    session_factory: sessionmaker[Session], directory: Path, tiles: list[dict[str, str]]
) -> TestClient:
    settings = Settings(
        mode="test",
        secret_key=TEST_SECRET,
        console_dir=directory,
        console_tiles=[TileSource.model_validate(t) for t in tiles],
    )
    return TestClient(create_app(settings, session_factory))


def built(directory: Path) -> Path:
    directory.mkdir()
    (directory / "app-ABC.js").write_text("export {};\n")
    (directory / "app-DEF.css").write_text("body{}\n")
    (directory / "manifest.json").write_text(
        json.dumps({"script": "app-ABC.js", "style": "app-DEF.css"})
    )
    return directory


def test_the_page_names_the_current_build_and_carries_its_policy(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    client = console_client(session_factory, built(tmp_path / "dist"), [AMAP])
    r = client.get("/console")
    assert r.status_code == 200
    assert '<script type="module" src="/console/static/app-ABC.js"></script>' in r.text
    assert 'href="/console/static/app-DEF.css"' in r.text
    policy = r.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "img-src 'self' data: blob: https://*.is.autonavi.com;" in policy
    assert "connect-src 'self';" in policy
    assert client.get("/console/static/app-ABC.js").text == "export {};\n"
    (tmp_path / "dist" / "app-BIG.js").write_text("const x = 1;\n" * 500)
    big = client.get("/console/static/app-BIG.js", headers={"Accept-Encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip"
    assert big.text == "const x = 1;\n" * 500
    token = client.post("/api/v1/auth/token", headers={"Accept-Encoding": "gzip"}, data={})
    assert "content-encoding" not in token.headers  # API answers are never compressed
    assert client.get("/console/static/manifest.json").status_code == 200
    assert client.get("/console/static/../../pyproject.toml").status_code == 404
    config = client.get("/console/config.json").json()
    assert config["tiles"][0]["crs"] == "gcj02"
    assert config["tiles"][0]["subdomains"] == "1234"


def test_a_new_build_is_served_without_a_restart(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    directory = built(tmp_path / "dist")
    client = console_client(session_factory, directory, [])
    assert "app-ABC.js" in client.get("/console").text
    (directory / "manifest.json").write_text(
        json.dumps({"script": "app-XYZ1.js", "style": "app-DEF.css"})
    )
    assert "app-XYZ1.js" in client.get("/console").text
    policy = client.get("/console").headers["content-security-policy"]
    assert "img-src 'self' data: blob:;" in policy  # no tile source: nothing else


def test_without_a_build_the_page_says_how_to_build_it(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    r = console_client(session_factory, tmp_path / "missing", []).get("/console")
    assert r.status_code == 503
    assert "scripts/setup" in r.text
    assert "content-security-policy" in r.headers


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)//{z}{x}{y}",
        "//tiles.example.com/{z}/{x}/{y}.png",
        "https://tiles.example.com; script-src *; /{z}/{x}/{y}",
        "https://tiles.{s}.example.com/{z}/{x}/{y}.png",
        "https://user@tiles.example.com/{z}/{x}/{y}.png",
        "https://{s}/{z}/{x}/{y}.png",
        "https://tiles.example.com/{z}/{x}.png",
        "ftp://tiles.example.com/{z}/{x}/{y}.png",
    ],
)
def test_tile_sources_that_could_widen_the_policy_are_refused(url: str) -> None:
    with pytest.raises(ValidationError):
        TileSource(name="bad", url=url)


def test_tile_sources_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELDFORCE_CONSOLE_TILES", json.dumps([AMAP]))
    settings = Settings(mode="test", secret_key=TEST_SECRET)
    assert [(t.name, t.crs) for t in settings.console_tiles] == [("高德地图", "gcj02")]
    monkeypatch.setenv("FIELDFORCE_CONSOLE_TILES", "[]")
    assert Settings(mode="test", secret_key=TEST_SECRET).console_tiles == []
    monkeypatch.delenv("FIELDFORCE_CONSOLE_TILES")
    assert Settings(mode="test", secret_key=TEST_SECRET).console_tiles[0].name == "OpenStreetMap"
