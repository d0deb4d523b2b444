"""``fieldforce demo``: a provincial operator with city branches, teams, reps and phones.

Built through the same services the API uses, so the demo obeys every rule real data does.
Deterministic: the same seed gives the same people and the same day.

The day is an ordinary one: every rep works inside their branch's work area, except a few
named in ``UNUSUAL_DAYS`` whose day gives the monitor something to say (a customer out of
town, a phone gone quiet, a late start), so that each kind of event shows a few times.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rich.progress import Progress
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce import flows
from fieldforce.attachments.store import Store
from fieldforce.auth.service import actor_for
from fieldforce.db import owned_session
from fieldforce.demo import attendance, sales, workflows
from fieldforce.devices import service as devices
from fieldforce.devices.models import Device
from fieldforce.monitoring.models import ZoneEvent
from fieldforce.org import service as units
from fieldforce.org import staff as staff_service
from fieldforce.org.models import Role, Staff, UnitKind
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Tenant, TenantSettings
from fieldforce.tracking.ingest import Status, Uploader
from fieldforce.tracking.simulate import Deviation, WorkArea, simulate_day
from fieldforce.zones import service as zone_service
from fieldforce.zones.models import ZoneKind

DEMO_TENANT = "Demo Provincial Mobile"
DEMO_ADMIN = "admin"
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - documented demo credential
DEMO_TIMEZONE = "Asia/Shanghai"

# where each city's reps start their day (lon, lat)
CITY_CENTRES: dict[str, tuple[float, float]] = {
    "Hangzhou": (120.1551, 30.2741),
    "Ningbo": (121.5497, 29.8750),
    "Wenzhou": (120.6994, 27.9943),
}
# city branch → its district sub-branches; each sub-branch has two sales teams
CITIES: dict[str, list[str]] = {
    "Hangzhou": ["Xihu", "Binjiang"],
    "Ningbo": ["Haishu", "Yinzhou"],
    "Wenzhou": ["Lucheng", "Ouhai"],
}
TEAMS_PER_SUB_BRANCH = 2
WORK_AREA_RADIUS_M = 6_000
REPS_PER_TEAM = 4
# the reps whose day is not an ordinary one, spread over the branches; each gives the events
# of its kind: an excursion one off-zone event, a silence one no-signal event, a late start
# a late arrival and the off-zone event of the way in
UNUSUAL_DAYS: dict[str, Deviation] = {
    "xihu2.rep3": Deviation.EXCURSION,
    "haishu1.rep2": Deviation.EXCURSION,
    "ouhai2.rep1": Deviation.EXCURSION,
    "binjiang1.rep4": Deviation.EXCURSION,
    "binjiang2.rep2": Deviation.SILENCE,
    "yinzhou2.rep3": Deviation.SILENCE,
    "lucheng1.rep1": Deviation.SILENCE,
    "yinzhou1.rep4": Deviation.LATE,
    "lucheng2.rep2": Deviation.LATE,
}
SURNAMES = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Zhao",
    "Huang",
    "Zhou",
    "Wu",
    "Xu",
    "Sun",
    "Hu",
    "Zhu",
    "Gao",
    "Lin",
    "He",
    "Guo",
    "Ma",
    "Luo",
]
GIVEN = [
    "Wei",
    "Fang",
    "Na",
    "Min",
    "Jing",
    "Lei",
    "Qiang",
    "Jun",
    "Yang",
    "Yong",
    "Yan",
    "Jie",
    "Tao",
    "Ming",
    "Chao",
    "Xia",
    "Ping",
    "Gang",
    "Hui",
]


@dataclass
class DemoSummary:
    tenant_id: uuid.UUID
    units: int = 0
    staff: int = 0
    devices: int = 0
    zones: int = 0
    pings: int = 0
    events: int = 0
    leave_requests: int = 0
    claims: int = 0
    punches: int = 0
    customers: int = 0
    visits: int = 0
    inspections: int = 0
    logins: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"demo tenant {self.tenant_id}: {self.units} org units, {self.staff} staff, "
            f"{self.devices} devices, {self.zones} work zones, {self.pings} pings of one "
            f"working day, {self.events} off-zone, no-signal and late-arrival events, "
            f"{self.leave_requests} leave requests, {self.claims} travel claims, "
            f"{self.punches} attendance punches, {self.customers} customers, {self.visits} "
            f"visits and {self.inspections} inspections\n"
            f"sign in as tenant 'demo-provincial-mobile', password '{DEMO_PASSWORD}', with "
            f"any of: {', '.join(self.logins)}"
        )


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def next(self) -> str:
        while True:
            given = self.rng.choice(GIVEN) + self.rng.choice(GIVEN).lower()
            name = f"{self.rng.choice(SURNAMES)} {given}"
            if name not in self.used:
                self.used.add(name)
                return name


def build_demo(
    factory: sessionmaker[Session],
    *,
    push: bool,
    reset: bool = False,
    seed: int = 7,
    store: Store | None = None,
) -> DemoSummary:
    """The demo tenant (built once unless ``reset``); its alerts are queued as push when
    ``push`` is on, like any other; its visits and inspections carry photos kept in
    ``store`` when one is given."""
    with owned_session(factory) as session:
        existing = session.scalar(select(Tenant).where(Tenant.name == DEMO_TENANT))
        if existing is not None:
            if not reset:
                summary = DemoSummary(existing.id)
                summary.logins = [DEMO_ADMIN]
                return summary
            session.execute(delete(Tenant).where(Tenant.id == existing.id))
    with owned_session(factory) as session:
        rng = random.Random(seed)  # noqa: S311 - not security related
        return _build(session, rng, push=push, store=store)


def _build(session: Session, rng: random.Random, *, push: bool, store: Store | None) -> DemoSummary:
    result = flows.create_tenant(
        session,
        tenant_name=DEMO_TENANT,
        admin_login=DEMO_ADMIN,
        admin_password=DEMO_PASSWORD,
        timezone=DEMO_TIMEZONE,
        admin_name="Demo Administrator",
    )
    admin = actor_for(session, result.tenant.id, result.admin.id)
    workflows.configure(session, admin)
    summary = DemoSummary(result.tenant.id, units=1, staff=1)
    names = _Names(rng)
    employee_no = iter(range(10001, 99999))
    teams_total = len(CITIES) * 2 * TEAMS_PER_SUB_BRANCH
    day = last_working_day(datetime.now(UTC))
    with Progress(transient=True) as progress:
        task = progress.add_task("building the demo org", total=teams_total + 1)
        finance = _person(
            session,
            admin,
            summary,
            names,
            next(employee_no),
            "finance",
            result.admin.org_unit_id,
            None,
            [Role.FINANCE.value],
        )
        summary.logins.extend([DEMO_ADMIN, finance.login])
        progress.advance(task)
        for city, districts in CITIES.items():
            branch = units.create_unit(
                session,
                admin,
                name=f"{city} Branch",
                parent_id=result.admin.org_unit_id,
                kind=UnitKind.BRANCH.value,
                code=city[:3].upper(),
            )
            manager = _person(
                session,
                admin,
                summary,
                names,
                next(employee_no),
                f"{city.lower()}.manager",
                branch.id,
                None,
                [Role.MANAGER.value],
            )
            summary.units += 1
            summary.logins.append(manager.login)
            _work_zone(session, admin, summary, city, branch.id)
            for district in districts:
                sub = units.create_unit(
                    session,
                    admin,
                    name=f"{district} District",
                    parent_id=branch.id,
                    kind=UnitKind.SUB_BRANCH.value,
                )
                summary.units += 1
                for n in range(1, TEAMS_PER_SUB_BRANCH + 1):
                    team = units.create_unit(
                        session,
                        admin,
                        name=f"{district} Sales Team {n}",
                        parent_id=sub.id,
                        kind=UnitKind.TEAM.value,
                    )
                    summary.units += 1
                    lead = _person(
                        session,
                        admin,
                        summary,
                        names,
                        next(employee_no),
                        f"{district.lower()}{n}.lead",
                        team.id,
                        manager.id,
                        [Role.SUPERVISOR.value],
                    )
                    if len(summary.logins) < 6:
                        summary.logins.append(lead.login)
                    for r in range(1, REPS_PER_TEAM + 1):
                        rep = _person(
                            session,
                            admin,
                            summary,
                            names,
                            next(employee_no),
                            f"{district.lower()}{n}.rep{r}",
                            team.id,
                            lead.id,
                            [Role.REP.value],
                        )
                        device = _phone(session, admin, summary, rng, rep)
                        area = WorkArea(CITY_CENTRES[city], WORK_AREA_RADIUS_M)
                        _working_day(session, summary, rng, rep, device, area, day, push=push)
                        if len(summary.logins) < 8:
                            summary.logins.append(rep.login)
                    progress.advance(task)
    done = workflows.build_workflows(
        session, admin, day[0].astimezone(ZoneInfo(DEMO_TIMEZONE)).date(), day
    )
    summary.leave_requests, summary.claims = done.leave_requests, done.claims
    summary.punches = attendance.build_attendance(
        session,
        result.tenant.id,
        day[0].astimezone(ZoneInfo(DEMO_TIMEZONE)).date(),
        CITY_CENTRES["Hangzhou"],
        ZoneInfo(DEMO_TIMEZONE),
        rng,
        datetime.now(UTC),
    ).punches
    field_sales = sales.build_field(
        session,
        result.tenant.id,
        day[0].astimezone(ZoneInfo(DEMO_TIMEZONE)).date(),
        CITY_CENTRES["Hangzhou"],
        ZoneInfo(DEMO_TIMEZONE),
        rng,
        store,
    )
    summary.customers, summary.visits = field_sales.customers, field_sales.visits
    summary.inspections = field_sales.inspections
    summary.events = (
        session.scalar(
            select(func.count())
            .select_from(ZoneEvent)
            .where(ZoneEvent.tenant_id == summary.tenant_id, ZoneEvent.retracted_at.is_(None))
        )
        or 0
    )
    return summary


def _person(
    session: Session,
    admin: Actor,
    summary: DemoSummary,
    names: _Names,
    number: int,
    login: str,
    unit_id: uuid.UUID,
    manager_id: uuid.UUID | None,
    roles: list[str],
) -> Staff:
    staff = staff_service.create_staff(
        session,
        admin,
        login=login,
        password=DEMO_PASSWORD,
        name=names.next(),
        org_unit_id=unit_id,
        manager_id=manager_id,
        roles=roles,
        employee_code=f"E{number}",
        phone=f"+86 138{number:08d}"[:17],
    )
    summary.staff += 1
    return staff


def _phone(
    session: Session, admin: Actor, summary: DemoSummary, rng: random.Random, rep: Staff
) -> Device:
    protocol = rng.choices(["app", "osmand", "owntracks"], weights=[8, 1, 1])[0]
    platform = "ios" if protocol == "owntracks" and rng.random() < 0.5 else "android"
    issued = devices.register_device(
        session,
        admin,
        staff_id=rep.id,
        platform=platform,
        protocol=protocol,
        name=f"{rep.login} phone",
    )
    summary.devices += 1
    return issued.device


def last_working_day(now: datetime, tz: str = DEMO_TIMEZONE) -> tuple[datetime, datetime]:
    """08:30–18:00 local time of the latest day whose work is over."""
    local = now.astimezone(ZoneInfo(tz))
    day = local.date() if local.time() >= time(18, 0) else local.date() - timedelta(days=1)
    while day.weekday() == 6:  # the default week has no Sunday
        day -= timedelta(days=1)
    start = datetime.combine(day, time(8, 30), ZoneInfo(tz))
    return start.astimezone(UTC), datetime.combine(day, time(18, 0), ZoneInfo(tz)).astimezone(UTC)


def _working_day(
    session: Session,
    summary: DemoSummary,
    rng: random.Random,
    rep: Staff,
    device: Device,
    area: WorkArea,
    day: tuple[datetime, datetime],
    *,
    push: bool,
) -> None:
    """Upload the rep's day the way the phone would: live in batches, the offline stretch
    late, through the same ingest as the API."""
    simulated = simulate_day(
        rng,
        area,
        *day,
        customers=rng.randint(4, 6),
        offline=rng.random() < 0.3,
        deviation=UNUSUAL_DAYS.get(rep.login),
    )
    who = Uploader(rep.tenant_id, rep.id, device.id, TenantSettings())
    for k in range(0, len(simulated.pings), 200):
        results = flows.ingest(session, who, simulated.pings[k : k + 200], push=push)
        summary.pings += sum(r.status is Status.ACCEPTED for r in results)  # not after 18:00


def _work_zone(
    session: Session, admin: Actor, summary: DemoSummary, city: str, branch_id: uuid.UUID
) -> None:
    """A circle round the city centre for the whole branch, where its reps' offices and
    customers are."""
    lon, lat = CITY_CENTRES[city]
    zone = zone_service.create_zone(
        session,
        admin,
        name=f"{city} work area",
        kind=ZoneKind.WORK_AREA.value,
        geometry={"type": "Point", "coordinates": [lon, lat]},
        radius_m=WORK_AREA_RADIUS_M,
        code=f"{city[:3].upper()}-AREA",
        org_unit_id=branch_id,
    )
    flows.assign_zone(session, admin, zone.id, org_unit_id=branch_id)
    summary.zones += 1
