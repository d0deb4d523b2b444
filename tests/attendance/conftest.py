from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.attendance.scene import Office
from tests.world import World


@pytest.fixture
def office(client: TestClient, world: World, db: Session) -> Office:
    return Office(client, world, db)
