"""`fieldforce zones import FILE`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fieldforce.cli import app
from fieldforce.errors import Invalid, NotFound
from fieldforce.flows import import_zone_file as import_file
from tests.world import World

LON, LAT = 116.397, 39.909


def collection(*features: dict[str, object]) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": list(features)}


def zone(name: str, code: str | None = None, d: float = 0.01, **extra: object) -> dict[str, object]:
    ring = [[LON - d, LAT - d], [LON + d, LAT - d], [LON + d, LAT + d], [LON - d, LAT + d]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
        "properties": {"name": name, "code": code, "kind": "work_area", **extra},
    }


def test_import_file_as_a_staff_member(db: Session, world: World, tmp_path: Path) -> None:
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(collection(zone("A", "A"), zone("B", owner="Wang"))))
    result = import_file(db, world.tenant.slug, "north.manager", path)
    assert (result.created, result.updated) == (2, 0)
    result = import_file(db, world.tenant.slug, "north.manager", path)
    assert (result.created, result.updated) == (1, 1)  # B has no code: created again
    path.write_text(json.dumps(collection(zone("ok"), {"type": "Feature", "geometry": None})))
    with pytest.raises(Invalid) as failed:
        import_file(db, world.tenant.slug, "admin", path)
    assert [d["index"] for d in failed.value.details] == [1]
    path.write_text("{not json")
    with pytest.raises(Invalid, match="cannot read"):
        import_file(db, world.tenant.slug, "admin", path)
    with pytest.raises(NotFound):
        import_file(db, "no-such-tenant", "admin", path)
    with pytest.raises(NotFound):
        import_file(db, world.tenant.slug, "other.admin", path)


def test_cli_imports_and_reports_failures(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDFORCE_DATABASE_URL", database_url)
    runner = CliRunner()
    slug = "cli-zones-test"
    r = runner.invoke(
        app,
        [
            "bootstrap",
            "--tenant",
            "CLI Zones Test",
            "--admin",
            "boss",
            "--password",
            "Str0ng-enough-pw",
        ],
    )
    assert r.exit_code == 0, r.output
    try:
        path = tmp_path / "zones.geojson"
        path.write_text(json.dumps(collection(zone("A", "A"), zone("C", "C", d=0.02))))
        args = ["zones", "import", str(path), "--tenant", slug, "--as", "boss"]
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.output
        assert "2 created, 0 updated" in r.output
        bowtie = zone("bad", "B")
        bowtie["geometry"] = {
            "type": "Polygon",
            "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
        }
        path.write_text(json.dumps(collection(zone("A", "A"), bowtie)))
        r = runner.invoke(app, args)
        assert r.exit_code != 0
        assert "import_failed" in r.output
        assert "feature 1:" in r.output
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM tenant WHERE slug = :s"), {"s": slug})
