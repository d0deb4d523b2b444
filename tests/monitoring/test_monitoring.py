"""Off-zone monitoring end to end on synthetic tracks with known truth: fixes go in through
the ingest flow minute by minute as a phone would send them, and the sweep runs every
minute as the job does. Shanghai time (UTC+8) throughout."""

import random
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fieldforce import flows
from fieldforce.monitoring.models import MonitorState, ZoneEvent
from tests.monitoring.scene import MONDAY, RADIUS, WORKDAYS, P, Scene, at, inside, outside, spot
from tests.world import World


def summary(events: list[ZoneEvent]) -> list[tuple[str, datetime, datetime | None, int | None]]:
    return [(e.type, e.started_at, e.ended_at, e.duration_s) for e in events]


def test_drift_across_the_boundary_with_poor_accuracy_raises_nothing(scene: Scene) -> None:
    rng = random.Random(7)
    track = [P(m, 50) for m in range(0, 5)]
    for m in range(5, 120):
        # the reported position wanders 60 m either side of the boundary; the phone says it
        # is only good to 80-150 m, so no fix proves the rep left
        track.append(P(m, RADIUS + rng.uniform(-60, 60), rng.uniform(80, 150), rng.uniform(0, 360)))
    scene.live(track, until=120)
    assert scene.events() == []
    assert scene.alerts() == []
    assert scene.status() == "in_zone"


def test_a_fifteen_minute_excursion_is_one_event_with_its_duration_and_one_alert(
    scene: Scene,
) -> None:
    scene.live(inside(0, 60) + outside(60, 75) + inside(75, 100), until=100)
    (event,) = scene.events()
    assert summary([event]) == [("off_zone", at(60), at(75), 900)]
    assert event.zone_id == uuid.UUID(scene.zone_id)
    assert event.details["confirmed_at"] == at(70).isoformat()
    (alert,) = scene.alerts()
    assert alert.title == "Off zone: North Rep"
    assert alert.data["event_id"] == str(event.id)
    assert "2026-11-16 09:30" in alert.body  # local time
    assert scene.alerts("north.rep2") == []
    assert scene.status() == "in_zone"


def test_the_status_is_off_zone_while_it_lasts(scene: Scene) -> None:
    scene.live(inside(0, 30) + outside(30, 45), until=44)
    assert scene.status() == "off_zone"
    (event,) = scene.events()
    assert event.ended_at is None
    assert event.duration_s is None


def test_a_five_minute_excursion_raises_nothing(scene: Scene) -> None:
    scene.live(inside(0, 60) + outside(60, 65) + inside(65, 100), until=100)
    assert scene.events() == []
    assert scene.alerts() == []


def test_a_phone_silent_for_thirty_minutes_raises_no_signal_from_its_last_fix(
    scene: Scene,
) -> None:
    scene.live(inside(0, 30), until=55)
    (gap,) = scene.events()
    assert summary([gap]) == [("no_signal", at(29), None, None)]
    assert scene.status() == "no_signal"
    (alert,) = scene.alerts()
    assert alert.title == "No signal: North Rep"
    scene.live(inside(60, 70), until=70)  # the phone is back
    (gap,) = scene.events()
    assert summary([gap]) == [("no_signal", at(29), at(60), 1860)]
    assert len(scene.alerts()) == 1
    assert scene.status() == "in_zone"


def test_late_arrival_from_the_shift_start_to_the_first_fix_in_the_zone(scene: Scene) -> None:
    scene.live(outside(0, 25) + inside(25, 40), until=40)
    events = {e.type: e for e in scene.events()}
    assert summary([events["late_arrival"]]) == [("late_arrival", at(0), at(25), 1500)]
    assert events["late_arrival"].details["detected_at"] == at(15).isoformat()
    assert summary([events["off_zone"]]) == [("off_zone", at(0), at(25), 1500)]
    assert sorted(a.title for a in scene.alerts()) == ["Late: North Rep", "Off zone: North Rep"]


def test_arriving_within_the_grace_is_not_late(scene: Scene) -> None:
    scene.live(inside(10, 40), until=40)
    assert scene.events() == []


def test_shift_boundaries_in_shanghai_time(scene: Scene) -> None:
    # 08:29 local is before the shift: discarded, and the rep is off duty
    assert scene.upload([P(-1, 50)], at(-1)) == ["discarded"]
    scene.sweep(at(-1))
    assert scene.status() == "off_duty"
    assert scene.upload([P(0, 50)], at(0)) == ["accepted"]  # 08:30 local
    assert scene.status() == "in_zone"
    # out of the zone at the end of the day: the event closes at 18:00 local
    scene.live(outside(9 * 60 + 10, 9 * 60 + 30), until=9 * 60 + 31, start=MONDAY)
    assert scene.upload([P(9 * 60 + 30, 1000)], at(9 * 60 + 30)) == ["discarded"]
    scene.sweep(at(9 * 60 + 31))
    assert scene.status() == "off_duty"
    off = [e for e in scene.events() if e.type == "off_zone"]
    assert summary(off) == [("off_zone", at(9 * 60 + 10), at(9 * 60 + 30), 1200)]
    assert off[0].ended_at == datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # 18:00 local


def test_a_night_shift_across_midnight(
    client: TestClient, world: World, db: Session, session_factory: sessionmaker[Session]
) -> None:
    night = [{"weekday": 0, "start": "22:00", "end": "06:00"}]  # Monday night
    scene = Scene(client, world, db, session_factory, weekly=night)
    start = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # Monday 22:00 local
    track = inside(0, 200) + outside(200, 230) + inside(230, 480)  # 01:20-01:50 Tuesday
    scene.live(track, until=490, start=start)
    (event,) = scene.events()
    assert summary([event]) == [("off_zone", at(200, start), at(230, start), 1800)]
    assert event.shift_start == start
    assert scene.status() == "off_duty"  # 06:10 Tuesday
    assert scene.upload([P(485, 50)], at(486, start), start) == ["discarded"]


def test_late_offline_fixes_change_the_past_without_duplicate_events(scene: Scene) -> None:
    # live until minute 60, then the phone loses its connection and buffers its fixes
    scene.live(inside(0, 60), until=100)
    (gap,) = scene.events()
    assert gap.type == "no_signal"
    # at minute 100 the buffer arrives: the rep was out of the zone from 65 to 85
    buffered = inside(60, 65) + outside(65, 85) + inside(85, 101)
    scene.upload(buffered, at(100, MONDAY) + timedelta(seconds=30))
    (event,) = scene.events()
    assert summary([event]) == [("off_zone", at(65), at(85), 1200)]
    assert [e.type for e in scene.events(retracted=True)] == ["no_signal", "off_zone"]
    # the same buffer again, in two halves out of order, then more sweeps: nothing new
    scene.upload(buffered[40:], at(101))
    scene.upload(buffered[:40], at(101))
    scene.live(inside(101, 120), until=120)
    assert summary(scene.events()) == [("off_zone", at(65), at(85), 1200)]
    titles = sorted(a.title for a in scene.alerts())
    assert titles == ["No signal: North Rep", "Off zone: North Rep"]


def test_a_late_fix_inside_an_excursion_shortens_it(scene: Scene) -> None:
    scene.live(inside(0, 30) + outside(30, 50) + inside(50, 60), until=60)
    (event,) = scene.events()
    assert (event.started_at, event.ended_at) == (at(30), at(50))
    # a fix from minute 44, held back by the phone, shows the rep already back
    scene.upload([P(44.5, 50)], at(60, MONDAY))
    (again,) = scene.events()
    assert again.id == event.id  # the same event, corrected, not a new one
    assert (again.started_at, again.ended_at) == (at(30), at(44.5))
    assert len(scene.alerts()) == 1


def test_sweeping_twice_at_the_same_moment_changes_nothing(scene: Scene) -> None:
    scene.live(inside(0, 30) + outside(30, 45), until=45)
    before = [(e.id, e.ended_at, e.updated_at) for e in scene.events()]
    scene.sweep(at(45, MONDAY) + timedelta(seconds=5))
    scene.sweep(at(45, MONDAY) + timedelta(seconds=5))
    assert [(e.id, e.ended_at, e.updated_at) for e in scene.events()] == before
    assert len(scene.alerts()) == 1


def test_someone_without_zones_gets_no_signal_only(
    client: TestClient, world: World, db: Session, session_factory: sessionmaker[Session]
) -> None:
    scene = Scene(client, world, db, session_factory)
    r = client.get(f"/api/v1/zones/{scene.zone_id}/assignments", headers=world.headers("north.sup"))
    (assignment,) = r.json()["items"]
    r = client.delete(
        f"/api/v1/zones/{scene.zone_id}/assignments/{assignment['id']}",
        headers=world.headers("north.sup"),
    )
    assert r.status_code == 204
    scene.live(outside(0, 30), until=60)
    assert [e.type for e in scene.events()] == ["no_signal"]
    assert scene.status() == "no_signal"


def test_an_offline_buffer_sent_in_parts_with_sweeps_between_gives_one_event(
    scene: Scene,
) -> None:
    scene.live(inside(0, 60), until=100)  # silent from 59: no_signal raised at 79
    buffered = inside(60, 65) + outside(65, 85) + inside(85, 101)
    for part, minute in zip(range(0, 41, 10), range(100, 105), strict=False):
        scene.upload(buffered[part : part + 10], at(minute) + timedelta(seconds=10))
        scene.sweep(at(minute) + timedelta(seconds=20))  # a sweep between the parts
    scene.live(inside(105, 110), until=110)
    assert summary(scene.events()) == [("off_zone", at(65), at(85), 1200)]
    titles = sorted(a.title for a in scene.alerts())
    assert titles.count("Off zone: North Rep") == 1
    assert titles.count("No signal: North Rep") == 1, titles
    assert scene.status() == "in_zone"


def test_being_in_a_restricted_zone_is_not_being_where_one_should_be(scene: Scene) -> None:
    sup = scene.world.headers("north.sup")
    lon, lat = spot(1000)  # where outside() puts the rep
    r = scene.client.post(
        "/api/v1/zones",
        headers=sup,
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": "Rival's shop", "kind": "restricted", "radius_m": 400},
        },
    )
    assert r.status_code == 201, r.text
    r = scene.client.post(
        f"/api/v1/zones/{r.json()['id']}/assignments",
        headers=sup,
        json={"staff_id": scene.world.staff_id("north.rep")},
    )
    assert r.status_code == 201, r.text
    scene.live(inside(0, 30) + outside(30, 50) + inside(50, 60), until=60)
    (event,) = scene.events()
    assert summary([event]) == [("off_zone", at(30), at(50), 1200)]
    assert event.zone_id == uuid.UUID(scene.zone_id)  # the nearest zone the rep should be in


def test_duty_around_the_clock_for_days_raises_nothing_while_the_rep_stays(
    client: TestClient, world: World, db: Session, session_factory: sessionmaker[Session]
) -> None:
    always = [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]
    scene = Scene(client, world, db, session_factory, weekly=always)
    every_quarter = [P(m, 50) for m in range(0, 5 * 24 * 60, 15)]  # five days
    for p in every_quarter:
        now = at(p.minute) + timedelta(seconds=5)
        scene.upload([p], now)
        scene.sweep(now)
    assert scene.events() == []  # the shift runs on; nobody was late, silent or away
    assert scene.status() == "in_zone"


def test_someone_first_seen_mid_shift_is_watched_from_then(scene: Scene) -> None:
    # nothing looked at the rep before 10:00 (say monitoring was switched on then)
    for minute in range(90, 121):
        now = at(minute) + timedelta(seconds=5)
        scene.upload([P(minute, 1000)], now)
        scene.sweep(now)
    (away,) = scene.events()  # not late: lateness is not made up for in hindsight
    assert summary([away]) == [("off_zone", at(90), None, None)]
    assert away.shift_start == MONDAY  # the shift it belongs to, as scheduled


def test_a_silent_supervisor_in_the_same_sweep_does_not_swallow_the_alert_about_the_rep(
    scene: Scene, client: TestClient, world: World
) -> None:
    """The supervisor is monitored too (a phone, on duty around the clock), shares the rep's
    team and (no) manager, and falls silent twenty seconds before the rep does, so the sweep that
    finds both looks at the supervisor first: nobody is told about themself, but the rep's
    alert still reaches them."""
    sup = world.staff["north.sup"]
    sup.manager_id = scene.rep.manager_id = None
    scene.db.commit()
    r = client.post(
        "/api/v1/devices",
        headers=world.headers("admin"),
        json={"staff_id": str(sup.id), "platform": "android", "protocol": "osmand"},
    )
    assert r.status_code == 201, r.text
    scene.sweep(at(0) + timedelta(seconds=10))  # both watched from 08:00:10
    scene.upload([P(0.5, 50)], at(0) + timedelta(seconds=35))
    scene.sweep(at(21))  # due: the supervisor since 08:20:10, the rep since 08:20:30
    assert [e.type for e in scene.events()] == ["no_signal"]
    assert [a.title for a in scene.alerts("north.sup")] == ["No signal: North Rep"]
    (about_sup,) = scene.alerts("north.manager")  # the next unit up
    assert about_sup.title == "No signal: North Sup"


def test_people_of_units_with_and_without_a_schedule_above_them_swept_together(
    client: TestClient, world: World, db: Session, session_factory: sessionmaker[Session]
) -> None:
    """The North branch works 08:30-18:00; the South branch has no schedule, so the
    tenant's default (around the clock) applies there. One sweep batch holds people of
    both, and each is judged by their own plan."""
    admin = world.headers("admin")
    r = client.post(
        "/api/v1/schedules",
        headers=admin,
        json={
            "org_unit_id": world.unit_id("north"),
            "timezone": "Asia/Shanghai",
            "weekly": WORKDAYS,
        },
    )
    assert r.status_code == 201, r.text
    people = ["north.rep", "north.rep2", "south.rep"]
    for who in people:
        r = client.post(
            "/api/v1/devices",
            headers=admin,
            json={"staff_id": world.staff_id(who), "platform": "android", "protocol": "osmand"},
        )
        assert r.status_code == 201, r.text

    def on_duty(now: datetime) -> dict[str, bool]:
        flows.sweep_monitors(session_factory, now, push=False)
        db.expire_all()
        states = {
            who: db.get(MonitorState, (world.tenant.id, world.staff[who].id)) for who in people
        }
        return {who: s.on_duty for who, s in states.items() if s is not None}

    evening = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)  # Monday 20:00 in Shanghai
    assert on_duty(evening) == {"north.rep": False, "north.rep2": False, "south.rep": True}
    morning = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tuesday 10:00
    assert on_duty(morning) == {"north.rep": True, "north.rep2": True, "south.rep": True}
