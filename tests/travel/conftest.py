from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.travel.scene import Trip
from tests.world import World


@pytest.fixture
def trip(client: TestClient, world: World, db: Session) -> Trip:
    return Trip(client, world, db)
