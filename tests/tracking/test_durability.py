"""A server killed with SIGKILL in the middle of uploads loses no acknowledged ping, and a
client that retries everything afterwards stores nothing twice.

Runs the real `fieldforce serve` on its embedded PostGIS, uploads from a thread, kills the
server process while batches are in flight, starts it again and lets the client retry.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg2
import pytest

from fieldforce.embedded import EmbeddedPostgres
from tests.processes import fieldforce_command, free_port, scratch_data_dir

BATCH = 200


@pytest.fixture
def data_dir() -> Iterator[Path]:
    with scratch_data_dir("ff-durability-") as path:
        yield path


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "FIELDFORCE_DATABASE_URL"}
    proc = subprocess.Popen(
        fieldforce_command("serve", "--port", str(port), "--data-dir", str(data_dir)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("the server did not come up")


def make_batches(n: int) -> list[list[dict[str, object]]]:
    start = datetime.now(UTC) - timedelta(hours=4)  # 12,000 one-second fixes end in the past
    batches = []
    for b in range(n):
        batches.append(
            [
                {
                    "id": str(uuid.uuid4()),
                    "fix_time": (start + timedelta(seconds=(b * BATCH + i))).isoformat(),
                    "lon": 121.47 + (b * BATCH + i) * 1e-6,
                    "lat": 31.23,
                    "accuracy_m": 10,
                }
                for i in range(BATCH)
            ]
        )
    return batches


def test_sigkill_mid_upload_loses_nothing_acknowledged_and_stores_nothing_twice(
    data_dir: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "FIELDFORCE_DATABASE_URL"}
    subprocess.run(
        fieldforce_command(
            "bootstrap",
            "--tenant",
            "Durable",
            "--admin",
            "rep",
            "--password",
            "pass-word-1",
            "--data-dir",
            str(data_dir),
        ),
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(data_dir, port)
    token = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "rep", "password": "pass-word-1"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    # whatever the hour, these fixes are kept (off-duty fixes would be discarded)
    r = httpx.patch(
        f"{base}/api/v1/tenant", json={"settings": {"track_off_duty": True}}, headers=headers
    )
    assert r.status_code == 200, r.text
    batches = make_batches(60)
    acknowledged: set[str] = set()
    stop = threading.Event()

    def upload() -> None:
        with httpx.Client(timeout=10) as client:
            for batch in batches:
                if stop.is_set():
                    return
                try:
                    r = client.post(f"{base}/api/v1/pings", json={"pings": batch}, headers=headers)
                except httpx.TransportError:
                    return  # the server died under us: this batch is not acknowledged
                if r.status_code == 200:
                    acknowledged.update(
                        x["id"]
                        for x in r.json()["results"]
                        if x["status"] in ("accepted", "duplicate")
                    )

    uploader = threading.Thread(target=upload)
    uploader.start()
    while len(acknowledged) < 10 * BATCH and uploader.is_alive():
        time.sleep(0.01)
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    uploader.join()
    assert 0 < len(acknowledged) < 60 * BATCH

    pg = EmbeddedPostgres(data_dir)
    conn = psycopg2.connect(
        host=str(pg.socket_dir), port=5432, user="fieldforce", dbname="fieldforce"
    )
    with conn, conn.cursor() as cur:
        cur.execute("SELECT id::text FROM ping")
        stored = {row[0] for row in cur.fetchall()}
    assert acknowledged <= stored  # nothing acknowledged was lost

    server = start_server(data_dir, port)  # reuses the database the killed server left
    try:
        statuses: dict[str, int] = {}
        with httpx.Client(timeout=30) as client:
            for batch in batches:  # the client retries everything
                r = client.post(f"{base}/api/v1/pings", json={"pings": batch}, headers=headers)
                assert r.status_code == 200
                for x in r.json()["results"]:
                    statuses[x["status"]] = statuses.get(x["status"], 0) + 1
        assert statuses["duplicate"] >= len(acknowledged)
        assert statuses.get("rejected", 0) == 0
        with conn, conn.cursor() as cur:
            cur.execute("SELECT count(*), count(DISTINCT id) FROM ping")
            total, distinct = cur.fetchone()  # type: ignore[misc]
        assert total == distinct == 60 * BATCH
    finally:
        conn.close()
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)


PHONES = 24
FIXES_EACH = 60


def test_sigkill_with_many_single_fix_requests_in_flight(data_dir: Path) -> None:
    """Two dozen phones send one fix per request, as tracker apps do, so the server writes
    them in gathered groups; it is killed while requests wait in a group. Every fix it
    acknowledged is stored, and when the phones send everything again each is stored
    once: the acknowledged ones answer `duplicate`."""
    env = {k: v for k, v in os.environ.items() if k != "FIELDFORCE_DATABASE_URL"}
    bootstrap = fieldforce_command(
        "bootstrap", "--tenant", "Phones", "--admin", "admin", "--password", "pass-word-1"
    )
    subprocess.run(
        [*bootstrap, "--data-dir", str(data_dir)], env=env, check=True, capture_output=True
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(data_dir, port)
    tokens = _phones(base)
    fixes = {who: _track(n) for n, who in enumerate(tokens)}
    acknowledged: set[str] = set()
    errors: list[str] = []
    cut_off: list[str] = []  # phones whose request was in flight when the server died
    lock = threading.Lock()

    def phone(who: str) -> None:
        try:
            send_track(who)
        except AssertionError as exc:
            errors.append(str(exc))

    def send_track(who: str) -> None:
        with httpx.Client(timeout=10, headers={"Authorization": f"Bearer {tokens[who]}"}) as c:
            for fix in fixes[who]:
                try:
                    r = c.post(f"{base}/api/v1/pings", json={"pings": [fix]})
                except httpx.TransportError:
                    with lock:
                        cut_off.append(who)
                    return  # the server died with this request in flight
                assert r.status_code == 200, r.text
                (result,) = r.json()["results"]
                assert result["status"] == "accepted", result
                with lock:
                    acknowledged.add(result["id"])

    threads = [threading.Thread(target=phone, args=(who,)) for who in tokens]
    for t in threads:
        t.start()
    while len(acknowledged) < PHONES * FIXES_EACH // 4 and any(t.is_alive() for t in threads):
        time.sleep(0.005)
    server.send_signal(signal.SIGKILL)
    server.wait()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cut_off) > PHONES // 2
    assert PHONES * FIXES_EACH // 4 <= len(acknowledged) < PHONES * FIXES_EACH

    pg = EmbeddedPostgres(data_dir)
    conn = psycopg2.connect(
        host=str(pg.socket_dir), port=5432, user="fieldforce", dbname="fieldforce"
    )
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT id::text FROM ping")
            assert acknowledged <= {row[0] for row in cur.fetchall()}
        server = start_server(data_dir, port)
        try:
            statuses: dict[str, str] = {}
            with httpx.Client(timeout=30) as client:
                for who, track in fixes.items():  # each phone sends its whole track again
                    headers = {"Authorization": f"Bearer {tokens[who]}"}
                    r = client.post(f"{base}/api/v1/pings", json={"pings": track}, headers=headers)
                    assert r.status_code == 200, r.text
                    statuses |= {x["id"]: x["status"] for x in r.json()["results"]}
            assert {i for i, s in statuses.items() if s == "duplicate"} >= acknowledged
            assert set(statuses.values()) <= {"accepted", "duplicate"}
            with conn, conn.cursor() as cur:
                cur.execute("SELECT count(*), count(DISTINCT id) FROM ping")
                assert cur.fetchone() == (PHONES * FIXES_EACH, PHONES * FIXES_EACH)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
    finally:
        conn.close()


def _phones(base: str) -> dict[str, str]:
    """PHONES reps in the root unit, each signed in: login to token."""
    token = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "admin", "password": "pass-word-1"}
    ).json()["access_token"]
    admin = {"Authorization": f"Bearer {token}"}
    r = httpx.patch(  # whatever the hour, these fixes are kept
        f"{base}/api/v1/tenant", json={"settings": {"track_off_duty": True}}, headers=admin
    )
    assert r.status_code == 200, r.text
    root = httpx.get(f"{base}/api/v1/org-units", headers=admin).json()["items"][0]["id"]
    tokens = {}
    for n in range(PHONES):
        login = f"phone{n}"
        r = httpx.post(
            f"{base}/api/v1/staff",
            json={"login": login, "password": "pass-word-1", "name": login, "org_unit_id": root},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        r = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": login, "password": "pass-word-1"}
        )
        tokens[login] = r.json()["access_token"]
    return tokens


def _track(n: int) -> list[dict[str, object]]:
    start = datetime.now(UTC) - timedelta(hours=2)
    return [
        {
            "id": str(uuid.uuid4()),
            "fix_time": (start + timedelta(seconds=10 * i)).isoformat(),
            "lon": 121.0 + n * 0.01 + i * 1e-5,
            "lat": 31.23,
            "accuracy_m": 10,
        }
        for i in range(FIXES_EACH)
    ]
