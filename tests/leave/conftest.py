from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.leave.scene import Leave
from tests.world import World


@pytest.fixture
def leave(client: TestClient, world: World, db: Session) -> Leave:
    return Leave(client, world, db)
