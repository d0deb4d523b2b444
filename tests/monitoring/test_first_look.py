"""Someone first looked at in the middle of a shift (a phone registered at 10:00, the first
sweep after an upgrade) is watched from then: by the live monitor, by a replay when a late
fix reaches that shift after it ended, and by the daily summary."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from tests.monitoring.scene import MONDAY, P, Scene, at

SHIFT_END = 570  # 08:30-18:00


def first_seen_at_ten(scene: Scene) -> None:
    """Nothing looked at the rep before 10:00; outside the zone 10:00-10:30, then silent
    to the end of the shift."""
    for minute in range(90, 121):
        scene.upload([P(minute, 1000)], at(minute))
        scene.sweep(at(minute))
    scene.sweep(at(SHIFT_END + 5))


def event_spans(scene: Scene) -> list[tuple[str, float, float | None]]:
    def minutes(t: datetime) -> float:
        return (t - MONDAY).total_seconds() / 60

    return [
        (e.type, minutes(e.started_at), None if e.ended_at is None else minutes(e.ended_at))
        for e in scene.events()
    ]


def monday_summary(scene: Scene) -> dict[str, Any]:
    r = scene.client.get(
        f"/api/v1/staff/{scene.rep.id}/duty-summary",
        headers=scene.world.headers("north.sup"),
        params={"from": "2026-11-16"},
    )
    assert r.status_code == 200, r.text
    (monday,) = r.json()["days"]
    return dict(monday)


def test_the_live_monitor_makes_up_nothing_for_before_the_first_look(scene: Scene) -> None:
    first_seen_at_ten(scene)
    assert event_spans(scene) == [("off_zone", 90, 120), ("no_signal", 120, SHIFT_END)]


def test_a_late_fix_after_the_shift_replays_it_from_the_first_look(scene: Scene) -> None:
    first_seen_at_ten(scene)
    # the phone's buffer brings a fix from 10:20, after the shift ended: the shift is
    # replayed, and nobody is late or silent before 10:00 in hindsight
    assert scene.upload([P(110.5, 1000)], at(SHIFT_END + 10)) == ["accepted"]
    assert event_spans(scene) == [("off_zone", 90, 120), ("no_signal", 120, SHIFT_END)]


def test_the_daily_summary_agrees_with_the_events(scene: Scene) -> None:
    first_seen_at_ten(scene)
    monday = monday_summary(scene)
    assert monday["events"] == dict(Counter(e.type for e in scene.events()))
    assert monday["events"] == {"off_zone": 1, "no_signal": 1}
    # not watched before 10:00: of unknown standing, neither silent nor late
    assert monday["unknown_min"] == 90
    assert monday["off_zone_min"] == 30
    assert monday["no_signal_min"] == SHIFT_END - 120
    assert monday["in_zone_min"] == 0
    assert monday["off_duty_min"] == 24 * 60 - SHIFT_END
