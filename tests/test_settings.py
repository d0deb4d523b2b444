from __future__ import annotations

import pytest
from pydantic import ValidationError

from fieldforce.settings import PLACEHOLDER_SECRET, Settings


def test_production_refuses_placeholder_or_short_secrets() -> None:
    with pytest.raises(ValidationError, match="FIELDFORCE_SECRET_KEY"):
        Settings(mode="production", secret_key=PLACEHOLDER_SECRET)
    with pytest.raises(ValidationError, match="FIELDFORCE_SECRET_KEY"):
        Settings(mode="production", secret_key="too-short")
    assert Settings(mode="production", secret_key="x" * 40).mode == "production"
    assert Settings(mode="development").secret_key == PLACEHOLDER_SECRET


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELDFORCE_ACCESS_TOKEN_MINUTES", "30")
    monkeypatch.setenv("FIELDFORCE_DATABASE_URL", "postgresql+psycopg2://u@h/db")
    s = Settings()
    assert s.access_token_minutes == 30
    assert s.database_url == "postgresql+psycopg2://u@h/db"
