"""A group of single fixes judged by one zone test for each set of zones people share
(``judge.judge_together``): every verdict is the one the person's own judge reaches
alone, across people of two zone sets, two tenants, a person with no zone, and fixes
inside, straddling the edge, far outside and of unknown accuracy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from fieldforce.monitoring.judge import Judge, Setup, judge_together, rules_for, zone_key
from fieldforce.monitoring.machine import Rules
from fieldforce.org.models import Staff
from fieldforce.tracking.queries import GoodFix
from fieldforce.zones.models import Zone
from geo.distance import WGS84
from tests.world import World, add_work_area

NORTH, SOUTH = (121.47, 31.23), (121.50, 31.20)


def _fixes(center: tuple[float, float], now: datetime, salt: int) -> list[GoodFix]:
    """Inside, near the edge (both ways), far outside, and without an accuracy."""
    out = []
    for k, (distance, accuracy) in enumerate(
        [(50, 10.0), (290, 30.0), (320, 15.0), (2_000, 10.0), (100, None)]
    ):
        lon, lat, _ = WGS84.fwd(center[0], center[1], 40.0 * salt + k, distance)
        out.append(GoodFix(now - timedelta(seconds=k + salt), float(lon), float(lat), accuracy))
    return out


def _setup(judge: Judge, zones: list[Zone]) -> Setup:
    return Setup(rules_for(judge.settings, zones), [z.id for z in zones], zone_key(zones))


def test_verdicts_reached_together_are_the_ones_reached_alone(db: Session, world: World) -> None:
    now = datetime.now(UTC)
    north = add_work_area(db, world.units["north-a"], NORTH, 300)
    south = add_work_area(db, world.units["south-a"], SOUTH, 300)
    other = add_work_area(db, world.units["other-root"], NORTH, 300)  # same place, own tenant
    people: list[tuple[Staff, list[Zone], tuple[float, float]]] = [
        (world.staff["north.rep"], [north], NORTH),
        (world.staff["north.sup"], [north], NORTH),
        (world.staff["south.rep"], [south], SOUTH),
        (world.staff["other.rep"], [other], NORTH),
        (world.staff["admin"], [], NORTH),  # no zone: only no-signal applies
    ]
    asked = []
    for salt, (staff, zones, center) in enumerate(people):
        tenant = world.tenant if staff.tenant_id == world.tenant.id else world.other_tenant
        judge = Judge(db, staff, tenant, now)
        asked.append((judge, _setup(judge, zones), _fixes(center, now, salt)))
    alone = [Judge(db, j.staff, j.tenant, now).verdicts(setup, fixes) for j, setup, fixes in asked]

    judge_together(asked)

    together = [judge.verdicts(setup, fixes) for judge, setup, fixes in asked]
    assert together == alone
    verdicts = {f.verdict.value for fixes in alone for f in fixes}
    assert verdicts == {"inside", "straddling", "outside"}
    assert [bool(j._judged) for j, _, _ in asked] == [True, True, True, True, False]
    # what was not judged together is judged when asked
    judge, setup, fixes = asked[0]
    later = [GoodFix(now, fixes[3].lon, fixes[3].lat, 5.0)]
    assert judge.verdicts(setup, later) == Judge(db, judge.staff, judge.tenant, now).verdicts(
        setup, later
    )
    # another shift's rules are another question
    stricter = Setup(Rules(margin_m=0.0), setup.zone_ids, setup.zone_key)
    assert judge.verdicts(stricter, fixes) == Judge(db, judge.staff, judge.tenant, now).verdicts(
        stricter, fixes
    )
