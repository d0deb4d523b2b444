from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fieldforce.notify.service import deliver
from tests.world import World, all_pages


def fill(db: Session, world: World, who: str, n: int, kind: str = "system") -> None:
    staff = world.staff[who]
    for i in range(n):
        deliver(
            db, staff.tenant_id, [staff.id], kind=kind, title=f"message {i}", body="…", push=False
        )
    db.commit()


def test_inbox_is_newest_first_and_pages(client: TestClient, world: World, db: Session) -> None:
    fill(db, world, "north.rep", 7)
    items = all_pages(client, "/api/v1/inbox", world.headers("north.rep"), {"limit": 3})
    assert [i["title"] for i in items] == [f"message {i}" for i in range(6, -1, -1)]
    assert set(items[0]) >= {"id", "kind", "title", "body", "created_at", "read_at"}


def test_mark_all_read_and_filters(client: TestClient, world: World, db: Session) -> None:
    fill(db, world, "north.rep", 3)
    fill(db, world, "north.rep", 2, kind="task")
    headers = world.headers("north.rep")
    tasks = client.get("/api/v1/inbox", headers=headers, params={"kind": "task"}).json()
    assert len(tasks["items"]) == 2
    assert client.post("/api/v1/inbox/read-all", headers=headers).json() == {"marked": 5}
    assert client.post("/api/v1/inbox/read-all", headers=headers).json() == {"marked": 0}
    unread = client.get("/api/v1/inbox", headers=headers, params={"unread": "true"}).json()
    assert unread["items"] == []
    assert client.get("/api/v1/inbox", headers=headers, params={"kind": "spam"}).status_code == 422


def test_inbox_items_are_private(client: TestClient, world: World, db: Session) -> None:
    fill(db, world, "north.rep", 1)
    item = client.get("/api/v1/inbox", headers=world.headers("north.rep")).json()["items"][0]
    for who in ("north.sup", "north.manager", "admin", "other.admin"):
        r = client.post(f"/api/v1/inbox/{item['id']}/read", headers=world.headers(who))
        assert r.status_code == 404, who
        assert client.get("/api/v1/inbox", headers=world.headers(who)).json()["items"] == []
    r = client.post(f"/api/v1/inbox/{uuid.uuid4()}/read", headers=world.headers("north.rep"))
    assert r.status_code == 404
    first = client.post(f"/api/v1/inbox/{item['id']}/read", headers=world.headers("north.rep"))
    again = client.post(f"/api/v1/inbox/{item['id']}/read", headers=world.headers("north.rep"))
    assert first.json()["read_at"] == again.json()["read_at"]
