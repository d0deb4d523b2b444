from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.org.models import Staff
from tests.world import World, all_pages

STAFF = "/api/v1/staff"


def new_staff(world: World, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "login": "Zhang.Wei",
        "password": "pass-word-123",
        "name": "Zhang Wei",
        "org_unit_id": world.unit_id("north-a"),
        "manager_id": world.staff_id("north.sup"),
        "roles": ["rep"],
        "employee_code": "E100",
        "phone": "+86 138 0000 1111",
        "email": "zhang.wei@example.com",
    }
    body.update(overrides)
    return body


def staff_count(db: Session, world: World) -> int:
    return db.scalar(select(func.count()).where(Staff.tenant_id == world.tenant.id)) or 0


def test_create_staff_who_can_then_log_in(client: TestClient, world: World) -> None:
    r = client.post(STAFF, headers=world.headers("north.manager"), json=new_staff(world))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["login"] == "zhang.wei"
    assert created["roles"] == ["rep"]
    assert "password" not in created
    assert "password_hash" not in created
    token = client.post(
        "/api/v1/auth/token", data={"username": "acme/zhang.wei", "password": "pass-word-123"}
    )
    assert token.status_code == 200
    # the new rep's supervisor sees them
    got = client.get(f"{STAFF}/{created['id']}", headers=world.headers("north.sup"))
    assert got.status_code == 200


def test_bad_staff_input_is_refused_and_writes_nothing(
    client: TestClient, world: World, db: Session
) -> None:
    admin = world.headers("admin")
    before = staff_count(db, world)
    cases = [
        (new_staff(world, login="a/b"), 422, "invalid_login"),
        (new_staff(world, password="short"), 422, "validation_error"),
        (new_staff(world, password="onlyletters"), 422, "weak_password"),
        (new_staff(world, roles=[]), 422, "validation_error"),
        (new_staff(world, roles=["emperor"]), 422, "validation_error"),
        (new_staff(world, phone="call me"), 422, "validation_error"),
        (new_staff(world, email="not-an-email"), 422, "validation_error"),
        (new_staff(world, login="north.rep"), 409, "login_taken"),
        (new_staff(world, manager_id=world.staff_id("other.admin")), 404, "not_found"),
        (new_staff(world, org_unit_id=world.unit_id("other-root")), 404, "not_found"),
    ]
    for body, status, code in cases:
        r = client.post(STAFF, headers=admin, json=body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["error"]["code"] == code, r.text
    assert staff_count(db, world) == before
    assert client.post(STAFF, headers=admin, json=new_staff(world)).status_code == 201
    r = client.post(STAFF, headers=admin, json=new_staff(world, login="other.login"))
    assert r.json()["error"]["code"] == "employee_code_taken"


def test_managers_cannot_hand_out_roles_above_their_own(client: TestClient, world: World) -> None:
    north = world.headers("north.manager")
    for roles in (["admin"], ["manager"], ["finance"]):
        r = client.post(STAFF, headers=north, json=new_staff(world, roles=roles))
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "role_not_grantable"
    r = client.patch(
        f"{STAFF}/{world.staff_id('north.rep')}", headers=north, json={"roles": ["rep", "admin"]}
    )
    assert r.status_code == 403
    r = client.patch(
        f"{STAFF}/{world.staff_id('north.rep')}",
        headers=north,
        json={"roles": ["rep", "supervisor"]},
    )
    assert r.status_code == 200
    assert r.json()["roles"] == ["rep", "supervisor"]


def test_reporting_lines_cannot_loop(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    r = client.patch(
        f"{STAFF}/{world.staff_id('north.manager')}",
        headers=admin,
        json={"manager_id": world.staff_id("north.rep")},
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "reporting_cycle"
    r = client.patch(
        f"{STAFF}/{world.staff_id('north.rep')}",
        headers=admin,
        json={"manager_id": world.staff_id("north.rep")},
    )
    assert r.json()["error"]["code"] == "reporting_cycle"
    r = client.patch(
        f"{STAFF}/{world.staff_id('north.rep')}",
        headers=admin,
        json={"manager_id": world.staff_id("north.manager")},
    )
    assert r.status_code == 200


def test_admins_cannot_lock_themselves_out(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    url = f"{STAFF}/{world.staff_id('admin')}"
    assert client.patch(url, headers=admin, json={"active": False}).json()["error"]["code"] == (
        "self_lockout"
    )
    assert client.patch(url, headers=admin, json={"roles": ["rep"]}).json()["error"]["code"] == (
        "self_lockout"
    )
    r = client.patch(url, headers=admin, json={"name": None})
    assert r.status_code == 422


def test_move_staff_to_another_unit_needs_scope_over_both(client: TestClient, world: World) -> None:
    url = f"{STAFF}/{world.staff_id('north.rep')}"
    r = client.patch(
        url, headers=world.headers("north.manager"), json={"org_unit_id": world.unit_id("south-a")}
    )
    assert r.status_code == 404
    r = client.patch(
        url, headers=world.headers("north.manager"), json={"org_unit_id": world.unit_id("north-b")}
    )
    assert r.status_code == 200
    assert r.json()["org_unit_id"] == world.unit_id("north-b")


def test_list_search_filter_and_pages(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    r = client.get(STAFF, headers=admin, params={"q": "NORTH"})
    assert {s["login"] for s in r.json()["items"]} == {
        "north.manager",
        "north.sup",
        "north.rep",
        "north.rep2",
    }
    r = client.get(
        STAFF,
        headers=admin,
        params={"org_unit": world.unit_id("north"), "include_subtree": "false"},
    )
    assert [s["login"] for s in r.json()["items"]] == ["north.manager"]
    r = client.get(STAFF, headers=admin, params={"role": "rep"})
    assert {s["login"] for s in r.json()["items"]} == {"north.rep", "north.rep2", "south.rep"}
    r = client.get(STAFF, headers=admin, params={"manager_id": world.staff_id("north.manager")})
    assert {s["login"] for s in r.json()["items"]} == {"north.sup", "north.rep2"}
    names = [s["name"] for s in all_pages(client, STAFF, admin, {"limit": 2})]
    assert names == sorted(names)
    assert len(names) == 7
    r = client.get(STAFF, headers=admin, params={"org_unit": world.unit_id("other-root")})
    assert r.status_code == 404
    assert client.get(STAFF, headers=admin, params={"role": "king"}).status_code == 422


def test_own_profile(client: TestClient, world: World) -> None:
    headers = world.headers("north.rep")
    r = client.patch("/api/v1/me", headers=headers, json={"phone": "+86 139 1234 5678"})
    assert r.status_code == 200
    assert r.json()["phone"] == "+86 139 1234 5678"
    assert client.patch("/api/v1/me", headers=headers, json={"roles": ["admin"]}).status_code == 422


def test_password_reset_by_manager(client: TestClient, world: World) -> None:
    r = client.post(
        f"{STAFF}/{world.staff_id('north.rep')}/password",
        headers=world.headers("north.manager"),
        json={"password": "reset-pass-77"},
    )
    assert r.status_code == 204
    r = client.post(
        "/api/v1/auth/token", data={"username": "acme/north.rep", "password": "reset-pass-77"}
    )
    assert r.status_code == 200


def test_search_wildcards_match_themselves(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    for login, name in (("percent", "Li 100% Na"), ("under_score", "Wang Fang")):
        body = new_staff(world, login=login, name=name, employee_code=None, phone=None)
        assert client.post(STAFF, headers=admin, json=body).status_code == 201
    found = {
        q: {s["login"] for s in client.get(STAFF, headers=admin, params={"q": q}).json()["items"]}
        for q in ("%", "_", "0%", "\\", "r_s")
    }
    assert found == {
        "%": {"percent"},
        "_": {"under_score"},
        "0%": {"percent"},
        "\\": set(),
        "r_s": {"under_score"},
    }
