"""Attachments are kept in a data directory of the test's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldforce.settings import Settings
from tests.conftest import TEST_SECRET


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        mode="test", secret_key=TEST_SECRET, log_format="console", data_dir=tmp_path / "data"
    )
