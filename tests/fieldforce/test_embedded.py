"""The embedded PostgreSQL + PostGIS manager and the CLI around it, on real clusters."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg2
import pytest
from typer.testing import CliRunner

from fieldforce import embedded
from fieldforce.cli import app as cli
from fieldforce.embedded import EmbeddedError, EmbeddedPostgres, ensure_binaries
from fieldforce.settings import get_settings
from tests.processes import fieldforce_command, free_port, scratch_data_dir


@pytest.fixture
def data_dir() -> Iterator[Path]:
    with scratch_data_dir("ff-embedded-") as path:
        yield path


@pytest.fixture
def no_external_db(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("FIELDFORCE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def query(pg: EmbeddedPostgres, sql: str) -> list[tuple[object, ...]]:
    conn = psycopg2.connect(
        host=str(pg.socket_dir), port=5432, user="fieldforce", dbname="fieldforce"
    )
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def process_alive(pid: int) -> bool:
    """Running, not merely an exited process waiting for its parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_restart_keeps_the_data_and_stop_leaves_no_process(data_dir: Path) -> None:
    pg = EmbeddedPostgres(data_dir, ensure_binaries(install=False))
    assert pg.start() is True
    assert pg.start() is False  # reused, not started twice
    query(pg, "CREATE EXTENSION IF NOT EXISTS postgis")
    query(pg, "CREATE TABLE kept (p geometry(Point, 4326))")
    query(pg, "INSERT INTO kept VALUES (ST_SetSRID(ST_MakePoint(121.47, 31.23), 4326))")
    pid = pg.pid()
    assert pid is not None
    assert pg.stop() is True
    assert pg.pid() is None
    assert not process_alive(pid)
    assert pg.stop() is False
    pg.start()
    assert query(pg, "SELECT ST_AsText(p) FROM kept") == [("POINT(121.47 31.23)",)]
    pg.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to 'postgres'")
def test_cluster_belongs_to_the_unprivileged_postgres_user(data_dir: Path) -> None:
    pg = EmbeddedPostgres(data_dir, ensure_binaries(install=False))
    pg.start()
    assert pg.pgdata.stat().st_uid == pg.user.uid != 0
    pg.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to 'postgres'")
def test_unreachable_data_dir_gets_a_clear_message() -> None:
    private = Path(tempfile.mkdtemp(prefix="ff-private-"))  # mode 0700, owned by root
    try:
        with pytest.raises(EmbeddedError, match="cannot enter"):
            EmbeddedPostgres(private / "data", ensure_binaries(install=False)).start()
    finally:
        shutil.rmtree(private, ignore_errors=True)


def test_missing_postgis_names_the_exact_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    # the machine's package state lies outside our code: pretend nothing is installed
    monkeypatch.setattr(embedded, "find_binaries", lambda bindir=None: None)
    with pytest.raises(EmbeddedError) as err:
        ensure_binaries(install=False)
    assert "apt-get install -y postgresql-15-postgis-3" in str(err.value)
    assert "FIELDFORCE_DATABASE_URL" in str(err.value)


def test_cli_db_commands_and_idempotent_bootstrap(data_dir: Path, no_external_db: None) -> None:
    runner = CliRunner()
    d = ["--data-dir", str(data_dir)]
    status = runner.invoke(cli, ["db", "status", *d])
    assert status.exit_code == 3
    assert "not initialized" in status.output
    started = runner.invoke(cli, ["db", "start", *d])
    assert started.exit_code == 0, started.output
    assert "started" in started.output
    assert runner.invoke(cli, ["db", "status", *d]).output.startswith("running")
    assert runner.invoke(cli, ["db", "url", *d]).output.startswith("postgresql+psycopg2://")
    args = [
        "bootstrap",
        "--tenant",
        "Acme Mobile",
        "--admin",
        "Root",
        "--password",
        "secret-pass-1",
        "--timezone",
        "Asia/Shanghai",
        *d,
    ]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    second = runner.invoke(cli, args)
    assert second.output == first.output  # same tenant id, nothing duplicated
    pg = EmbeddedPostgres(data_dir)
    assert query(pg, "SELECT count(*) FROM tenant") == [(1,)]
    assert query(pg, "SELECT count(*) FROM staff") == [(1,)]
    # the workflows' defaults are there before anyone asks for leave or files a claim
    assert query(pg, "SELECT kind, version FROM approval_flow ORDER BY kind") == [
        ("attendance_correction", 1),
        ("leave", 1),
        ("travel_claim", 1),
    ]
    assert query(pg, "SELECT count(*) FROM leave_type WHERE code = 'annual'") == [(1,)]
    bad = runner.invoke(cli, [*args[:-2], "--password", "short", *d])
    assert bad.exit_code == 1
    assert bad.stderr == "weak_password: the password must have at least 8 characters\n"
    migrated = runner.invoke(cli, ["migrate", *d])
    assert (migrated.exit_code, migrated.output) == (0, "database is up to date\n")
    assert runner.invoke(cli, ["db", "stop", *d]).output.strip() == "stopped"
    assert runner.invoke(cli, ["db", "status", *d]).exit_code == 3


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_from_nothing_then_a_stop_signal_leaves_no_server_behind(
    data_dir: Path, no_external_db: None, stop_signal: signal.Signals
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "FIELDFORCE_DATABASE_URL"}
    proc = subprocess.Popen(
        [*fieldforce_command("serve"), "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.3)
        assert health is not None
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        assert "server" not in health.headers
        assert httpx.get(f"http://127.0.0.1:{port}/docs").status_code == 200
        pid = EmbeddedPostgres(data_dir).pid()
        assert pid is not None
        proc.send_signal(stop_signal)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out
        assert EmbeddedPostgres(data_dir).pid() is None
        assert not process_alive(pid)
        # the start-up log says where the signing key came from, and it was made private
        key_path = data_dir.resolve() / "keys" / "signing-keys.json"
        assert "signing_key" in out
        assert str(key_path) in out
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
        assert "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_worker_runs_without_http_and_stops_on_sigterm(
    data_dir: Path, no_external_db: None
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "FIELDFORCE_DATABASE_URL"}
    proc = subprocess.Popen(
        [*fieldforce_command("worker"), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        lines: list[str] = []
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "worker_started" in line:
                break
        assert any("push_off" in x for x in lines), lines
        assert EmbeddedPostgres(data_dir).pid() is not None
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out
        assert "worker_stopped" in out
        assert EmbeddedPostgres(data_dir).pid() is None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_binaries_come_from_the_setting_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = embedded.find_binaries()
    assert real is not None
    not_postgres = tmp_path / "bin"
    not_postgres.mkdir()
    assert embedded.find_binaries(not_postgres) == real  # no initdb there: skipped
    monkeypatch.setenv("FIELDFORCE_PG_BINDIR", str(real.bindir))
    get_settings.cache_clear()
    chosen = embedded.find_binaries(get_settings().pg_bindir)
    assert chosen is not None
    assert chosen.bindir == real.bindir
