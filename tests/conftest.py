"""Test harness: a private PostGIS cluster for the session, built by the migrations, and
one outer transaction per test that is rolled back at the end (API requests commit to
savepoints inside it)."""

from __future__ import annotations

import ipaddress
import os
import secrets
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from fieldforce.db import make_engine, make_sessionmaker
from fieldforce.embedded import EmbeddedPostgres, ensure_binaries
from fieldforce.jobs import jobs_for, run_job
from fieldforce.migrate import upgrade
from fieldforce.notify import push
from fieldforce.settings import Settings, get_settings
from fieldforce.tracking.partitions import forget_known_partitions
from tests.notify.fake_fcm import FakeFcm, running_fake_fcm, service_account
from tests.world import World, build_world

TEST_SECRET = secrets.token_urlsafe(32)  # never a constant: known keys are refused

# Property tests: in CI the same examples on every run and machine (derandomized, no example
# database to replay, no deadline to miss on a slow machine); locally random, so that each
# run explores further. Tests set only how many examples and how long, never the randomness.
# Both start from Hypothesis's own defaults: it loads a derandomized profile of its own
# wherever a CI variable is set at all, even CI=false.
_HYPOTHESIS_DEFAULT = hypothesis_settings.get_profile("default")
hypothesis_settings.register_profile(
    "ci",
    parent=_HYPOTHESIS_DEFAULT,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile("dev", parent=_HYPOTHESIS_DEFAULT, print_blob=True)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    external = os.environ.get("FIELDFORCE_TEST_DATABASE_URL")
    if external:
        yield external
        return
    data_dir = Path(tempfile.mkdtemp(prefix="fieldforce-test-"))
    pg = EmbeddedPostgres(data_dir, ensure_binaries(install=True, bindir=get_settings().pg_bindir))
    pg.start()
    try:
        yield pg.url()
    finally:
        pg.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(url=database_url)
    eng = make_engine(database_url, pool_size=4)
    ping_partitions = jobs_for(Settings(mode="test", secret_key=TEST_SECRET))[0]
    assert run_job(make_sessionmaker(eng), ping_partitions)  # committed once
    yield eng
    eng.dispose()


_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_local(host: object) -> bool:
    if host is None:
        return True
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _no_traffic_beyond_this_machine() -> Iterator[None]:
    """No test may look up or reach a host elsewhere (generated gateway URLs included):
    name lookups of anything but loopback fail as an unknown name would."""
    real = socket.getaddrinfo

    def local_only(host: object, *args: Any, **kwargs: Any) -> Any:
        if not _is_local(host):
            raise socket.gaierror(socket.EAI_NONAME, f"tests resolve only loopback, not {host}")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    socket.getaddrinfo = local_only
    try:
        yield
    finally:
        socket.getaddrinfo = real


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    # settings are cached per process; a test that changes the environment must not leak
    # its settings into the next test
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _forget_partitions() -> None:
    # partitions a test created were rolled back with it
    forget_known_partitions()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            yield conn
        finally:
            outer.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    yield session
    session.close()


@pytest.fixture
def settings() -> Settings:
    return Settings(mode="test", secret_key=TEST_SECRET, log_format="console")


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    return create_app(settings, session_factory)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def world(db: Session, settings: Settings) -> World:
    return build_world(db, settings)


@pytest.fixture
def fcm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeFcm, Settings]]:
    with running_fake_fcm() as fake:
        creds = service_account(tmp_path / "service-account.json", f"{fake.base}/token")
        monkeypatch.setenv("FIELDFORCE_FCM_CREDENTIALS_FILE", str(creds))
        monkeypatch.setenv("FIELDFORCE_FCM_URL", f"{fake.base}/v1/projects/{{0}}/messages:send")
        get_settings.cache_clear()
        yield fake, get_settings()
        get_settings.cache_clear()


@pytest.fixture
def sender(fcm: tuple[FakeFcm, Settings]) -> Iterator[push.FcmSender]:
    s = push.FcmSender(fcm[1])
    yield s
    s.close()
