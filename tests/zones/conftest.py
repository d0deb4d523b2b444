"""Fixtures of the zones tests."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.world import World
from tests.zones.scene import Scene


@pytest.fixture
def scene(
    client: TestClient, world: World, db: Session, session_factory: sessionmaker[Session]
) -> Scene:
    return Scene(client, world, db, session_factory)
