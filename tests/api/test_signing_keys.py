"""Token signing keys: generated and kept in the data directory, rotated with the old key
accepted for a token's lifetime, and no public constant that signs anything."""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from api.app import create_app
from fieldforce.auth.keys import KeyFile, forget_cached_keys, key_file, signing_keys
from fieldforce.auth.tokens import AUDIENCE, issue_token
from fieldforce.cli import app as cli
from fieldforce.settings import Settings, get_settings
from tests.world import World

# the development secret earlier releases signed with when nothing was configured
OLD_PUBLIC_SECRET = "dev-only-insecure-secret-change-me"


@pytest.fixture
def keyed(tmp_path: Path) -> Iterator[Settings]:
    """Settings as `fieldforce serve` has them with nothing configured."""
    forget_cached_keys()
    yield Settings(mode="development", data_dir=tmp_path / "data", log_format="console")
    forget_cached_keys()


@pytest.fixture
def keyed_client(keyed: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(keyed, session_factory), raise_server_exceptions=False) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def forged(world: World, login: str, secret: str, **header: str) -> str:
    staff = world.staff[login]
    now = datetime.now(UTC)
    claims = {
        "sub": str(staff.id),
        "tid": str(staff.tenant_id),
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(days=3 * 365),
    }
    return jwt.encode(claims, secret, algorithm="HS256", headers=header or None)


def test_the_old_public_development_secret_signs_nothing(
    keyed_client: TestClient, world: World
) -> None:
    for header in ({}, {"kid": "cfg-00000000"}):
        token = forged(world, "north.sup", OLD_PUBLIC_SECRET, **header)
        r = keyed_client.get("/api/v1/me", headers=bearer(token))
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_token"


def test_first_use_generates_a_private_key_file_that_survives_a_restart(
    keyed: Settings, keyed_client: TestClient, world: World
) -> None:
    ring = signing_keys(keyed)
    assert ring.source == "file"
    assert ring.path == keyed.data_dir.resolve() / "keys" / "signing-keys.json"
    assert stat.S_IMODE(ring.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(ring.path.parent.stat().st_mode) == 0o700
    assert len(ring.current.secret) >= 64
    staff = world.staff["north.rep"]
    token, _ = issue_token(keyed, tenant_id=staff.tenant_id, staff_id=staff.id)
    assert jwt.get_unverified_header(token)["kid"] == ring.current.kid
    forget_cached_keys()  # as a new process would
    assert signing_keys(keyed).current == ring.current
    assert keyed_client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    # another data directory (another installation) has another key
    other = keyed.model_copy(update={"data_dir": keyed.data_dir.parent / "other"})
    assert signing_keys(other).current.secret != ring.current.secret


def test_a_token_signed_with_the_right_key_but_an_overlong_life_is_refused(
    keyed: Settings, keyed_client: TestClient, world: World
) -> None:
    key = signing_keys(keyed).current
    token = forged(world, "north.rep", key.secret, kid=key.kid)
    r = keyed_client.get("/api/v1/me", headers=bearer(token))
    assert r.status_code == 401


def test_rotation_keeps_old_tokens_for_their_lifetime_then_drops_the_old_key(
    keyed: Settings, keyed_client: TestClient, world: World
) -> None:
    staff = world.staff["north.rep"]
    old_token, _ = issue_token(keyed, tenant_id=staff.tenant_id, staff_id=staff.id)
    old_kid = signing_keys(keyed).current.kid
    store = key_file(keyed)
    store.rotate()
    time.sleep(1.1)  # a running process looks at the file at most once a second
    ring = signing_keys(keyed)
    assert ring.current.kid != old_kid
    assert [k.kid for k in ring.accepted][1:] == [old_kid]
    new_token, _ = issue_token(keyed, tenant_id=staff.tenant_id, staff_id=staff.id)
    assert jwt.get_unverified_header(new_token)["kid"] == ring.current.kid
    for token in (old_token, new_token):
        assert keyed_client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    # a rotation once every token of the old key has expired forgets it
    later = datetime.now(UTC) + timedelta(minutes=keyed.access_token_minutes + 1)
    store.rotate(now=later)
    time.sleep(1.1)
    kids = [k.kid for k in signing_keys(keyed).accepted]
    assert old_kid not in kids
    assert ring.current.kid in kids  # retired just now, its tokens still live
    assert keyed_client.get("/api/v1/me", headers=bearer(old_token)).status_code == 401
    assert keyed_client.get("/api/v1/me", headers=bearer(new_token)).status_code == 200


def test_cli_rotates_and_lists_keys_without_showing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FIELDFORCE_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    data = tmp_path / "data"
    runner = CliRunner()
    r = runner.invoke(cli, ["keys", "rotate", "--data-dir", str(data)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["keys", "rotate", "--data-dir", str(data)])
    assert r.exit_code == 0, r.output
    ring = KeyFile(data, timedelta(hours=12)).load_or_create()
    assert len(ring.accepted) == 2
    r = runner.invoke(cli, ["keys", "list", "--data-dir", str(data)])
    assert r.exit_code == 0, r.output
    assert ring.current.kid in r.output
    assert "signing" in r.output
    assert "retired" in r.output
    for key in ring.accepted:
        assert key.secret not in r.output


def test_cli_refuses_to_rotate_a_configured_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELDFORCE_SECRET_KEY", "kR4tq9Zs0fP2LmW7xYb1NcV8hJ3dG6eA")
    get_settings.cache_clear()
    r = CliRunner().invoke(cli, ["keys", "rotate"])
    assert r.exit_code == 1
    assert "FIELDFORCE_SECRET_KEY" in r.output


def test_a_retired_key_signs_no_new_tokens(
    keyed: Settings, keyed_client: TestClient, world: World
) -> None:
    """Whoever holds a retired key cannot mint tokens with it after its retirement."""
    old = signing_keys(keyed).current
    key_file(keyed).rotate()
    forget_cached_keys()
    staff = world.staff["north.rep"]
    now = datetime.now(UTC) + timedelta(seconds=5)
    claims = {
        "sub": str(staff.id),
        "tid": str(staff.tenant_id),
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    minted = jwt.encode(claims, old.secret, algorithm="HS256", headers={"kid": old.kid})
    assert keyed_client.get("/api/v1/me", headers=bearer(minted)).status_code == 401


def test_dropping_old_keys_ends_their_tokens_at_once(
    keyed: Settings, keyed_client: TestClient, world: World
) -> None:
    staff = world.staff["north.rep"]
    token, _ = issue_token(keyed, tenant_id=staff.tenant_id, staff_id=staff.id)
    ring = key_file(keyed).rotate(drop_old=True)
    forget_cached_keys()
    assert [k.kid for k in ring.accepted] == [ring.current.kid]
    assert keyed_client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_a_key_file_with_loose_modes_is_made_private_again(keyed: Settings) -> None:
    ring = signing_keys(keyed)
    assert ring.path is not None
    ring.path.chmod(0o644)
    forget_cached_keys()
    assert signing_keys(keyed).current == ring.current
    assert stat.S_IMODE(ring.path.stat().st_mode) == 0o600
