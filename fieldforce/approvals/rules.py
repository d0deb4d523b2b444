"""A flow's steps as data, and finding the people of a step.

A step names its approvers by a rule (the requester's manager, a manager N levels up, the
head of the requester's org unit N levels up, holders of a role within the requester's
branch, a named person), applies only when its conditions hold (days over N, amount over
X, leave type in a list, the requester's unit within a subtree) and may carry an authority
limit. When a rule finds nobody who may decide (a vacant post, no holder of the role, only
the requester), the step goes one level up the manager chain, and when there is nobody
at all, to the tenant's administrators; each such pass is returned so that the history
can say so.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.org.models import OrgUnit, Role, Staff, UnitKind

CODE = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
Amount = Annotated[Decimal, Field(ge=0, le=10**12, max_digits=16, decimal_places=2)]
Days = Annotated[Decimal, Field(ge=0, le=3660, max_digits=7, decimal_places=2)]
Levels = Annotated[int, Field(ge=1, le=10)]
LeaveCode = Annotated[str, Field(pattern=CODE)]


class Facts(BaseModel):
    """What the engine knows of a request's subject, handed in by the subject's domain
    (the requester is whoever starts it). Amounts are in the tenant's currency."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    days: Days | None = None
    amount: Amount | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    leave_type: LeaveCode | None = None


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ManagerRule(_Spec):
    """The requester's manager (levels 1), their manager's manager (2), …"""

    type: Literal["manager"] = "manager"
    levels: Levels = 1


class UnitHeadRule(_Spec):
    """The heads of the requester's own org unit (levels 1), of its parent (2), …: the
    active staff attached to that unit holding the manager role, or, where it has no
    manager, those holding the supervisor role."""

    type: Literal["unit_head"]
    levels: Levels = 1


class RoleRule(_Spec):
    """Holders of a role (finance…) in the subtree of the requester's branch (the nearest
    unit up from the requester's of kind branch); with no branch above them or nobody
    there, those attached to the nearest unit up the tree that has any."""

    type: Literal["role"]
    role: Role


class PersonRule(_Spec):
    type: Literal["person"]
    staff_id: uuid.UUID


Rule = Annotated[ManagerRule | UnitHeadRule | RoleRule | PersonRule, Field(discriminator="type")]


class DaysOver(_Spec):
    type: Literal["days_over"]
    value: Days


class AmountOver(_Spec):
    type: Literal["amount_over"]
    value: Amount


class LeaveTypeIn(_Spec):
    type: Literal["leave_type_in"]
    values: list[LeaveCode] = Field(min_length=1, max_length=50)


class UnitWithin(_Spec):
    """The requester's org unit is this unit or below it."""

    type: Literal["unit_within"]
    org_unit_id: uuid.UUID


Condition = Annotated[DaysOver | AmountOver | LeaveTypeIn | UnitWithin, Field(discriminator="type")]


class Step(_Spec):
    rule: Rule
    conditions: list[Condition] = Field(
        default_factory=list,
        max_length=10,
        description="all must hold for the step to apply; a step that does not apply is skipped",
    )
    limit: Amount | None = Field(
        default=None,
        description="the most the step's approvers may approve; their approval of a larger "
        "amount passes the step to the next manager up, whose approval finishes it",
    )


class FlowSpec(_Spec):
    steps: list[Step] = Field(min_length=1, max_length=20)
    restart: Literal["first_step", "returning_step"] = Field(
        default="first_step",
        description="where a returned request starts again when resubmitted",
    )


DEFAULT_FLOW = FlowSpec(steps=[Step(rule=ManagerRule())])


def steps_of(raw: Sequence[dict[str, Any]]) -> list[Step]:
    return [Step.model_validate(s) for s in raw]


# conditions -----------------------------------------------------------------------------


def condition_holds(session: Session, requester: Staff, facts: Facts, cond: Condition) -> bool:
    """A condition on a fact the request does not have does not hold."""
    if isinstance(cond, DaysOver):
        return facts.days is not None and facts.days > cond.value
    if isinstance(cond, AmountOver):
        return facts.amount is not None and facts.amount > cond.value
    if isinstance(cond, LeaveTypeIn):
        return facts.leave_type in cond.values
    unit = session.get(OrgUnit, (requester.tenant_id, requester.org_unit_id))
    within = session.get(OrgUnit, (requester.tenant_id, cond.org_unit_id))
    if unit is None or within is None:
        return False
    return unit.path == within.path or unit.path.startswith(f"{within.path}.")


def applies(session: Session, requester: Staff, facts: Facts, step: Step) -> bool:
    return all(condition_holds(session, requester, facts, c) for c in step.conditions)


# finding people -------------------------------------------------------------------------


@dataclass(frozen=True)
class Pass:
    """The step went one level up: why (``vacant`` post, ``nobody`` found, only the
    requester found: ``own_request``, an approver's authority ``limit``, ``escalation``)
    and to whom (``admins`` when there was nobody left above)."""

    reason: str
    to: list[uuid.UUID]
    admins: bool = False
    post_id: uuid.UUID | None = None  # the vacant post (an inactive person)
    unit_id: uuid.UUID | None = None  # the unit without a head

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "reason": self.reason,
            "approver_ids": [str(i) for i in self.to],
            "to_admins": self.admins,
        }
        if self.post_id is not None:
            out["post_id"] = str(self.post_id)
        if self.unit_id is not None:
            out["unit_id"] = str(self.unit_id)
        return out


@dataclass
class Found:
    approver_ids: list[uuid.UUID]
    passes: list[Pass] = field(default_factory=list)


class Finder:
    """Finds approvers for one requester."""

    def __init__(self, session: Session, requester: Staff) -> None:
        self.session = session
        self.requester = requester
        self.tenant_id = requester.tenant_id

    def person(self, staff_id: uuid.UUID | None) -> Staff | None:
        if staff_id is None:
            return None
        return self.session.get(Staff, (self.tenant_id, staff_id))

    def _may_decide(self, staff: Staff) -> bool:
        return staff.active and staff.id != self.requester.id

    def chain(self, start: Staff) -> Iterator[Staff]:
        """Everyone above ``start`` along the manager links, inactive ones too."""
        seen = {start.id}
        current = self.person(start.manager_id)
        while current is not None and current.id not in seen:
            yield current
            seen.add(current.id)
            current = self.person(current.manager_id)

    def first_above(self, start: Staff) -> Staff | None:
        """The nearest person up ``start``'s manager chain who may decide."""
        return next((p for p in self.chain(start) if self._may_decide(p)), None)

    def admins(self) -> list[uuid.UUID]:
        return sorted(
            self.session.scalars(
                select(Staff.id).where(
                    Staff.tenant_id == self.tenant_id,
                    Staff.active.is_(True),
                    Staff.roles.contains([Role.ADMIN.value]),
                    Staff.id != self.requester.id,
                )
            )
        )

    def up_from(self, people: Iterable[Staff], reason: str, post: Staff | None = None) -> Pass:
        """One level up the manager chain from each of ``people``; the administrators
        when nobody is there."""
        above = {p.id for p in (self.first_above(x) for x in people) if p is not None}
        if above:
            return Pass(reason, sorted(above), post_id=post.id if post else None)
        return Pass(reason, self.admins(), admins=True, post_id=post.id if post else None)

    def units_up(self) -> list[OrgUnit]:
        """The requester's unit, its parent, … the root."""
        own = self.session.get(OrgUnit, (self.tenant_id, self.requester.org_unit_id))
        assert own is not None
        return list(
            self.session.scalars(
                select(OrgUnit)
                .where(OrgUnit.tenant_id == self.tenant_id, OrgUnit.path.op("@>")(own.path))
                .order_by(OrgUnit.path.desc())
            )
        )

    def _holders(self, *where: Any) -> list[uuid.UUID]:
        return sorted(
            self.session.scalars(
                select(Staff.id).where(
                    Staff.tenant_id == self.tenant_id,
                    Staff.active.is_(True),
                    Staff.id != self.requester.id,
                    *where,
                )
            )
        )

    def heads(self, unit: OrgUnit) -> list[uuid.UUID]:
        for role in (Role.MANAGER.value, Role.SUPERVISOR.value):
            found = self._holders(Staff.org_unit_id == unit.id, Staff.roles.contains([role]))
            if found:
                return found
        return []

    def find(self, rule: Rule) -> Found:
        if isinstance(rule, ManagerRule):
            return self._manager(rule.levels)
        if isinstance(rule, UnitHeadRule):
            return self._unit_head(rule.levels)
        if isinstance(rule, RoleRule):
            return self._role(rule.role.value)
        return self._named(rule.staff_id)

    def _manager(self, levels: int) -> Found:
        chain = list(self.chain(self.requester))
        if len(chain) < levels:  # the chain ends below that level
            return self._nobody("nobody")
        post = chain[levels - 1]
        if self._may_decide(post):
            return Found([post.id])
        reason = "own_request" if post.id == self.requester.id else "vacant"
        return self._after(self.up_from([post], reason, post))

    def _unit_head(self, levels: int) -> Found:
        units = self.units_up()
        target = units[min(levels, len(units)) - 1]  # beyond the root: the root
        for unit in units[units.index(target) :]:
            heads = self.heads(unit)
            if heads and unit is target:
                return Found(heads)
            if heads:
                return self._after(Pass("vacant", heads, unit_id=target.id))
        return self._after(Pass("nobody", self.admins(), admins=True, unit_id=target.id))

    def _role(self, role: str) -> Found:
        units = self.units_up()
        branch = next((u for u in units if u.kind == UnitKind.BRANCH.value), None)
        if branch is not None:
            in_branch = select(OrgUnit.id).where(
                OrgUnit.tenant_id == self.tenant_id, OrgUnit.path.op("<@")(branch.path)
            )
            found = self._holders(Staff.org_unit_id.in_(in_branch), Staff.roles.contains([role]))
            if found:
                return Found(found)
        for unit in units:
            found = self._holders(Staff.org_unit_id == unit.id, Staff.roles.contains([role]))
            if found:
                return Found(found)
        return self._after(self.up_from([self.requester], "nobody"))

    def _named(self, staff_id: uuid.UUID) -> Found:
        named = self.person(staff_id)
        if named is not None and self._may_decide(named):
            return Found([named.id])
        if named is None:
            return self._after(self.up_from([self.requester], "nobody"))
        reason = "own_request" if named.id == self.requester.id else "vacant"
        return self._after(self.up_from([named], reason, named))

    def _nobody(self, reason: str) -> Found:
        return self._after(Pass(reason, self.admins(), admins=True))

    @staticmethod
    def _after(passed: Pass) -> Found:
        return Found(passed.to, [passed])
