from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from fieldforce.logs import configure_logging
from tests.world import World


@pytest.fixture
def json_logs() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("INFO", "json")
    yield
    root.handlers, root.level = handlers, level


def test_each_request_logs_one_json_line_with_its_request_id(
    client: TestClient, world: World, json_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", "json")  # bind the handler to the captured stderr
    r = client.get("/api/v1/me", headers={**world.headers("north.rep"), "X-Request-ID": "req-42"})
    assert r.status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    access = [e for e in lines if e.get("event") == "request"]
    assert len(access) == 1
    entry = access[0]
    assert entry["request_id"] == "req-42"
    assert entry["status"] == 200
    assert entry["path"] == "/api/v1/me"
    assert entry["staff_id"] == world.staff_id("north.rep")
    assert entry["tenant_id"] == str(world.tenant.id)
    assert entry["duration_ms"] >= 0
    assert entry["timestamp"].endswith("Z")
