"""`fieldforce cells import FILE`, plain and gzipped, and a file that is not a cell file."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from fieldforce.cli import app
from fieldforce.positioning.cells import HEADER

ROWS = [
    "LTE,999,99,1,1,,120.1,30.2,800,3,1,1600000000,1700000000,-80",
    "GSM,999,99,2,2,,120.2,30.3,3000,3,1,1600000000,1700000000,-90",
    "LTE,999,99,1,3,,abc,30.2,800,3,1,1600000000,1700000000,-80",
]


def test_cli_imports_a_gzipped_file_and_refuses_another_kind(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDFORCE_DATABASE_URL", database_url)
    runner = CliRunner()
    packed = tmp_path / "cells.csv.gz"
    packed.write_bytes(gzip.compress(("\n".join([HEADER, *ROWS]) + "\n").encode()))
    other = tmp_path / "zones.csv"
    other.write_text("name,lon,lat\nA,1,2\n")
    try:
        r = runner.invoke(app, ["cells", "import", str(packed)])
        assert r.exit_code == 0, r.output
        assert "2 cells stored from 3 rows (1 skipped)" in r.output
        assert "regions replaced: 999-99" in r.output
        r = runner.invoke(app, ["cells", "import", str(other)])
        assert r.exit_code != 0
        assert "invalid_cell_file" in r.output
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM cell WHERE mcc = 999")).scalar()
        assert count == 2
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM cell WHERE mcc = 999"))
