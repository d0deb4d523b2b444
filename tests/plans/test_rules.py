"""Recurring plans: a customer every N weeks written into the coming days' plans (each
occurrence once, by creation and then by the job), an occurrence on a holiday moved to the
next duty day of the week, a stopped rule leaving the days to come, a person's partner
outlets spread over a cycle, and who may make rules for whom."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.duty.models import DutyException
from fieldforce.plans import rules
from fieldforce.plans.models import PlanRule, PlanStop, WorkPlan
from tests.plans.test_plans import SHANGHAI, east, plan
from tests.world import World


def local_today() -> date:
    return datetime.now(SHANGHAI).date()


def next_monday(weeks: int = 1) -> date:
    today = local_today()
    return today + timedelta(days=7 * weeks - today.weekday())


def partner(
    client: TestClient, world: World, where: tuple[float, float], name: str, **extra: Any
) -> str:
    body = {"name": name, "stage": "partner", "lon": where[0], "lat": where[1]}
    r = client.post("/api/v1/customers", headers=world.headers("north.sup"), json=body | extra)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def make_rule(client: TestClient, world: World, who: str, **body: Any) -> Any:
    body = {"staff_id": world.staff_id("north.rep"), "every_weeks": 2} | body
    return client.post("/api/v1/plan-rules", headers=world.headers(who), json=body)


def day_plan(client: TestClient, world: World, day: date) -> Any:
    r = client.get(
        f"/api/v1/work-plans/{world.staff_id('north.rep')}/{day.isoformat()}",
        headers=world.headers("north.rep"),
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_occurrences_every_n_weeks_from_the_first_day() -> None:
    rule = PlanRule(every_weeks=3, starts_on=date(2026, 12, 2))
    got = rules.occurrences(rule, date(2026, 12, 1), date(2027, 2, 1))
    assert got == [date(2026, 12, 2) + timedelta(weeks=3 * k) for k in range(3)]
    assert rules.occurrences(rule, date(2026, 12, 3), date(2026, 12, 23)) == [date(2026, 12, 23)]
    assert rules.occurrences(rule, date(2026, 12, 24), date(2027, 1, 12)) == []


def test_a_rule_fills_the_coming_days_and_the_job_the_later_ones(
    client: TestClient, world: World, session_factory: sessionmaker[Session], db: Session
) -> None:
    a = partner(client, world, east(100), "Every other week")
    monday = next_monday()
    r = make_rule(client, world, "north.sup", customer_id=a, starts_on=monday.isoformat())
    assert r.status_code == 201, r.text
    rule = r.json()
    assert (rule["weekday"], rule["customer_name"]) == (0, "Every other week")
    assert rule["planned_until"] == (local_today() + timedelta(days=14)).isoformat()
    first = day_plan(client, world, monday)
    assert [(s["customer_id"], s["rule_id"]) for s in first["stops"]] == [(a, rule["id"])]
    assert day_plan(client, world, monday + timedelta(days=7))["stops"] == []
    # as the days pass, the job writes those that came into the horizon, once each
    for days in (7, 21):
        later = datetime.now(UTC) + timedelta(days=days)
        assert rules.apply_due(session_factory, later) == 1
        assert rules.apply_due(session_factory, later) == 0
    db.expire_all()
    for weeks, planned in ((2, True), (3, False), (4, True)):
        stops = day_plan(client, world, monday + timedelta(weeks=weeks))["stops"]
        assert [s["customer_id"] for s in stops] == ([a] if planned else []), weeks
    # the person's own change of a day keeps the stop's rule; the rule is not written again
    day = (monday + timedelta(weeks=2)).isoformat()
    b = partner(client, world, east(400), "Added by hand")
    put = plan(
        client, world, "north.rep", "north.rep", day, stops=[{"customer_id": b}, {"customer_id": a}]
    )
    assert [s["rule_id"] for s in put.json()["stops"]] == [None, rule["id"]]


def test_an_occurrence_on_a_holiday_moves_to_the_next_duty_day(
    client: TestClient, world: World, db: Session
) -> None:
    monday = next_monday()
    for off in (0, 4, 5, 6):  # a holiday Monday, a bridge day Friday and the weekend
        day = monday + timedelta(days=off)
        db.add(DutyException(tenant_id=world.tenant.id, day=day, kind="off", reason="off"))
    db.flush()
    a = partner(client, world, east(100), "Monday outlet")
    f = partner(client, world, east(300), "Friday outlet")
    assert (
        make_rule(
            client, world, "north.sup", customer_id=a, starts_on=monday.isoformat()
        ).status_code
        == 201
    )
    friday = (monday + timedelta(days=4)).isoformat()
    assert make_rule(client, world, "north.sup", customer_id=f, starts_on=friday).status_code == 201
    assert day_plan(client, world, monday)["stops"] == []
    tuesday = day_plan(client, world, monday + timedelta(days=1))["stops"]
    assert [s["customer_id"] for s in tuesday] == [a]
    # Friday and the weekend off: no duty day is left that week, the visit is skipped
    assert all(
        f
        not in [
            s["customer_id"] for s in day_plan(client, world, monday + timedelta(days=d))["stops"]
        ]
        for d in range(7)
    )


def test_a_stopped_rule_leaves_the_days_to_come(
    client: TestClient, world: World, db: Session
) -> None:
    today = local_today()
    a = partner(client, world, east(100), "Weekly")
    b = partner(client, world, east(900), "By hand")
    rule = make_rule(
        client, world, "north.sup", customer_id=a, starts_on=today.isoformat(), every_weeks=1
    ).json()
    week = (today + timedelta(days=7)).isoformat()
    day = day_plan(client, world, today + timedelta(days=7))
    kept = [{"customer_id": s["customer_id"]} for s in day["stops"]]
    r = plan(client, world, "north.rep", "north.rep", week, stops=[*kept, {"customer_id": b}])
    assert [s["position"] for s in r.json()["stops"]] == [1, 2]
    stopped = client.post(
        f"/api/v1/plan-rules/{rule['id']}/stop", headers=world.headers("north.rep")
    )
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["stopped_on"] == today.isoformat()
    assert [s["customer_id"] for s in day_plan(client, world, today)["stops"]] == [a]
    left = day_plan(client, world, today + timedelta(days=7))["stops"]
    assert [(s["position"], s["customer_id"]) for s in left] == [(1, b)]
    assert day_plan(client, world, today + timedelta(days=14))["stops"] == []
    again = client.post(f"/api/v1/plan-rules/{rule['id']}/stop", headers=world.headers("north.rep"))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "rule_stopped")
    running = client.get("/api/v1/plan-rules", headers=world.headers("north.rep")).json()
    assert running["items"] == []
    gone = client.get(
        "/api/v1/plan-rules", headers=world.headers("north.rep"), params={"stopped": True}
    ).json()
    assert [x["id"] for x in gone["items"]] == [rule["id"]]
    # a new rule for the same customer may start now the old one is stopped
    r = make_rule(client, world, "north.rep", customer_id=a, starts_on=today.isoformat())
    assert r.status_code == 201, r.text


def test_partners_spread_over_the_cycle_close_together_each_day(
    client: TestClient, world: World, db: Session
) -> None:
    weekdays = [{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(5)]
    world.tenant.settings = {**(world.tenant.settings or {}), "default_duty_week": weekdays}
    db.flush()
    rep = world.staff_id("north.rep")
    near = [partner(client, world, east(50 * k), f"Near {k}", owner_id=rep) for k in range(10)]
    far = [
        partner(client, world, east(20_000 + 50 * k, 15_000), f"Far {k}", owner_id=rep)
        for k in range(10)
    ]
    partner(client, world, east(700), "Prospect", owner_id=rep, stage="prospect")
    partner(client, world, east(800), "Someone else's")
    monday = next_monday()
    body = {"staff_id": rep, "every_weeks": 2, "starts_on": monday.isoformat()}
    r = client.post(
        "/api/v1/plan-rules/cover-partners", headers=world.headers("north.sup"), json=body
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert sorted(x["customer_id"] for x in made) == sorted(near + far)
    days: dict[str, set[str]] = {}
    for x in made:
        days.setdefault(x["starts_on"], set()).add(x["customer_id"])
    cycle = {(monday + timedelta(days=7 * w + d)).isoformat() for w in (0, 1) for d in range(5)}
    assert set(days) == cycle
    assert all(len(v) == 2 and (v <= set(near) or v <= set(far)) for v in days.values())
    again = client.post(
        "/api/v1/plan-rules/cover-partners", headers=world.headers("north.sup"), json=body
    )
    assert (again.status_code, again.json()) == (201, [])
    assert len(day_plan(client, world, monday)["stops"]) == 2


def test_who_makes_rules_for_whom_and_bad_rules(
    client: TestClient, world: World, db: Session
) -> None:
    a = partner(client, world, east(100), "A")
    monday = next_monday().isoformat()
    before = db.scalar(select(func.count()).select_from(PlanRule))
    plans_before = db.scalar(select(func.count()).select_from(WorkPlan))
    assert (
        make_rule(client, world, "north.rep2", customer_id=a, starts_on=monday).status_code == 403
    )
    for who in ("south.manager", "other.admin"):
        assert make_rule(client, world, who, customer_id=a, starts_on=monday).status_code == 404
    bad: list[tuple[dict[str, Any], int, str]] = [
        ({"every_weeks": 0}, 422, "validation_error"),
        ({"every_weeks": 53}, 422, "validation_error"),
        ({"starts_on": (local_today() - timedelta(days=1)).isoformat()}, 422, "past_day"),
        ({"customer_id": str(uuid.uuid4())}, 404, "not_found"),
        ({"kind": "party"}, 422, "validation_error"),
    ]
    for change, status, code in bad:
        body = {"customer_id": a, "starts_on": monday} | change
        r = make_rule(client, world, "north.sup", **body)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), change
    assert db.scalar(select(func.count()).select_from(PlanRule)) == before
    assert db.scalar(select(func.count()).select_from(WorkPlan)) == plans_before
    rule = make_rule(client, world, "north.sup", customer_id=a, starts_on=monday).json()
    r = make_rule(client, world, "north.rep", customer_id=a, starts_on=monday)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "rule_exists")
    url = f"/api/v1/plan-rules/{rule['id']}"
    assert client.get(url, headers=world.headers("north.rep")).status_code == 200
    assert client.get(url, headers=world.headers("north.manager")).status_code == 200
    for who in ("north.rep2", "south.manager", "other.admin"):
        assert client.get(url, headers=world.headers(who)).status_code == 404, who
        assert client.post(url + "/stop", headers=world.headers(who)).status_code == 404, who
    seen = client.get("/api/v1/plan-rules", headers=world.headers("south.manager")).json()
    assert seen["items"] == []
    r = client.post(
        "/api/v1/plan-rules/cover-partners",
        headers=world.headers("other.admin"),
        json={"staff_id": world.staff_id("north.rep"), "every_weeks": 2, "starts_on": monday},
    )
    assert r.status_code == 404
    assert (
        db.scalar(select(func.count()).select_from(PlanStop).where(PlanStop.rule_id.is_not(None)))
        == 1
    )


def test_a_lost_customer_leaves_the_cycle(
    client: TestClient, world: World, session_factory: sessionmaker[Session], db: Session
) -> None:
    a = partner(client, world, east(100), "Closing down")
    monday = next_monday()
    rule = make_rule(
        client, world, "north.sup", customer_id=a, starts_on=monday.isoformat(), every_weeks=1
    ).json()
    assert [s["customer_id"] for s in day_plan(client, world, monday)["stops"]] == [a]
    lost = client.post(
        f"/api/v1/customers/{a}/stage",
        headers=world.headers("north.sup"),
        json={"stage": "lost", "reason": "closed the shop"},
    )
    assert lost.status_code == 200, lost.text
    assert rules.apply_due(session_factory, datetime.now(UTC) + timedelta(days=1)) == 1
    db.expire_all()
    stopped = client.get(f"/api/v1/plan-rules/{rule['id']}", headers=world.headers("north.sup"))
    assert stopped.json()["stopped_on"] is not None
    assert day_plan(client, world, monday + timedelta(days=7))["stops"] == []
    again = make_rule(client, world, "north.sup", customer_id=a, starts_on=monday.isoformat())
    assert (again.status_code, again.json()["error"]["code"]) == (409, "customer_lost")
