"""Fixtures of the monitoring tests."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.monitoring.scene import Scene
from tests.world import World


@pytest.fixture
def scene(
    client: TestClient, world: World, db: Session, session_factory: sessionmaker[Session]
) -> Scene:
    return Scene(client, world, db, session_factory)
