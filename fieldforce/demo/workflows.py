"""The demo's approvals, leave and travel claims: flows with more than one level, a year's
allocations, and requests and claims in every state, so that the console's approval,
leave and travel pages have something to show.

Everything goes through the same services as the API. Leave falls on days other than the
demo's working day (the week before and the weeks after), so the day's monitoring and its
events stay as they are; the travel claims of that day are verified against its pings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce import flows
from fieldforce.approvals import definitions as approval_flows
from fieldforce.approvals.models import Action, ApprovalRequest, RequestKind
from fieldforce.approvals.rules import FlowSpec
from fieldforce.auth.service import actor_for
from fieldforce.leave import service as leave
from fieldforce.leave.models import LeaveType
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from fieldforce.tracking.queries import load_track
from fieldforce.travel import service as travel

TRAVEL_SETTINGS = {
    "travel_currency": "CNY",
    "travel_mileage_rate": 0.8,
    "travel_daily_limits": [
        {"category": "lodging", "amount": 500, "tier": 1},
        {"category": "lodging", "amount": 350},
        {"category": "meals", "amount": 120},
        {"category": "transport", "amount": 300},
    ],
    "travel_city_tiers": {"Shanghai": 1, "Hangzhou": 1, "Ningbo": 2, "Wenzhou": 2},
}
# a second level for longer leave; travel: the manager up to 2,000, then finance
LEAVE_FLOW = {
    "steps": [
        {"rule": {"type": "manager"}},
        {
            "rule": {"type": "manager", "levels": 2},
            "conditions": [{"type": "days_over", "value": 3}],
        },
    ],
    "restart": "first_step",
}
TRAVEL_FLOW = {
    "steps": [
        {"rule": {"type": "manager"}, "limit": 2000},
        {"rule": {"type": "role", "role": "finance"}},
    ],
    "restart": "returning_step",
}
ANNUAL_DAYS = Decimal(10)
SICK_DAYS = Decimal(5)
SHANGHAI = (121.4737, 31.2304)


@dataclass
class WorkflowSummary:
    leave_requests: int = 0
    claims: int = 0


class _People:
    def __init__(self, session: Session, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.by_login = {
            s.login: s for s in session.scalars(select(Staff).where(Staff.tenant_id == tenant_id))
        }

    def actor(self, login: str) -> Actor:
        return actor_for(self.session, self.tenant_id, self.by_login[login].id)


def configure(session: Session, admin: Actor) -> None:
    """The tenant's travel rules and flows, before anyone works."""
    flows.update_tenant(session, admin, settings=TRAVEL_SETTINGS)
    approval_flows.put_flow(session, admin, RequestKind.LEAVE, FlowSpec.model_validate(LEAVE_FLOW))
    approval_flows.put_flow(
        session, admin, RequestKind.TRAVEL_CLAIM, FlowSpec.model_validate(TRAVEL_FLOW)
    )


def build_workflows(
    session: Session, admin: Actor, workday: date, day: tuple[datetime, datetime]
) -> WorkflowSummary:
    """Allocations for everyone, then the requests and claims of the Hangzhou branch."""
    people = _People(session, admin.tenant_id)
    types = {
        t.code: t.id
        for t in session.scalars(select(LeaveType).where(LeaveType.tenant_id == admin.tenant_id))
    }
    for person in people.by_login.values():
        if person.login.endswith((".rep1", ".rep2", ".rep3", ".rep4", ".lead")):
            _allocate(session, admin, person, types, workday.year)
    summary = WorkflowSummary()
    _leave_requests(people, types, workday, summary)
    _claims(people, admin, workday, day, summary)
    return summary


def _allocate(
    session: Session, admin: Actor, person: Staff, types: dict[str, uuid.UUID], year: int
) -> None:
    leave.allocate(
        session,
        admin,
        staff_id=person.id,
        leave_type_id=types["annual"],
        year=year,
        days=ANNUAL_DAYS,
        carried_days=Decimal(2),
        carry_expires_on=date(year, 3, 31),
    )
    leave.allocate(
        session, admin, staff_id=person.id, leave_type_id=types["sick"], year=year, days=SICK_DAYS
    )


def _weekday(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def _leave_requests(
    people: _People, types: dict[str, uuid.UUID], workday: date, summary: WorkflowSummary
) -> None:
    """One request in each state, across two teams of Xihu and one of Binjiang."""
    session = people.session
    next_week = _weekday(workday + timedelta(days=7 - workday.weekday()))  # next Monday
    last_week = next_week - timedelta(days=14)

    def ask(
        login: str,
        code: str,
        start: date,
        end: date,
        reason: str,
        *,
        draft: bool = False,
        **halves: str,
    ) -> uuid.UUID | None:
        period = leave.Period(types[code], start, end, **halves)
        request = flows.create_leave(
            session, people.actor(login), period, reason, draft=draft, push=False
        )
        summary.leave_requests += 1
        return request.approval_id

    def decide(login: str, approval_id: uuid.UUID | None, action: Action, why: str = "") -> None:
        assert approval_id is not None
        flows.decide_approval(
            session, people.actor(login), approval_id, action, why or None, push=False
        )

    # waiting on the team lead (one level), and on the branch manager (two: over 3 days)
    ask("xihu1.rep1", "annual", next_week, next_week + timedelta(days=1), "Family visit")
    five = ask(
        "xihu1.rep2", "annual", next_week, next_week + timedelta(days=4), "Spring holiday trip"
    )
    decide("xihu1.lead", five, Action.APPROVE)
    # approved: one taken last week, one to come (both on the team's calendar)
    sick = ask("xihu1.rep3", "sick", last_week, last_week, "Flu")
    decide("xihu1.lead", sick, Action.APPROVE)
    later = next_week + timedelta(days=7)
    ahead = ask("xihu1.rep3", "annual", later, later + timedelta(days=1), "Wedding of a friend")
    decide("xihu1.lead", ahead, Action.APPROVE)
    # rejected, returned for changes, withdrawn, a draft
    busy = ask("xihu1.rep4", "personal", later, later, "Moving house", end_half="am")
    decide("xihu1.lead", busy, Action.REJECT, "The outlet audit is that morning; pick another day")
    back = ask("xihu2.rep1", "annual", later, later + timedelta(days=2), "Holiday")
    decide("xihu2.lead", back, Action.RETURN, "Please hand over your outlets first and say to whom")
    gone = ask(
        "xihu2.rep2",
        "annual",
        next_week + timedelta(days=2),
        next_week + timedelta(days=2),
        "Errand",
    )
    assert gone is not None
    flows.withdraw_approval(session, people.actor("xihu2.rep2"), gone, "Not needed", push=False)
    ask("binjiang1.rep1", "annual", later, later, "Doctor's appointment", draft=True)
    # approved, then cancelled by the branch manager: the days go back to the balance
    cancelled_on = later + timedelta(days=3)
    undone = ask("binjiang1.rep2", "annual", cancelled_on, cancelled_on, "Trip")
    decide("binjiang1.lead", undone, Action.APPROVE)
    request = leave.subject_of(session, _approval(session, people, undone))
    assert request is not None
    flows.cancel_leave(
        session, people.actor("hangzhou.manager"), request.id, "Trade fair that day", push=False
    )


def _approval(session: Session, people: _People, approval_id: uuid.UUID | None) -> ApprovalRequest:
    found = session.get(ApprovalRequest, (people.tenant_id, approval_id))
    assert found is not None
    return found


def _claims(
    people: _People,
    admin: Actor,
    workday: date,
    day: tuple[datetime, datetime],
    summary: WorkflowSummary,
) -> None:
    """Claims of the working day verified against its pings (an honest one, an inflated
    one), one from a week without tracking, and one in each state to the paid."""
    session = people.session
    last_week = workday - timedelta(days=7)

    def track_of(login: str) -> tuple[list[travel.LegIn], Decimal]:
        """From where the rep's day began to the stop farthest from it, and the
        kilometres the phone saw."""
        found = load_track(session, admin, people.by_login[login].id, *day)
        legs = []
        if found.stops:
            begin = found.stops[0]
            far = max(found.stops, key=lambda s: abs(s.lon - begin.lon) + abs(s.lat - begin.lat))
            legs = [travel.LegIn("Hangzhou", s.lon, s.lat, workday, "car") for s in (begin, far)]
        return legs, Decimal(str(round(found.distance_m / 1000, 1)))

    def claim(
        login: str,
        purpose: str,
        start: date,
        end: date,
        legs: list[travel.LegIn],
        lines: list[travel.LineIn],
        *,
        submit: bool = True,
    ) -> travel.Claim:
        actor = people.actor(login)
        made = travel.create_claim(session, actor, travel.ClaimIn(purpose, start, end, legs, lines))
        summary.claims += 1
        if submit:
            made = travel.submit_claim(session, actor, made.claim.id, push=False)
        return made

    def decide(login: str, made: travel.Claim, action: Action, why: str = "") -> None:
        session.refresh(made.claim)
        assert made.claim.approval_id is not None
        flows.decide_approval(
            session, people.actor(login), made.claim.approval_id, action, why or None, push=False
        )

    def line(category: str, on: date, amount: str, km: Decimal | None = None) -> travel.LineIn:
        return travel.LineIn(category, on, Decimal(amount), "CNY", km)

    def mileage(on: date, km: Decimal) -> travel.LineIn:
        return line("mileage", on, str((km * Decimal("0.8")).quantize(Decimal("0.01"))), km)

    # honest: the customers and the kilometres the phone saw; waiting on the team lead
    legs, km = track_of("xihu1.rep1")
    claim(
        "xihu1.rep1",
        "Outlet visits in Xihu",
        workday,
        workday,
        legs,
        [mileage(workday, km), line("meals", workday, "45.00")],
    )
    # inflated: three times the kilometres and a night in Shanghai never reached
    legs, km = track_of("xihu1.rep2")
    shanghai = travel.LegIn("Shanghai", *SHANGHAI, workday, "car")
    claim(
        "xihu1.rep2",
        "Channel meeting in Shanghai",
        workday,
        workday,
        [*legs, shanghai],
        [mileage(workday, km * 3), line("lodging", workday, "480.00")],
    )
    # a trip last week with no tracking at all: approved by both levels, to be paid
    taxi = [travel.LegIn("Ningbo", 121.5497, 29.875, last_week, "train")]
    done = claim(
        "xihu1.rep3",
        "Training in Ningbo",
        last_week,
        last_week,
        taxi,
        [line("transport", last_week, "118.00"), line("meals", last_week, "80.00")],
    )
    decide("xihu1.lead", done, Action.APPROVE)
    decide("finance", done, Action.APPROVE)
    # honest and paid
    legs, km = track_of("xihu1.rep4")
    paid = claim(
        "xihu1.rep4", "Partner outlet round", workday, workday, legs, [mileage(workday, km)]
    )
    decide("xihu1.lead", paid, Action.APPROVE)
    decide("finance", paid, Action.APPROVE)
    travel.pay_claims(session, people.actor("finance"), [paid.claim.id])
    # over the lead's limit of 2,000: passed up to the branch manager
    three_days = [travel.LegIn("Shanghai", *SHANGHAI, last_week - timedelta(days=2), "plane")]
    big = claim(
        "xihu2.rep2",
        "Provincial channel summit",
        last_week - timedelta(days=2),
        last_week,
        three_days,
        [
            line("transport", last_week - timedelta(days=2), "1100.00"),
            *(line("lodging", last_week - timedelta(days=n), "500.00") for n in range(3)),
        ],
    )
    decide("xihu2.lead", big, Action.APPROVE)
    # rejected, returned, a draft
    legs, km = track_of("binjiang1.rep2")
    no = claim("binjiang1.rep2", "Weekend trip", workday, workday, legs, [mileage(workday, km)])
    decide("binjiang1.lead", no, Action.REJECT, "This was not a work trip")
    legs, km = track_of("xihu2.rep1")
    back = claim(
        "xihu2.rep1", "Outlet visits", workday, workday, legs, [line("transport", workday, "96.00")]
    )
    decide("xihu2.lead", back, Action.RETURN, "Attach the taxi receipt, please")
    legs, km = track_of("binjiang1.rep1")
    claim(
        "binjiang1.rep1",
        "Outlet visits",
        workday,
        workday,
        legs,
        [mileage(workday, km)],
        submit=False,
    )
