from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.reports.scene import Reports
from tests.world import World


@pytest.fixture
def reports(client: TestClient, world: World, db: Session) -> Reports:
    return Reports(client, world, db)
