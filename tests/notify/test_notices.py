from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.notify.models import InboxItem, Notice
from fieldforce.notify.notices import release_due_notices
from tests.world import World, add_staff

NOTICES = "/api/v1/notices"


def inbox_logins(db: Session, world: World, notice_id: str) -> set[str]:
    by_id = {s.id: name for name, s in world.staff.items()}
    ids = db.scalars(select(InboxItem.recipient_id).where(InboxItem.source_id == notice_id)).all()  # type: ignore[arg-type]
    return {by_id.get(i, str(i)) for i in ids}


def send(client: TestClient, world: World, who: str, **body: object) -> dict[str, object]:
    r = client.post(
        NOTICES,
        headers=world.headers(who),
        json={"title": "Q4 targets", "body": "New tariffs from Monday.", **body},
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_notice_to_a_subtree_reaches_exactly_that_subtree(
    client: TestClient, world: World, db: Session
) -> None:
    notice = send(client, world, "admin", org_unit_ids=[world.unit_id("north")])
    assert notice["recipients"] == 4  # north.manager, north.sup, north.rep, north.rep2
    assert notice["sent_at"] is not None
    assert inbox_logins(db, world, notice["id"]) == {
        "north.manager",
        "north.sup",
        "north.rep",
        "north.rep2",
    }


def test_audience_options(client: TestClient, world: World, db: Session) -> None:
    only_unit = send(
        client, world, "admin", org_unit_ids=[world.unit_id("north")], include_subtree=False
    )
    assert inbox_logins(db, world, only_unit["id"]) == {"north.manager"}
    reps = send(client, world, "admin", org_unit_ids=[world.unit_id("root")], roles=["rep"])
    assert inbox_logins(db, world, reps["id"]) == {"north.rep", "north.rep2", "south.rep"}
    named = send(
        client,
        world,
        "admin",
        staff_ids=[world.staff_id("south.rep")],
        org_unit_ids=[world.unit_id("north-b")],
    )
    assert inbox_logins(db, world, named["id"]) == {"south.rep", "north.rep2"}
    # inactive staff and the sender get nothing
    add_staff(db, world.units["north-b"], "gone.rep", ["rep"], active=False)
    db.commit()
    mine = send(client, world, "north.manager", org_unit_ids=[world.unit_id("north")])
    assert inbox_logins(db, world, mine["id"]) == {"north.sup", "north.rep", "north.rep2"}


def test_senders_stay_inside_their_scope(client: TestClient, world: World, db: Session) -> None:
    body = {"title": "t", "body": "b"}
    for who, unit, status in (
        ("north.manager", "south", 404),
        ("north.sup", "north", 404),
        ("north.rep", "north-a", 403),
        ("other.admin", "north", 404),
        ("north.sup", "north-a", 201),
    ):
        r = client.post(
            NOTICES,
            headers=world.headers(who),
            json={**body, "org_unit_ids": [world.unit_id(unit)]},
        )
        assert r.status_code == status, (who, unit, r.text)
    r = client.post(
        NOTICES,
        headers=world.headers("north.manager"),
        json={**body, "staff_ids": [world.staff_id("south.rep")]},
    )
    assert r.status_code == 404


def test_bad_notices_write_nothing(client: TestClient, world: World, db: Session) -> None:
    headers = world.headers("admin")
    for body, code in (
        ({"title": "t", "body": "b"}, "empty_audience"),
        ({"title": "", "body": "b", "org_unit_ids": [world.unit_id("root")]}, "validation_error"),
        ({"title": "t", "body": "b", "org_unit_ids": ["nope"]}, "validation_error"),
        (
            {"title": "t", "body": "b", "org_unit_ids": [world.unit_id("root")], "roles": ["king"]},
            "validation_error",
        ),
    ):
        r = client.post(NOTICES, headers=headers, json=body)
        assert r.status_code == 422, body
        assert r.json()["error"]["code"] == code
    assert db.scalar(select(func.count()).select_from(Notice)) == 0
    assert db.scalar(select(func.count()).select_from(InboxItem)) == 0


def test_read_receipts_and_the_not_read_list(client: TestClient, world: World) -> None:
    notice = send(client, world, "north.manager", org_unit_ids=[world.unit_id("north-a")])
    rep = world.headers("north.rep")
    inbox = client.get("/api/v1/inbox", headers=rep).json()["items"]
    assert [(i["kind"], i["title"], i["read_at"]) for i in inbox] == [
        ("notice", "Q4 targets", None)
    ]
    assert client.get("/api/v1/inbox/unread-count", headers=rep).json() == {"unread": 1}
    assert client.post(f"/api/v1/inbox/{inbox[0]['id']}/read", headers=rep).status_code == 200
    assert client.get("/api/v1/inbox/unread-count", headers=rep).json() == {"unread": 0}
    url = f"{NOTICES}/{notice['id']}"
    manager = world.headers("north.manager")
    assert client.get(url, headers=manager).json()["read"] == 1
    unread = client.get(f"{url}/receipts", headers=manager, params={"read": "false"}).json()
    assert [r["name"] for r in unread["items"]] == ["North Sup"]
    everyone = client.get(f"{url}/receipts", headers=manager).json()["items"]
    assert {r["name"]: r["read_at"] is not None for r in everyone} == {
        "North Sup": False,
        "North Rep": True,
    }
    # only the sender and admins see a notice and its receipts
    assert client.get(url, headers=world.headers("admin")).status_code == 200
    for who in ("north.rep", "south.manager", "other.admin"):
        assert client.get(url, headers=world.headers(who)).status_code == 404
        assert client.get(f"{url}/receipts", headers=world.headers(who)).status_code == 404


def test_scheduled_notices_wait_then_go_once(client: TestClient, world: World, db: Session) -> None:
    later = datetime.now(UTC) + timedelta(hours=2)
    notice = send(
        client, world, "admin", org_unit_ids=[world.unit_id("south")], send_at=later.isoformat()
    )
    assert notice["sent_at"] is None
    assert inbox_logins(db, world, notice["id"]) == set()
    assert release_due_notices(db, datetime.now(UTC), push=False) == 0
    assert release_due_notices(db, later + timedelta(seconds=1), push=False) == 1
    assert release_due_notices(db, later + timedelta(minutes=1), push=False) == 0
    assert inbox_logins(db, world, notice["id"]) == {"south.manager", "south.rep"}
    r = client.post(f"{NOTICES}/{notice['id']}/cancel", headers=world.headers("admin"))
    assert r.status_code == 409


def test_cancelled_notices_never_go(client: TestClient, world: World, db: Session) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    notice = send(
        client, world, "admin", org_unit_ids=[world.unit_id("root")], send_at=later.isoformat()
    )
    r = client.post(f"{NOTICES}/{notice['id']}/cancel", headers=world.headers("admin"))
    assert r.status_code == 200
    assert r.json()["cancelled_at"] is not None
    assert release_due_notices(db, later + timedelta(minutes=5), push=False) == 0
    assert inbox_logins(db, world, notice["id"]) == set()


def test_notices_need_the_module(client: TestClient, world: World) -> None:
    client.patch("/api/v1/tenant", headers=world.headers("admin"), json={"modules": ["tracking"]})
    r = client.post(
        NOTICES,
        headers=world.headers("admin"),
        json={"title": "t", "body": "b", "org_unit_ids": [world.unit_id("root")]},
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "module_disabled"
