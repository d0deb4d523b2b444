from __future__ import annotations

import pytest
from pydantic import ValidationError

from fieldforce.settings import KNOWN_PLACEHOLDER_SECRETS, Settings

WEAK_KEYS = [
    *sorted(KNOWN_PLACEHOLDER_SECRETS),
    "Dev-Only-Insecure-Secret-Change-Me",
    "too-short",
    "x" * 40,
    "ab" * 30,
]


@pytest.mark.parametrize("mode", ["development", "test", "production"])
@pytest.mark.parametrize("key", WEAK_KEYS)
def test_placeholder_and_weak_secret_keys_are_refused_in_every_mode(mode: str, key: str) -> None:
    with pytest.raises(ValidationError, match="FIELDFORCE_SECRET_KEY"):
        Settings(mode=mode, secret_key=key)  # type: ignore[arg-type]


def test_no_configured_key_means_a_generated_one() -> None:
    assert Settings(mode="development").secret_key is None
    key = "kR4tq9Zs0fP2LmW7xYb1NcV8hJ3dG6eA"
    assert Settings(mode="production", secret_key=key).secret_key == key
    assert key not in repr(Settings(mode="production", secret_key=key))


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELDFORCE_ACCESS_TOKEN_MINUTES", "30")
    monkeypatch.setenv("FIELDFORCE_DATABASE_URL", "postgresql+psycopg2://u@h/db")
    s = Settings()
    assert s.access_token_minutes == 30
    assert s.database_url == "postgresql+psycopg2://u@h/db"
