from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.auth.models import LoginAttempt
from fieldforce.auth.tokens import issue_token
from fieldforce.devices.models import Device
from fieldforce.org.passwords import hash_password
from fieldforce.settings import Settings
from tests.world import PASSWORD, World, add_staff

TOKEN = "/api/v1/auth/token"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, username: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(TOKEN, data={"username": username, "password": password, **extra})


def test_good_login_gives_a_bearer_token_that_works(client: TestClient, world: World) -> None:
    r = login(client, "north.rep", tenant="acme")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == world.settings.access_token_minutes * 60
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["login"] == "north.rep"


def test_login_forms_of_the_tenant(client: TestClient, world: World, db: Session) -> None:
    assert login(client, "acme/north.rep").status_code == 200
    assert login(client, "North.Rep").status_code == 200  # unique login: tenant implied
    assert login(client, "north.rep", tenant="ACME").status_code == 200
    add_staff(db, world.units["other-root"], "north.rep", ["rep"])
    db.commit()
    r = login(client, "north.rep")  # the same password in both tenants
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "tenant_required"
    assert login(client, "other/north.rep").status_code == 200


def test_a_login_in_several_tenants_is_not_disclosed_without_its_password(
    client: TestClient, world: World, db: Session
) -> None:
    other = add_staff(db, world.units["other-root"], "north.rep", ["rep"])
    other.password_hash = hash_password("other-pass-word-5")
    db.commit()
    # wrong for both: an ordinary failed sign-in, as for a login that does not exist
    for username in ("north.rep", "nobody.here"):
        r = login(client, username, "wrong-password-1")
        assert r.status_code == 401, r.text
        assert r.json()["error"]["code"] == "invalid_credentials"
    # right for exactly one of them: signed in to that one
    for password, person in ((PASSWORD, world.staff["north.rep"]), ("other-pass-word-5", other)):
        r = login(client, "north.rep", password)
        assert r.status_code == 200, r.text
        me = client.get("/api/v1/me", headers=bearer(r.json()["access_token"]))
        assert me.json()["id"] == str(person.id)


def test_bad_password_and_unknown_login_look_the_same(client: TestClient, world: World) -> None:
    wrong = login(client, "north.rep", "wrong-password-1")
    unknown = login(client, "nobody.here", "wrong-password-1")
    for r in (wrong, unknown):
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_credentials"
        assert r.headers["www-authenticate"] == "Bearer"


def test_failed_logins_are_recorded_even_though_the_request_failed(
    client: TestClient, world: World, db: Session
) -> None:
    login(client, "north.rep", "wrong-password-1")
    login(client, "nobody.here", "wrong-password-1")
    failures = db.scalars(
        select(LoginAttempt.login_key).where(LoginAttempt.success.is_(False))
    ).all()
    assert sorted(failures) == ["login:nobody.here", "login:north.rep"]


def test_expired_token_is_refused(client: TestClient, world: World, settings: Settings) -> None:
    staff = world.staff["north.rep"]
    token, _ = issue_token(
        settings,
        tenant_id=staff.tenant_id,
        staff_id=staff.id,
        now=datetime.now(UTC) - timedelta(days=2),
    )
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_expired"


def test_missing_forged_and_foreign_tokens_are_refused(
    client: TestClient, world: World, settings: Settings
) -> None:
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_authenticated"
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert r.json()["error"]["code"] == "invalid_token"
    forged_settings = Settings(mode="test", secret_key="another-secret-key-0123456789-abcdefgh")
    staff = world.staff["admin"]
    token, _ = issue_token(forged_settings, tenant_id=staff.tenant_id, staff_id=staff.id)
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    # a token naming one tenant with another tenant's staff id names nobody
    token, _ = issue_token(settings, tenant_id=world.other_tenant.id, staff_id=staff.id)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_disabled_staff_cannot_log_in_and_their_tokens_stop_working(
    client: TestClient, world: World, db: Session
) -> None:
    headers = world.headers("north.rep")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    r = client.patch(
        f"/api/v1/staff/{world.staff_id('north.rep')}",
        json={"active": False},
        headers=world.headers("admin"),
    )
    assert r.status_code == 200, r.text
    r = login(client, "acme/north.rep")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "account_disabled"
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "account_disabled"


def test_device_bound_token_stops_working_when_the_device_is_revoked(
    client: TestClient, world: World, db: Session
) -> None:
    rep = world.headers("north.rep")
    issued = client.post(
        "/api/v1/devices",
        headers=rep,
        json={"staff_id": world.staff_id("north.rep"), "platform": "android", "protocol": "app"},
    )
    assert issued.status_code == 201, issued.text
    device = issued.json()
    r = login(
        client, "acme/north.rep", client_id=device["identifier"], client_secret="wrong-secret"
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_client"
    r = login(
        client, "acme/north.rep", client_id=device["identifier"], client_secret=device["secret"]
    )
    assert r.status_code == 200
    bound = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/v1/me", headers=bound).status_code == 200
    assert client.post(f"/api/v1/devices/{device['id']}/revoke", headers=rep).status_code == 200
    r = client.get("/api/v1/me", headers=bound)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "device_revoked"
    r = login(
        client, "acme/north.rep", client_id=device["identifier"], client_secret=device["secret"]
    )
    assert r.json()["error"]["code"] == "device_revoked"
    assert db.get(Device, (world.tenant.id, device["id"])) is not None


def test_token_endpoint_validates_its_form(client: TestClient, world: World) -> None:
    r = client.post(TOKEN, data={"username": "north.rep"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"
    r = client.post(TOKEN, data={"username": "a", "password": "b", "grant_type": "client"})
    assert r.status_code == 422


def test_change_own_password(client: TestClient, world: World) -> None:
    headers = world.headers("north.rep")
    r = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": "wrong", "new_password": "new-pass-word-2"},
    )
    assert r.status_code == 401
    r = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert r.status_code == 422
    r = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "new-pass-word-2"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["pragma"] == "no-cache"
    fresh = bearer(r.json()["access_token"])
    assert login(client, "acme/north.rep").status_code == 401
    assert login(client, "acme/north.rep", "new-pass-word-2").status_code == 200
    # the token used to change it has ended; the one in the answer works
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_revoked"
    assert client.get("/api/v1/me", headers=fresh).status_code == 200


def test_token_answers_are_not_cached(client: TestClient, world: World) -> None:
    r = login(client, "acme/north.rep")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["pragma"] == "no-cache"


def test_only_app_devices_bind_tokens(client: TestClient, world: World) -> None:
    rep = world.headers("north.rep")
    for protocol in ("osmand", "owntracks"):
        device = client.post(
            "/api/v1/devices",
            headers=rep,
            json={
                "staff_id": world.staff_id("north.rep"),
                "platform": "other",
                "protocol": protocol,
            },
        ).json()
        r = login(
            client, "acme/north.rep", client_id=device["identifier"], client_secret=device["secret"]
        )
        assert r.status_code == 401, protocol
        assert r.json()["error"]["code"] == "invalid_client"
