"""Every operation of the OpenAPI document, fuzzed by schemathesis against the app in
process (inside the test's rolled-back transaction), once with an admin's token and once
with a rep's: no answer is a 5xx, and every answer with a documented schema conforms to it.

Bounded to a few examples per operation and mode; derandomized in CI (``CI=true``) so
that CI is stable, random locally so that every run explores a little more."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from fieldforce.approvals import service as approvals
from fieldforce.approvals.models import RequestKind
from fieldforce.approvals.rules import Facts
from fieldforce.auth.service import actor_for
from fieldforce.settings import Settings
from tests.conftest import TEST_SECRET
from tests.world import World

EXAMPLES = int(os.environ.get("FIELDFORCE_FUZZ_EXAMPLES", "20"))
ROLES = {"admin": "admin", "rep": "north.rep"}

# The document only: the operations are known at collection time, the app that answers
# is the test's own (its own database transaction).
SCHEMA = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(Settings(mode="test", secret_key=TEST_SECRET), sessionmaker())
)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@dataclass
class Tally:
    cases: int = 0
    by_role: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    counted = Tally()
    yield counted
    line = (
        f"schemathesis: {counted.cases} cases over {len(OPERATIONS)} operations "
        f"({', '.join(f'{r} {n}' for r, n in counted.by_role.items())})"
    )
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\n{line}")


PEOPLE = {
    "staff_id",
    "assignee_id",
    "manager_id",
    "actor_id",
    "requester_id",
    "delegate_id",
    "delegator_id",
}
UNITS = {"org_unit_id", "parent_id", "org_unit", "within"}


@dataclass(frozen=True)
class Known:
    """Real ids, so that calls reach past the 404 of a random id: the rep themselves (or,
    for the admin, a rep in scope), their team, and a request for approval of theirs."""

    person: str
    unit: str
    approval: str | None = None

    def path_parameters(self, operation: Any) -> dict[str, str]:
        known = {"staff_id": self.person, "unit_id": self.unit}
        if self.approval is not None:
            known["approval_id"] = self.approval
        names = {p.name for p in operation.path_parameters}
        return {name: value for name, value in known.items() if name in names}

    def fill(self, case: Any) -> Any:
        """Put the real ids into the body and query where their names appear."""
        for container in (case.body, case.query):
            if not isinstance(container, dict):
                continue
            for key in container:
                if key in PEOPLE:
                    container[key] = self.person
                elif key in UNITS:
                    container[key] = self.unit
                elif key == "staff_ids":
                    container[key] = [self.person]
                elif key == "org_unit_ids":
                    container[key] = [self.unit]
        return case


def _strategy(operation: Any, known: Known) -> st.SearchStrategy[Any]:
    fixed = known.path_parameters(operation) or None
    modes = st.one_of(
        [
            operation.as_strategy(generation_mode=mode, path_parameters=fixed)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
    )
    return st.tuples(modes, st.booleans()).map(
        lambda pair: known.fill(pair[0]) if pair[1] else pair[0]
    )


def _credentials(operation: Any, client: TestClient, world: World, who: str) -> dict[str, str]:
    """A bearer token, or for the OwnTracks endpoint a real OwnTracks device's Basic."""
    if operation.path != "/ingest/owntracks":
        return world.headers(who)
    r = client.post(
        "/api/v1/devices",
        headers=world.headers("admin"),
        json={"staff_id": world.staff_id(who), "platform": "android", "protocol": "owntracks"},
    )
    device = r.json()
    pair = f"{device['identifier']}:{device['secret']}".encode()
    return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}


def _approval(db: Session, world: World) -> str:
    """A travel claim of north.rep waiting on their supervisor, as the claim would start it."""
    rep = world.staff["north.rep"]
    request = approvals.start(
        db,
        actor_for(db, rep.tenant_id, rep.id),
        kind=RequestKind.TRAVEL_CLAIM,
        subject_id=uuid.uuid4(),
        facts=Facts(amount=Decimal("420.50"), currency="CNY"),
        push=False,
    )
    db.flush()
    return str(request.id)


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_operation(
    operation: Any, role: str, app: FastAPI, world: World, db: Session, tally: Tally
) -> None:
    who = ROLES[role]
    with TestClient(app) as client:
        headers = _credentials(operation, client, world, who)
    known = Known(
        person=world.staff_id(who if role == "rep" else "north.rep"),
        unit=world.unit_id("north-a"),
        approval=_approval(db, world) if "{approval_id}" in operation.path else None,
    )
    checks = [not_a_server_error, response_schema_conformance]
    failures: dict[str, str] = {}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, known))
    def run(case: Any) -> None:
        tally.cases += 1
        tally.by_role[role] = tally.by_role.get(role, 0) + 1
        try:
            response = case.call(app=app, headers=headers)
        except Exception as exc:  # the app's own exception, re-raised after its 500
            key = f"500 {type(exc).__name__}: {exc}"
            failures.setdefault(key, case.as_curl_command(headers=headers))
            return
        try:
            case.validate_response(response, checks=checks)
        except Exception as exc:
            key = f"{response.status_code} {type(exc).__name__}"
            failures.setdefault(key, f"{exc}\n{case.as_curl_command(headers=headers)}")

    run()
    assert not failures, "\n\n".join(f"{k}: {v}" for k, v in failures.items())
