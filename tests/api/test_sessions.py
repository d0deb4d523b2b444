"""Ending sessions: a password change, a reset, a deactivation or "sign out everywhere"
ends every token issued before it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.audit.models import AuditEntry
from tests.world import PASSWORD, World

TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post(TOKEN, data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def assert_revoked(client: TestClient, headers: dict[str, str]) -> None:
    r = client.get(ME, headers=headers)
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "token_revoked"


def audited(db: Session, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_password_reset_ends_the_persons_sessions(client: TestClient, world: World) -> None:
    phone, laptop = sign_in(client, "acme/north.rep"), sign_in(client, "acme/north.rep")
    r = client.post(
        f"/api/v1/staff/{world.staff_id('north.rep')}/password",
        headers=world.headers("north.manager"),
        json={"password": "reset-pass-77"},
    )
    assert r.status_code == 204
    assert_revoked(client, phone)
    assert_revoked(client, laptop)
    assert client.get(ME, headers=sign_in(client, "acme/north.rep", "reset-pass-77")).is_success


def test_tokens_from_before_a_deactivation_stay_dead_after_reactivation(
    client: TestClient, world: World
) -> None:
    before = sign_in(client, "acme/north.rep")
    url = f"/api/v1/staff/{world.staff_id('north.rep')}"
    admin = world.headers("admin")
    assert client.patch(url, headers=admin, json={"active": False}).status_code == 200
    assert client.get(ME, headers=before).json()["error"]["code"] == "account_disabled"
    assert client.patch(url, headers=admin, json={"active": True}).status_code == 200
    assert_revoked(client, before)
    assert client.get(ME, headers=sign_in(client, "acme/north.rep")).is_success


def test_sign_out_everywhere_ends_all_own_sessions(
    client: TestClient, world: World, db: Session
) -> None:
    phone, laptop = sign_in(client, "acme/north.rep"), sign_in(client, "acme/north.rep")
    assert client.post(f"{ME}/sign-out-everywhere", headers=laptop).status_code == 204
    assert_revoked(client, phone)
    assert_revoked(client, laptop)
    assert client.get(ME, headers=world.headers("north.sup")).is_success  # nobody else
    assert client.get(ME, headers=sign_in(client, "acme/north.rep")).is_success
    [entry] = audited(db, "staff.sign_out_everywhere")
    assert str(entry.entity_id) == world.staff_id("north.rep")


def test_a_manager_signs_a_rep_out_everywhere(
    client: TestClient, world: World, db: Session
) -> None:
    rep = sign_in(client, "acme/north.rep")
    url = f"/api/v1/staff/{world.staff_id('north.rep')}/sign-out-everywhere"
    assert client.post(url, headers=world.headers("south.manager")).status_code == 404
    assert client.post(url, headers=world.headers("north.sup")).status_code == 403
    assert client.get(ME, headers=rep).is_success
    assert client.post(url, headers=world.headers("north.manager")).status_code == 204
    assert_revoked(client, rep)
    [entry] = audited(db, "staff.sign_out_everywhere")
    assert str(entry.actor_id) == world.staff_id("north.manager")


def test_a_password_change_answers_a_token_bound_to_the_same_device(
    client: TestClient, world: World
) -> None:
    rep = world.headers("north.rep")
    device = client.post(
        "/api/v1/devices",
        headers=rep,
        json={"staff_id": world.staff_id("north.rep"), "platform": "android", "protocol": "app"},
    ).json()
    r = client.post(
        TOKEN,
        data={
            "username": "acme/north.rep",
            "password": PASSWORD,
            "client_id": device["identifier"],
            "client_secret": device["secret"],
        },
    )
    assert r.status_code == 200, r.text
    bound = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = client.post(
        f"{ME}/password",
        headers=bound,
        json={"current_password": PASSWORD, "new_password": "new-pass-word-2"},
    )
    assert r.status_code == 200, r.text
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert_revoked(client, bound)
    assert client.get(ME, headers=fresh).is_success
    assert client.post(f"/api/v1/devices/{device['id']}/revoke", headers=fresh).is_success
    assert client.get(ME, headers=fresh).json()["error"]["code"] == "device_revoked"
