from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.approvals.scene import Scene
from tests.world import World


@pytest.fixture
def scene(client: TestClient, world: World, db: Session) -> Scene:
    return Scene(client, world, db)
