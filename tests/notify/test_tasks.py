from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fieldforce.notify.models import InboxItem, Task
from fieldforce.notify.tasks import send_due_reminders
from tests.world import World

TASKS = "/api/v1/tasks"


def give(
    client: TestClient, world: World, who: str = "north.sup", to: str = "north.rep", **extra: object
) -> dict[str, object]:
    body = {
        "assignee_id": world.staff_id(to),
        "title": "Visit Xihu hall",
        "description": "Check the queue system",
        **extra,
    }
    r = client.post(TASKS, headers=world.headers(who), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def inbox_titles(client: TestClient, world: World, who: str) -> list[str]:
    return [
        i["title"] for i in client.get("/api/v1/inbox", headers=world.headers(who)).json()["items"]
    ]


def test_task_lifecycle_with_history_and_messages(client: TestClient, world: World) -> None:
    due = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    task = give(client, world, due_at=due, place="Xihu service hall", lon=120.15, lat=30.27)
    assert task["status"] == "open"
    assert inbox_titles(client, world, "north.rep") == ["New task: Visit Xihu hall"]
    url = f"{TASKS}/{task['id']}"
    rep = world.headers("north.rep")
    assert client.post(f"{url}/acknowledge", headers=rep).json()["status"] == "acknowledged"
    done = client.post(f"{url}/done", headers=rep, json={"note": "Queue machine fixed"}).json()
    assert done["status"] == "done"
    assert [(e["from_status"], e["to_status"]) for e in done["events"]] == [
        (None, "open"),
        ("open", "acknowledged"),
        ("acknowledged", "done"),
    ]
    assert done["events"][2]["note"] == "Queue machine fixed"
    assert done["events"][2]["actor_id"] == world.staff_id("north.rep")
    assert inbox_titles(client, world, "north.sup") == ["Task done: Visit Xihu hall"]
    r = client.post(f"{url}/acknowledge", headers=rep)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "invalid_transition"


def test_who_may_move_a_task(client: TestClient, world: World) -> None:
    task = give(client, world)
    url = f"{TASKS}/{task['id']}"
    assert client.post(f"{url}/acknowledge", headers=world.headers("north.sup")).status_code == 403
    assert client.post(f"{url}/cancel", headers=world.headers("north.rep")).status_code == 403
    assert client.post(f"{url}/cancel", headers=world.headers("south.manager")).status_code == 404
    # a manager of the assignee may cancel a task someone else gave
    r = client.post(
        f"{url}/cancel", headers=world.headers("north.manager"), json={"note": "customer closed"}
    )
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    assert "Task cancelled: Visit Xihu hall" in inbox_titles(client, world, "north.rep")


def test_tasks_are_given_and_seen_within_scope(client: TestClient, world: World) -> None:
    for who, to, status in (
        ("north.sup", "north.rep2", 404),
        ("north.manager", "south.rep", 404),
        ("other.admin", "north.rep", 404),
        ("north.rep", "north.rep", 403),
    ):
        r = client.post(
            TASKS,
            headers=world.headers(who),
            json={"assignee_id": world.staff_id(to), "title": "t"},
        )
        assert r.status_code == status, (who, to)
    task = give(client, world)
    url = f"{TASKS}/{task['id']}"
    for who, status in (
        ("north.rep", 200),
        ("north.sup", 200),
        ("north.manager", 200),
        ("admin", 200),
        ("north.rep2", 404),
        ("south.manager", 404),
        ("other.admin", 404),
    ):
        assert client.get(url, headers=world.headers(who)).status_code == status, who
    listed = client.get(TASKS, headers=world.headers("south.manager")).json()["items"]
    assert listed == []
    mine = client.get(TASKS, headers=world.headers("north.rep")).json()["items"]
    assert [t["id"] for t in mine] == [task["id"]]


def test_bad_tasks_write_nothing(client: TestClient, world: World, db: Session) -> None:
    headers = world.headers("north.sup")
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    for body, code in (
        ({"title": "t"}, "validation_error"),
        ({"assignee_id": world.staff_id("north.rep"), "title": ""}, "validation_error"),
        (
            {"assignee_id": world.staff_id("north.rep"), "title": "t", "lon": 120.1},
            "invalid_location",
        ),
        ({"assignee_id": world.staff_id("north.rep"), "title": "t", "due_at": past}, "due_in_past"),
    ):
        r = client.post(TASKS, headers=headers, json=body)
        assert r.status_code == 422, body
        assert r.json()["error"]["code"] == code
    assert db.scalar(select(func.count()).select_from(Task)) == 0
    assert db.scalar(select(func.count()).select_from(InboxItem)) == 0


def test_overdue_list_for_supervisors(client: TestClient, world: World, db: Session) -> None:
    late = give(client, world, due_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    give(
        client,
        world,
        title="Not due yet",
        due_at=(datetime.now(UTC) + timedelta(days=1)).isoformat(),
    )
    db.execute(
        update(Task)
        .where(Task.id == late["id"])
        .values(due_at=datetime.now(UTC) - timedelta(minutes=5))
    )
    db.commit()
    overdue = client.get(
        TASKS, headers=world.headers("north.sup"), params={"overdue": "true"}
    ).json()["items"]
    assert [t["id"] for t in overdue] == [late["id"]]
    assert overdue[0]["overdue"] is True


def test_reminder_before_due_goes_once(client: TestClient, world: World, db: Session) -> None:
    now = datetime.now(UTC)
    give(client, world, due_at=(now + timedelta(minutes=30)).isoformat())
    give(client, world, title="Next week", due_at=(now + timedelta(days=5)).isoformat())
    assert send_due_reminders(db, now, push=False) == 1  # within the default hour before
    assert send_due_reminders(db, now + timedelta(minutes=1), push=False) == 0
    db.commit()
    assert "Due soon: Visit Xihu hall" in inbox_titles(client, world, "north.rep")
