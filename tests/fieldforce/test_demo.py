from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.auth.service import actor_for
from fieldforce.demo import DEMO_TENANT, UNUSUAL_DAYS, build_demo, last_working_day
from fieldforce.devices.models import Device
from fieldforce.monitoring.models import ZoneEvent
from fieldforce.org import staff as staff_service
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.tenancy.models import Tenant
from fieldforce.tracking.models import LatestPosition, Ping, PingFlag
from fieldforce.tracking.queries import load_track
from fieldforce.tracking.simulate import Deviation


def test_demo_builds_a_provincial_operator_once(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    summary = build_demo(session_factory, push=False)
    tenant = db.scalar(select(Tenant).where(Tenant.name == DEMO_TENANT))
    assert tenant is not None
    assert tenant.timezone == "Asia/Shanghai"

    def count(model: type[OrgUnit] | type[Staff] | type[Device]) -> int:
        return (
            db.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant.id))
            or 0
        )

    assert (summary.units, summary.staff, summary.devices) == (
        count(OrgUnit),
        count(Staff),
        count(Device),
    )
    assert count(OrgUnit) == 1 + 3 + 6 + 12  # group, city branches, districts, teams
    reps = db.scalar(
        select(func.count()).where(Staff.tenant_id == tenant.id, Staff.roles.contains(["rep"]))
    )
    assert reps == 48
    assert count(Device) == reps
    # a city manager sees exactly their branch: themselves, 4 leads and 16 reps
    manager = db.scalar(
        select(Staff).where(Staff.tenant_id == tenant.id, Staff.login == "hangzhou.manager")
    )
    assert manager is not None
    page = staff_service.list_staff(
        db, actor_for(db, tenant.id, manager.id), limit=500, cursor=None
    )
    assert len(page.items) == 21
    # every rep reports to the supervisor of their own team
    leads = {
        s.id: s
        for s in db.scalars(
            select(Staff).where(Staff.tenant_id == tenant.id, Staff.roles.contains(["supervisor"]))
        )
    }
    for rep in db.scalars(
        select(Staff).where(Staff.tenant_id == tenant.id, Staff.roles.contains(["rep"]))
    ):
        assert rep.manager_id in leads
        assert leads[rep.manager_id].org_unit_id == rep.org_unit_id
    # one simulated working day per rep: everyone is on the map, with some flagged fixes
    assert 29_000 < summary.pings < 33_000  # the console's load time is measured on ~31k
    flagged = dict(
        db.execute(
            select(Ping.flags, func.count()).where(Ping.tenant_id == tenant.id).group_by(Ping.flags)
        ).all()
    )
    assert sum(flagged.values()) == summary.pings
    assert flagged[PingFlag.JUMP] > 0
    assert flagged[PingFlag.INACCURATE] > 0
    assert flagged[0] > 0.9 * summary.pings
    positions = db.scalar(
        select(func.count())
        .select_from(LatestPosition)
        .where(LatestPosition.tenant_id == tenant.id)
    )
    assert positions == reps
    # a work zone per city branch, and an ordinary day in it for all but a few
    assert summary.zones == 3
    start, end = last_working_day(datetime.now(UTC))
    _the_day_is_ordinary_but_for_a_few(db, tenant.id, start, end, summary.events)
    rep = db.scalar(select(Staff).where(Staff.tenant_id == tenant.id, Staff.login == "xihu1.rep1"))
    assert rep is not None
    track = load_track(
        db, actor_for(db, tenant.id, manager.id), rep.id, start, end + timedelta(hours=1)
    )
    assert len(track.stops) >= 4  # customers visited (and the office at the end)
    assert track.distance_m > 5_000
    again = build_demo(session_factory, push=False)
    assert again.tenant_id == summary.tenant_id
    assert count(Staff) == summary.staff


_SHARE_INSIDE = text("""
    SELECT s.login, avg(CASE WHEN ST_Covers(z.geom, p.geom) THEN 1.0 ELSE 0.0 END)::float
      FROM ping p
      JOIN staff s ON s.id = p.staff_id
      JOIN org_unit team ON team.id = s.org_unit_id
      JOIN zone z ON z.tenant_id = p.tenant_id
      JOIN org_unit owner ON owner.id = z.org_unit_id AND team.path <@ owner.path
     WHERE p.tenant_id = :tenant AND p.flags = 0 AND p.fix_time >= :start AND p.fix_time < :end
     GROUP BY s.login
""")


def _the_day_is_ordinary_but_for_a_few(
    db: Session, tenant_id: uuid.UUID, start: datetime, end: datetime, counted: int
) -> None:
    """Each rep's good fixes of the shift lie in their branch's zone; the events are few,
    each kind shows, and each comes from a rep whose day was meant to give it."""
    shares = dict(
        db.execute(_SHARE_INSIDE, {"tenant": tenant_id, "start": start, "end": end}).all()
    )
    assert len(shares) == 48
    assert set(UNUSUAL_DAYS) <= set(shares)
    for login, share in shares.items():
        # an excursion or a late start keeps a rep out of it for under an hour and a half
        assert share >= (0.99 if login not in UNUSUAL_DAYS else 0.8), login
    events = db.execute(
        select(Staff.login, ZoneEvent.type, ZoneEvent.started_at, ZoneEvent.ended_at)
        .join(Staff, Staff.id == ZoneEvent.staff_id)
        .where(
            ZoneEvent.tenant_id == tenant_id,
            ZoneEvent.shift_start == start,
            ZoneEvent.retracted_at.is_(None),
        )
    ).all()
    assert len(events) == counted
    kinds = Counter(e.type for e in events)
    assert 3 <= kinds["off_zone"] <= 12  # 6 with the demo's seed: 48 reps, 9 unusual days
    assert 1 <= kinds["no_signal"] <= 6
    assert 1 <= kinds["late_arrival"] <= 6
    assert set(kinds) == {"off_zone", "no_signal", "late_arrival"}
    gives = {
        Deviation.EXCURSION: {"off_zone"},
        Deviation.SILENCE: {"no_signal"},
        Deviation.LATE: {"late_arrival", "off_zone"},
    }
    for login, deviation in UNUSUAL_DAYS.items():
        assert {e.type for e in events if e.login == login} == gives[deviation], login
    assert {e.login for e in events} == set(UNUSUAL_DAYS)
    away: dict[str, float] = {}  # seconds off zone, by rep
    for e in events:
        if e.type == "off_zone":
            away[e.login] = away.get(e.login, 0) + ((e.ended_at or end) - e.started_at).seconds
    assert max(away.values()) <= 2 * 3600  # nobody off zone for more than two hours
    assert min(away.values()) >= 20 * 60  # and nobody for a moment only


def test_demo_has_requests_and_claims_in_every_state(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    """The console's approval, leave and travel pages have something to show: two-level
    flows, requests in every state, and claims verified against the day's pings."""
    from fieldforce.approvals.models import ApprovalFlow, ApprovalRequest
    from fieldforce.leave.models import LeaveRequest
    from fieldforce.travel.models import TravelClaim

    tenant_id = build_demo(session_factory, push=False).tenant_id
    login = dict(
        db.execute(select(Staff.id, Staff.login).where(Staff.tenant_id == tenant_id)).all()
    )
    flows = {
        f.kind: len(f.steps)
        for f in db.scalars(
            select(ApprovalFlow).where(
                ApprovalFlow.tenant_id == tenant_id, ApprovalFlow.version == 2
            )
        )
    }
    assert flows == {"leave": 2, "travel_claim": 2}
    leave = {
        (login[r.staff_id], r.status)
        for r in db.scalars(select(LeaveRequest).where(LeaveRequest.tenant_id == tenant_id))
    }
    assert {status for _, status in leave} == {
        "draft",
        "in_approval",
        "approved",
        "rejected",
        "returned",
        "withdrawn",
        "cancelled",
    }
    claims = {
        login[c.requester_id]: c
        for c in db.scalars(select(TravelClaim).where(TravelClaim.tenant_id == tenant_id))
    }
    assert {c.status for c in claims.values()} == {
        "draft",
        "in_approval",
        "approved",
        "rejected",
        "returned",
        "paid",
    }

    def flags(who: str) -> list[str]:
        verification = claims[who].verification
        assert verification is not None, who
        return list(verification["flags"])

    assert flags("xihu1.rep1") == []  # the honest one
    assert flags("xihu1.rep4") == []
    assert {"distance_overclaimed", "destination_unverified"} <= set(flags("xihu1.rep2"))
    assert set(flags("xihu1.rep3")) == {"no_tracking", "destination_unverified"}
    waiting = {
        (login[r.requester_id], r.kind): sorted(login[a] for a in r.approver_ids)
        for r in db.scalars(
            select(ApprovalRequest).where(
                ApprovalRequest.tenant_id == tenant_id, ApprovalRequest.status == "in_approval"
            )
        )
    }
    assert waiting == {
        ("xihu1.rep1", "leave"): ["xihu1.lead"],
        ("xihu1.rep2", "leave"): ["hangzhou.manager"],  # over 3 days: the second level
        ("xihu1.rep1", "travel_claim"): ["xihu1.lead"],
        ("xihu1.rep2", "travel_claim"): ["xihu1.lead"],
        ("xihu2.rep2", "travel_claim"): ["hangzhou.manager"],  # over the lead's limit
        ("xihu2.rep1", "attendance_correction"): ["xihu2.lead"],
    }


def test_demo_has_a_month_of_attendance(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    """The attendance pages have a month to show: late days, an absence, leave, a
    correction approved and one waiting, a clock-out closed by the rule."""
    from zoneinfo import ZoneInfo

    from fieldforce.attendance import sheets
    from fieldforce.attendance.models import Attendance, AttendanceDay, Correction

    tenant_id = build_demo(session_factory, push=False).tenant_id
    tenant = db.get(Tenant, tenant_id)
    assert tenant is not None
    people = list(
        db.scalars(select(Staff).where(Staff.tenant_id == tenant_id, Staff.login.like("xihu%")))
    )
    assert len(people) == 10  # two teams of a lead and four reps
    now = datetime.now(UTC)
    workday = last_working_day(now)[0].astimezone(ZoneInfo(tenant.timezone)).date()
    days = [workday - timedelta(days=k) for k in range(30, -1, -1)]
    sheets.ensure(db, tenant, people, days, now)
    by_login = {p.id: p.login for p in people}
    status = Counter(
        d.status
        for d in db.scalars(
            select(AttendanceDay).where(
                AttendanceDay.tenant_id == tenant_id,
                AttendanceDay.staff_id.in_(list(by_login)),
                AttendanceDay.day.in_(days),
            )
        )
    )
    assert status["present"] > 200
    assert status["late"] >= 5
    assert status["absent"] >= 1
    assert status["rest_day"] >= 40
    assert status["on_leave"] >= 1  # xihu1.rep3's sick leave last week
    corrected = {
        by_login[c.staff_id]: c.status
        for c in db.scalars(select(Correction).where(Correction.tenant_id == tenant_id))
    }
    assert corrected == {"xihu1.rep4": "approved", "xihu2.rep1": "in_approval"}
    auto = db.scalars(
        select(Attendance.staff_id).where(
            Attendance.tenant_id == tenant_id, Attendance.closed_automatically.is_(True)
        )
    ).all()
    assert "xihu1.rep2" in {by_login.get(s) for s in auto}


def test_demo_has_field_sales(
    session_factory: sessionmaker[Session], db: Session, tmp_path: Path
) -> None:
    """Customers (some placed in GCJ-02), a week of plans, visits of every kind with
    photos and inspections against the shared checklist with its photos and a corrective
    action, for the console's field-sales pages."""
    from fieldforce.attachments.models import Attachment
    from fieldforce.attachments.store import Store
    from fieldforce.customers.models import Customer, StageChange
    from fieldforce.inspections.models import CorrectiveAction, Inspection, InspectionTemplate
    from fieldforce.plans.models import WorkPlan
    from fieldforce.visits.models import Visit

    store = Store(tmp_path)
    summary = build_demo(session_factory, push=False, store=store)
    tenant_id = summary.tenant_id

    def count(model: Any, *where: Any) -> int:
        return (
            db.scalar(
                select(func.count()).select_from(model).where(model.tenant_id == tenant_id, *where)
            )
            or 0
        )

    assert count(Customer) == 40  # 8 reps × 5
    assert count(WorkPlan) == 40  # 8 reps × 5 days
    kinds = Counter(db.scalars(select(Visit.type).where(Visit.tenant_id == tenant_id)))
    assert set(kinds) == {"routine", "cold", "follow_up"}
    assert count(Visit, Visit.in_verification == "unverified") >= 1
    assert count(StageChange, StageChange.visit_id.is_not(None)) == 16  # cold → intended → partner
    assert count(Inspection) == 6
    assert count(CorrectiveAction) >= 1
    keys = db.scalars(
        select(InspectionTemplate.key)
        .join(Inspection, Inspection.template_id == InspectionTemplate.id)
        .where(Inspection.tenant_id == tenant_id)
    )
    assert set(keys) == {"service-hall-standard"}
    visits_with_photos = db.scalar(
        select(func.count(func.distinct(Attachment.subject_id))).where(
            Attachment.tenant_id == tenant_id, Attachment.subject_kind == "visit"
        )
    )
    assert visits_with_photos == count(Visit)
    photos = list(
        db.scalars(
            select(Attachment).where(
                Attachment.tenant_id == tenant_id, Attachment.subject_kind == "inspection"
            )
        )
    )
    assert len(photos) >= 6
    assert all(p.content_type == "image/jpeg" for p in photos)
    assert (store.read(photos[0].sha256) or b"")[:2] == b"\xff\xd8"
