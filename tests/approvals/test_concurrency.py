"""Two approvers deciding the same step at the same moment, each in their own session and
transaction on committed data (a tenant of its own, deleted at the end): one decision,
one 409 ``already_decided``, and one history line."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce import flows
from fieldforce.approvals import definitions, service
from fieldforce.approvals.models import Action, ApprovalEvent, RequestKind
from fieldforce.approvals.rules import Facts, FlowSpec, RoleRule, Step
from fieldforce.auth.service import actor_for
from fieldforce.db import owned_session
from fieldforce.errors import Conflict
from fieldforce.org.models import Role
from fieldforce.tenancy.models import Tenant
from tests.world import add_staff, add_tenant, add_unit


@dataclass
class Committed:
    factory: sessionmaker[Session]
    tenant_id: uuid.UUID
    rep: uuid.UUID
    finance: list[uuid.UUID]


@pytest.fixture
def committed(engine: Engine) -> Iterator[Committed]:
    factory = sessionmaker(engine, expire_on_commit=False)
    with owned_session(factory) as db:
        tenant = add_tenant(db, f"Approvals {uuid.uuid4().hex[:8]}")
        root = add_unit(db, tenant, "Group", None, "group")
        branch = add_unit(db, tenant, "Branch", root, "branch")
        admin = add_staff(db, root, f"{tenant.slug}.admin", ["admin"])
        rep = add_staff(db, branch, f"{tenant.slug}.rep", ["rep"])
        finance = [add_staff(db, branch, f"{tenant.slug}.fin{i}", ["finance"]) for i in (1, 2)]
        definitions.put_flow(
            db,
            actor_for(db, tenant.id, admin.id),
            RequestKind.TRAVEL_CLAIM,
            FlowSpec(steps=[Step(rule=RoleRule(type="role", role=Role.FINANCE))]),
        )
        made = Committed(factory, tenant.id, rep.id, [f.id for f in finance])
    try:
        yield made
    finally:
        with owned_session(factory) as db:
            db.execute(delete(Tenant).where(Tenant.id == made.tenant_id))


def _start(c: Committed) -> uuid.UUID:
    with owned_session(c.factory) as db:
        request = service.start(
            db,
            actor_for(db, c.tenant_id, c.rep),
            kind=RequestKind.TRAVEL_CLAIM,
            subject_id=uuid.uuid4(),
            facts=Facts(amount=100),
            push=False,
        )
        return request.id


def _at_once(c: Committed, request_id: uuid.UUID, deciders: list[uuid.UUID]) -> list[str]:
    barrier = threading.Barrier(len(deciders))
    outcomes: list[str] = []

    def decide(staff_id: uuid.UUID) -> None:
        try:
            with owned_session(c.factory) as db:
                actor = actor_for(db, c.tenant_id, staff_id)
                barrier.wait()
                flows.decide_approval(db, actor, request_id, Action.APPROVE, push=False)
            outcomes.append("decided")
        except Conflict as exc:
            outcomes.append(exc.code)
        except BaseException as exc:  # anything else fails the test below
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=decide, args=(d,)) for d in deciders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_two_approvers_at_the_same_moment_give_one_decision(committed: Committed) -> None:
    for deciders in (committed.finance, [committed.finance[0]] * 2):  # two people, two clicks
        for _ in range(3):
            request_id = _start(committed)
            assert _at_once(committed, request_id, deciders) == ["already_decided", "decided"]
            with owned_session(committed.factory) as db:
                decisions = db.scalar(
                    select(func.count()).where(
                        ApprovalEvent.tenant_id == committed.tenant_id,
                        ApprovalEvent.request_id == request_id,
                        ApprovalEvent.action == Action.APPROVE.value,
                    )
                )
                assert decisions == 1
