"""The demo's field sales: outlets and prospects round Hangzhou for the two Xihu teams
(some placed from AMap, in GCJ-02), a week of work plans, visits of all three kinds
(routine, cold with a prospect made at the door, follow-ups that sign a partner) and
service-hall inspections, one failing a critical item and opening a corrective action.

Everything goes through the same services as the API; times are the week before the
demo's working day, so nothing collides with its attendance or its pings.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce import flows
from fieldforce.attachments import service as attachments
from fieldforce.attachments.models import SubjectKind
from fieldforce.attachments.store import Store
from fieldforce.auth.service import actor_for
from fieldforce.customers import service as customers
from fieldforce.customers.models import Customer
from fieldforce.demo import photos
from fieldforce.inspections import templates
from fieldforce.inspections.models import InspectionTemplate
from fieldforce.inspections.service import AnswerIn
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.plans import service as plans
from fieldforce.visits import service as visits
from fieldforce.visits.models import VisitType
from geo.crs import from_wgs84

TEAMS = ("xihu1", "xihu2")
OUTLETS_PER_REP = 5
KINDS = ("partner_outlet", "partner_outlet", "service_hall", "enterprise")
SHOPS = ("Outlet", "Hall", "Shop", "Store", "Kiosk")
ROADS = ("Wulin", "Hubin", "Yan'an", "Fengqi")


@dataclass
class FieldSummary:
    customers: int = 0
    visits: int = 0
    inspections: int = 0
    plans: int = 0


def _at(day: date, hh: int, mm: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hh, mm), tz).astimezone(UTC)


def _weekdays_before(workday: date, n: int) -> list[date]:
    out: list[date] = []
    day = workday - timedelta(days=1)
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day -= timedelta(days=1)
    return sorted(out)


def build_field(
    session: Session,
    tenant_id: uuid.UUID,
    workday: date,
    centre: tuple[float, float],
    tz: ZoneInfo,
    rng: random.Random,
    store: Store | None = None,
) -> FieldSummary:
    """With a `store`, visits and inspections carry photos and the halls are inspected
    against the shared service-hall checklist; without one, against a copy of it that
    asks for no photos."""
    summary = FieldSummary()
    people = {
        s.login: s
        for s in session.scalars(select(Staff).where(Staff.tenant_id == tenant_id))
        if s.login.startswith(TEAMS)
    }
    days = _weekdays_before(workday, 5)
    now = _at(workday, 8, 0, tz)
    for team in TEAMS:
        lead = people[f"{team}.lead"]
        lead_actor = actor_for(session, tenant_id, lead.id)
        for r in range(1, 5):
            rep = people[f"{team}.rep{r}"]
            outlets = _outlets(session, lead_actor, rep, centre, rng, summary)
            _week(session, rep, outlets, days, tz, rng, now, summary, store)
        _inspections(session, lead_actor, days, tz, rng, now, summary, store)
    return summary


def _outlets(
    session: Session,
    lead: Actor,
    rep: Staff,
    centre: tuple[float, float],
    rng: random.Random,
    summary: FieldSummary,
) -> list[Customer]:
    made = []
    for k in range(OUTLETS_PER_REP):
        lon = centre[0] + rng.uniform(-0.04, 0.04)
        lat = centre[1] + rng.uniform(-0.03, 0.03)
        crs = "wgs84"
        if k % 2:  # placed from an AMap search: given in GCJ-02, stored in WGS-84
            lon, lat = from_wgs84(lon, lat, "gcj02")
            crs = "gcj02"
        stage = ("partner", "partner", "partner", "intended", "prospect")[k]
        draft = customers.CustomerDraft(
            name=f"{rep.login.split('.')[0].title()} {SHOPS[k]} {rep.login[-1]}{k}",
            lon=lon,
            lat=lat,
            crs=crs,
            kind=KINDS[k % len(KINDS)] if k != 1 else "service_hall",
            stage=stage,
            owner_id=rep.id,
            org_unit_id=rep.org_unit_id,
            address=f"{rng.randint(1, 300)} {rng.choice(ROADS)} Road",
        )
        made.append(customers.create_customer(session, lead, draft))
        summary.customers += 1
    return made


def _week(
    session: Session,
    rep: Staff,
    outlets: list[Customer],
    days: list[date],
    tz: ZoneInfo,
    rng: random.Random,
    now: datetime,
    summary: FieldSummary,
    store: Store | None,
) -> None:
    actor = actor_for(session, rep.tenant_id, rep.id)
    partners = [c for c in outlets if c.stage == "partner"]
    for n, day in enumerate(days):
        planned = partners[n % len(partners) :] + partners[: n % len(partners)]
        plans.put_plan(
            session,
            actor,
            rep.id,
            day,
            [plans.StopIn(c.id) for c in planned[:2]],
            now=_at(day, 7, 0, tz),
        )
        summary.plans += 1
        for k, outlet in enumerate(planned[: 1 if n == 2 else 2]):  # one missed on the third day
            when = _at(day, 10 + 2 * k, 0, tz)
            _visit(session, actor, outlet, VisitType.ROUTINE, when, rng, now, store=store)
            summary.visits += 1
    # a prospect met on the first day becomes interested, and signs at the follow-up
    prospect = next(c for c in outlets if c.stage == "prospect")
    for kind, nth, stage in ((VisitType.COLD, 0, "intended"), (VisitType.FOLLOW_UP, 3, "partner")):
        when = _at(days[nth], 16, 0, tz)
        _visit(session, actor, prospect, kind, when, rng, now, stage, store)
    summary.visits += 2


def _visit(
    session: Session,
    actor: Actor,
    outlet: Customer,
    kind: VisitType,
    when: datetime,
    rng: random.Random,
    now: datetime,
    stage: str | None = None,
    store: Store | None = None,
) -> None:
    lon, lat = customers.position_of(outlet)
    away = rng.uniform(0, 60) if rng.random() > 0.1 else rng.uniform(200, 400)  # a few far off
    fix = visits.Fix(when, lon + away / 96_000, lat, rng.choice([8.0, 15.0, 30.0]))
    visit, _ = visits.check_in(session, actor, kind=kind, fix=fix, customer_id=outlet.id, now=now)
    left = when + timedelta(minutes=rng.randint(15, 50))
    out = visits.Fix(left, fix.lon, fix.lat, fix.accuracy_m)
    said = rng.choice(["Ordered SIM cards", "Restocked posters", "Discussed 5G plans"])
    visits.check_out(session, actor, visit.id, out, visits.Outcome(said, stage=stage), now=now)
    if store is not None:
        photo = photos.upload_photo(session, actor, store, rng, f"{outlet.name}.jpg")
        attachments.attach(session, actor, photo.id, SubjectKind.VISIT, visit.id)


def _inspections(
    session: Session,
    lead_actor: Actor,
    days: list[date],
    tz: ZoneInfo,
    rng: random.Random,
    now: datetime,
    summary: FieldSummary,
    store: Store | None,
) -> None:
    halls = [
        c
        for c in customers.list_customers(
            session, lead_actor, customers.Filters(kind="service_hall"), limit=50, cursor=None
        ).items
        if c.stage == "partner"
    ][:3]
    template = _quick_check(session, lead_actor) if store is None else _shared(session, lead_actor)
    spec = templates.spec_of(template)
    for n, hall in enumerate(halls):
        lon, lat = customers.position_of(hall)
        failing = {"safety": "no"} if n == 0 else {"seating": "no"} if n == 1 else {}
        answers = []
        for key, item in spec.items().items():
            answer = failing.get(key, "na" if item.applicable_if else "yes")
            photo = None
            if store is not None and item.photo and answer != "na":
                photo = photos.upload_photo(session, lead_actor, store, rng, f"{key}.jpg").id
            answers.append(AnswerIn(key, answer, photo))
        started = _at(days[n + 2], 14, 0, tz)  # recent enough to be taken from the phone
        flows.submit_inspection(
            session,
            lead_actor,
            template_id=template.id,
            customer_id=hall.id,
            fix=visits.Fix(started, lon, lat, 10.0),
            answers=answers,
            finished_at=started + timedelta(minutes=35),
            inspection_id=None,
            push=False,
        )
        summary.inspections += 1


def _shared(session: Session, actor: Actor) -> InspectionTemplate:
    return next(
        t for t in templates.latest(session, actor) if t.key == templates.default_spec()["key"]
    )


QUICK_CHECK = "outlet-quick-check"


def _quick_check(session: Session, actor: Actor) -> InspectionTemplate:
    """The shared checklist without its photo requirements, for quick rounds (the demo
    has no photos to show); made once, by an administrator."""
    found = next((t for t in templates.latest(session, actor) if t.key == QUICK_CHECK), None)
    if found is not None:
        return found
    spec = templates.default_spec()
    sections = [
        {**s, "items": [{k: v for k, v in i.items() if k != "photo"} for i in s["items"]]}
        for s in spec["sections"]
    ]
    admin = session.scalar(
        select(Staff).where(Staff.tenant_id == actor.tenant_id, Staff.roles.contains(["admin"]))
    )
    assert admin is not None
    by_admin = actor_for(session, actor.tenant_id, admin.id)
    raw = {
        "key": QUICK_CHECK,
        "name": {"zh": "网点快速检查", "en": "Quick outlet check"},
        "scoring": spec["scoring"],
        "sections": sections,
    }
    return templates.create(session, by_admin, raw)
