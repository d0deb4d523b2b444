"""The demo's attendance: a month of punches for the two Xihu sales teams, with late
arrivals, a forgotten clock-out closed by the tenant's rule, an absence, leave and trips
from the workflows, an approved correction and one waiting, and today's clock-ins.

Punches go through the same service as the phone's, each received a few seconds after it
was made; days of approved leave or an approved trip have none.
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
from fieldforce.approvals.models import Action
from fieldforce.attendance import corrections, punches
from fieldforce.attendance.closing import close_due
from fieldforce.attendance.punches import PunchIn
from fieldforce.auth.service import actor_for
from fieldforce.leave.models import LeaveRequest, LeaveStatus
from fieldforce.org.models import Staff
from fieldforce.travel.models import ClaimStatus, TravelClaim

TEAMS = ("xihu1.", "xihu2.")
DAYS_BACK = 30
ABSENT = "xihu2.rep3"  # stays away two working days before the demo's day
MISSED_IN = "xihu1.rep4"  # forgets a clock-in; the correction is approved
MISSED_OUT = "xihu2.rep1"  # forgets a clock-out; the correction waits on the lead
FORGETS_OUT = "xihu1.rep2"  # a clock-out forgotten, closed by the tenant's rule


@dataclass
class AttendanceSummary:
    punches: int = 0
    corrections: int = 0


def _away_days(session: Session, person: Staff, first: date, last: date) -> set[date]:
    """Days of the person's approved leave (whole days) and approved trips."""
    away: set[date] = set()
    for parts in session.scalars(
        select(LeaveRequest.parts).where(
            LeaveRequest.tenant_id == person.tenant_id,
            LeaveRequest.staff_id == person.id,
            LeaveRequest.status == LeaveStatus.APPROVED.value,
            LeaveRequest.start <= last,
            LeaveRequest.end >= first,
        )
    ):
        away |= {date.fromisoformat(p["day"]) for p in parts if p["part"] == "full"}
    for start, end in session.execute(
        select(TravelClaim.start_date, TravelClaim.end_date).where(
            TravelClaim.tenant_id == person.tenant_id,
            TravelClaim.requester_id == person.id,
            TravelClaim.status.in_((ClaimStatus.APPROVED.value, ClaimStatus.PAID.value)),
            TravelClaim.start_date <= last,
            TravelClaim.end_date >= first,
        )
    ):
        away |= {start + timedelta(days=k) for k in range((end - start).days + 1)}
    return away


class _Puncher:
    def __init__(
        self, session: Session, rng: random.Random, place: tuple[float, float], tz: ZoneInfo
    ) -> None:
        self.session, self.rng, self.place, self.tz = session, rng, place, tz
        self.summary = AttendanceSummary()

    def at(self, day: date, hh: int, mm: int) -> datetime:
        return datetime.combine(day, time(hh, mm), self.tz).astimezone(UTC)

    def punch(self, person: Staff, kind: str, when: datetime) -> None:
        lon, lat = self.place
        jitter = self.rng.uniform(-0.002, 0.002)
        data = PunchIn(
            id=uuid.uuid4(),
            kind=kind,
            time=when,
            lon=lon + jitter,
            lat=lat + jitter / 2,
            accuracy_m=self.rng.choice([8.0, 12.0, 20.0, 35.0]),
        )
        actor = actor_for(self.session, person.tenant_id, person.id)
        punches.punch(self.session, actor, data, now=when + timedelta(seconds=20))
        self.summary.punches += 1

    def usual_day(self, person: Staff, day: date, *, forgets_out: bool) -> None:
        late = self.rng.random() < 0.08
        in_at = self.at(day, 8, 10) + timedelta(minutes=self.rng.randint(0, 19))
        if late:
            in_at = self.at(day, 8, 40) + timedelta(minutes=self.rng.randint(0, 50))
        self.punch(person, "in", in_at)
        if not forgets_out:
            out_at = self.at(day, 18, 0) + timedelta(minutes=self.rng.randint(0, 40))
            self.punch(person, "out", out_at)


def working_days(workday: date) -> list[date]:
    """The Monday-to-Saturday days of the demo's month, up to its working day."""
    days = [workday - timedelta(days=k) for k in range(DAYS_BACK, -1, -1)]
    return [d for d in days if d.weekday() < 6]


def build_attendance(
    session: Session,
    tenant_id: uuid.UUID,
    workday: date,
    place: tuple[float, float],
    tz: ZoneInfo,
    rng: random.Random,
    now: datetime,
) -> AttendanceSummary:
    people = [
        s
        for s in session.scalars(
            select(Staff).where(Staff.tenant_id == tenant_id).order_by(Staff.login)
        )
        if s.login.startswith(TEAMS)
    ]
    by_login = {p.login: p for p in people}
    days = working_days(workday)
    absent_on = days[-3]
    missed_in_on, missed_out_on = days[-6], days[-4]
    puncher = _Puncher(session, rng, place, tz)
    for person in people:
        away = _away_days(session, person, days[0], days[-1])
        for day in days:
            if day in away or (person.login == ABSENT and day == absent_on):
                continue
            if person.login == MISSED_IN and day == missed_in_on:
                puncher.punch(person, "out", puncher.at(day, 18, 5))  # refused: not clocked in
                continue
            if person.login == MISSED_OUT and day == missed_out_on:
                puncher.punch(person, "in", puncher.at(day, 8, 20))
                continue
            forgets = person.login == FORGETS_OUT and day == days[-5]
            puncher.usual_day(person, day, forgets_out=forgets)
    close_due(session, now)
    _corrections(session, by_login, puncher, missed_in_on, missed_out_on)
    if now.astimezone(tz).date() != workday:  # else today's work is done above
        _today(puncher, people, now, tz)
    return puncher.summary


def _corrections(
    session: Session, by_login: dict[str, Staff], puncher: _Puncher, in_on: date, out_on: date
) -> None:
    def ask(login: str, kind: str, when: datetime, reason: str) -> uuid.UUID | None:
        person = by_login[login]
        actor = actor_for(session, person.tenant_id, person.id)
        _, approval = corrections.ask(session, actor, kind=kind, at=when, reason=reason, push=False)
        puncher.summary.corrections += 1
        return approval.id

    approval_id = ask(MISSED_IN, "in", puncher.at(in_on, 8, 22), "The phone was flat at the gate")
    lead = by_login["xihu1.lead"]
    assert approval_id is not None
    flows.decide_approval(
        session,
        actor_for(session, lead.tenant_id, lead.id),
        approval_id,
        Action.APPROVE,
        None,
        push=False,
    )
    ask(MISSED_OUT, "out", puncher.at(out_on, 18, 10), "Forgot to clock out after a visit")


def _today(puncher: _Puncher, people: list[Staff], now: datetime, tz: ZoneInfo) -> None:
    """Today's clock-ins of those already at work (none before 08:10 or on a Sunday)."""
    today = now.astimezone(tz).date()
    if today.weekday() == 6:
        return
    for person in people:
        when = puncher.at(today, 8, 10) + timedelta(minutes=puncher.rng.randint(0, 35))
        if when < now - timedelta(minutes=1) and person.login != ABSENT:
            puncher.punch(person, "in", when)
