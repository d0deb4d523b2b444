"""Sign-in throttling slows guessing down without ever refusing correct credentials
outright: failures count per account and client address together, and only that pair
waits. Forwarded addresses are believed only from proxies named in the settings."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from fieldforce.auth.models import LoginAttempt
from fieldforce.auth.service import login_key
from fieldforce.db import make_engine, owned_session
from fieldforce.settings import Settings
from fieldforce.tenancy.models import Tenant
from tests.processes import serving_in_thread
from tests.world import PASSWORD, World, add_staff, add_tenant, add_unit

TOKEN = "/api/v1/auth/token"
WRONG = "wrong-password-1"
ATTACKER = "198.51.100.7"
USER = "203.0.113.9"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # a first wait long enough that no slow machine outlives it between two requests
    return settings.model_copy(update={"login_backoff_s": 30.0, "login_backoff_cap_s": 300})


@contextmanager
def client_at(app: FastAPI, address: str) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False, client=(address, 40000)) as client:
        yield client


def sign_in(
    client: TestClient, username: str, password: str = PASSWORD, **extra: str
) -> httpx.Response:
    return client.post(TOKEN, data={"username": username, "password": password, **extra})


def fail_free_attempts(client: TestClient, settings: Settings, username: str) -> None:
    for _ in range(settings.login_free_failures):
        r = sign_in(client, username, WRONG)
        assert r.status_code == 401, r.text


def assert_waits(r: httpx.Response, seconds: float) -> None:
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "too_many_requests"
    assert seconds - 2 <= int(r.headers["retry-after"]) <= seconds


def age_attempts(db: Session, seconds: float) -> None:
    """As if the recorded attempts were made that much earlier."""
    db.execute(update(LoginAttempt).values(at=LoginAttempt.at - timedelta(seconds=seconds)))
    db.commit()


def test_failures_make_that_account_wait_from_that_address_only(
    app: FastAPI, world: World, settings: Settings
) -> None:
    with client_at(app, ATTACKER) as attacker, client_at(app, USER) as user:
        fail_free_attempts(attacker, settings, "acme/north.rep")
        assert_waits(sign_in(attacker, "acme/north.rep"), 30)  # even the right password
        assert_waits(sign_in(attacker, "acme/north.rep", WRONG), 30)  # waiting is not counted
        assert sign_in(user, "acme/north.rep").status_code == 200  # the real user elsewhere
        assert sign_in(attacker, "acme/north.sup").status_code == 200  # another account


def test_every_form_of_a_login_counts_for_the_same_account(
    app: FastAPI, world: World, settings: Settings
) -> None:
    assert settings.login_free_failures == 3
    with client_at(app, ATTACKER) as attacker:
        assert sign_in(attacker, "ACME/north.rep", WRONG).status_code == 401
        assert sign_in(attacker, "north.rep", WRONG, tenant="acme").status_code == 401
        assert sign_in(attacker, " North.Rep", WRONG).status_code == 401
        assert_waits(sign_in(attacker, "north.rep"), 30)


def test_the_wait_doubles_with_each_failure_up_to_the_cap(
    app: FastAPI, world: World, settings: Settings, db: Session
) -> None:
    with client_at(app, ATTACKER) as attacker:
        fail_free_attempts(attacker, settings, "acme/north.rep")
        assert_waits(sign_in(attacker, "acme/north.rep", WRONG), 30)
        age_attempts(db, 31)
        assert sign_in(attacker, "acme/north.rep", WRONG).status_code == 401
        assert_waits(sign_in(attacker, "acme/north.rep", WRONG), 60)
        age_attempts(db, 61)
        assert sign_in(attacker, "acme/north.rep", WRONG).status_code == 401
        assert_waits(sign_in(attacker, "acme/north.rep", WRONG), 120)
        for _ in range(4):  # 240 s, then capped at 300 s
            age_attempts(db, 301)
            assert sign_in(attacker, "acme/north.rep", WRONG).status_code == 401
        assert_waits(sign_in(attacker, "acme/north.rep", WRONG), 300)
        # after the wait the right password works, and a success clears the count
        age_attempts(db, 301)
        assert sign_in(attacker, "acme/north.rep").status_code == 200
        assert sign_in(attacker, "acme/north.rep", WRONG).status_code == 401


def test_guessing_for_ever_never_locks_the_real_user_out(
    app: FastAPI, world: World, db: Session
) -> None:
    key = login_key("north.rep")
    db.add_all(LoginAttempt(login_key=key, ip=ATTACKER, success=False) for _ in range(500))
    db.commit()
    with client_at(app, ATTACKER) as attacker, client_at(app, USER) as user:
        assert_waits(sign_in(attacker, "north.rep"), 300)
        for _ in range(3):
            assert sign_in(user, "north.rep").status_code == 200
            assert sign_in(user, "north.rep", WRONG).status_code == 401


def test_unknown_logins_from_one_address_never_refuse_its_other_accounts(
    app: FastAPI, world: World, settings: Settings, db: Session
) -> None:
    with client_at(app, ATTACKER) as office:
        for n in range(40):
            assert sign_in(office, f"nobody.{n}", WRONG).status_code == 401
        assert sign_in(office, "acme/north.rep").status_code == 200
        # one unknown login tried again and again waits like any account
        fail_free_attempts(office, settings, "nobody.again")
        assert_waits(sign_in(office, "nobody.again", WRONG), 30)
    keys = set(db.scalars(select(LoginAttempt.login_key).where(LoginAttempt.ip == ATTACKER)))
    assert login_key("nobody.7") in keys


def test_a_forwarded_for_header_from_an_untrusted_client_is_ignored(
    app: FastAPI, world: World, settings: Settings, db: Session
) -> None:
    with client_at(app, ATTACKER) as attacker:
        for n in range(settings.login_free_failures):
            r = attacker.post(
                TOKEN,
                data={"username": "acme/north.rep", "password": WRONG},
                headers={"X-Forwarded-For": f"192.0.2.{n}"},
            )
            assert r.status_code == 401
        r = attacker.post(
            TOKEN,
            data={"username": "acme/north.rep", "password": PASSWORD},
            headers={"X-Forwarded-For": "192.0.2.99"},
        )
        assert_waits(r, 30)
    assert set(db.scalars(select(LoginAttempt.ip))) == {ATTACKER}


def test_a_trusted_proxy_names_the_client(
    settings: Settings, session_factory: sessionmaker[Session], world: World, db: Session
) -> None:
    behind_proxy = settings.model_copy(update={"trusted_proxies": "10.0.0.0/8, 127.0.0.1"})
    app = create_app(behind_proxy, session_factory)

    def via_proxy(client: TestClient, forwarded: str, password: str) -> httpx.Response:
        return client.post(
            TOKEN,
            data={"username": "acme/north.rep", "password": password},
            headers={"X-Forwarded-For": forwarded},
        )

    with client_at(app, "10.1.2.3") as proxy:
        for _ in range(settings.login_free_failures):
            assert via_proxy(proxy, ATTACKER, WRONG).status_code == 401
        assert_waits(via_proxy(proxy, ATTACKER, PASSWORD), 30)
        assert via_proxy(proxy, USER, PASSWORD).status_code == 200
    assert set(db.scalars(select(LoginAttempt.ip))) == {ATTACKER, USER}


def test_trusted_proxies_must_be_addresses() -> None:
    assert Settings(trusted_proxies="10.0.0.0/8, ::1").trusted_proxy_list == ["10.0.0.0/8", "::1"]
    with pytest.raises(ValueError, match="FIELDFORCE_TRUSTED_PROXIES"):
        Settings(trusted_proxies="proxy.example.com")


def test_an_overlong_client_address_is_counted_not_an_error(
    app: FastAPI, world: World, settings: Settings
) -> None:
    with client_at(app, "f" * 100) as odd:
        fail_free_attempts(odd, settings, "acme/north.rep")
        assert_waits(sign_in(odd, "acme/north.rep"), 30)


@pytest.mark.parametrize("login", ["north.rep", "nobody.here"])
def test_the_throttle_tells_nobody_which_logins_or_tenants_exist(
    app: FastAPI, world: World, settings: Settings, login: str
) -> None:
    """Failures under one spelling of a login then another wait alike, whether the login
    exists (and in which tenant) or not."""
    other = world.other_tenant.slug
    with client_at(app, ATTACKER) as attacker:
        fail_free_attempts(attacker, settings, f"acme/{login}")
        for spelling in (login, f"{other}/{login}", f"no-such-tenant/{login}"):
            assert_waits(sign_in(attacker, spelling, WRONG), 30)


def test_guessing_the_current_password_with_a_token_is_throttled(
    app: FastAPI, world: World, settings: Settings
) -> None:
    """A stolen token cannot be turned into the password by guessing it at /me/password."""
    body = {"current_password": WRONG, "new_password": "a-new-password-9"}
    with client_at(app, ATTACKER) as attacker, client_at(app, USER) as user:
        headers = world.headers("north.rep")
        for _ in range(settings.login_free_failures):
            r = attacker.post("/api/v1/me/password", json=body, headers=headers)
            assert r.status_code == 401, r.text
        r = attacker.post(
            "/api/v1/me/password", json={**body, "current_password": PASSWORD}, headers=headers
        )
        assert_waits(r, 30)
        # the same account's sign-in from there waits too; the owner elsewhere does not
        assert_waits(sign_in(attacker, "acme/north.rep"), 30)
        assert sign_in(user, "acme/north.rep").status_code == 200


@pytest.fixture
def committed_rep(engine: Engine) -> Iterator[str]:
    factory = sessionmaker(engine, expire_on_commit=False)
    with owned_session(factory) as db:
        tenant = add_tenant(db, f"Burst {uuid.uuid4().hex[:8]}")
        unit = add_unit(db, tenant, "Field", None, "team")
        login = f"{tenant.slug}.rep"
        add_staff(db, unit, login, ["rep"])
        tenant_id = tenant.id
    try:
        yield login
    finally:
        with owned_session(factory) as db:
            db.execute(delete(Tenant).where(Tenant.id == tenant_id))
            db.execute(delete(LoginAttempt).where(LoginAttempt.login_key == login_key(login)))


def test_a_burst_of_parallel_guesses_is_counted_like_guesses_in_a_row(
    database_url: str, settings: Settings, committed_rep: str
) -> None:
    engine = make_engine(database_url, pool_size=8)
    app = create_app(settings, sessionmaker(engine, expire_on_commit=False))

    def guess(base: str, n: int) -> int:
        data = {"username": committed_rep, "password": f"{WRONG}-{n}"}
        return httpx.post(f"{base}{TOKEN}", data=data, timeout=60).status_code

    try:
        with serving_in_thread(app) as base, ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(pool.map(lambda n: guess(base, n), range(12)))
    finally:
        engine.dispose()
    assert sorted(answers) == [401] * settings.login_free_failures + [429] * (
        12 - settings.login_free_failures
    )
