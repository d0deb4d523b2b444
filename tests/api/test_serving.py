"""What a serving process (``app_from_environment``) does at start besides the routes: it
leaves what it built out of the garbage collector's full passes, and follows identity
changes (``tests/api/test_identity_cache.py``, ``tests/test_several_processes.py``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from api import app as app_module
from fieldforce.settings import get_settings
from tests.conftest import TEST_SECRET


@pytest.fixture
def environment(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> Iterator[None]:
    monkeypatch.setenv("FIELDFORCE_DATABASE_URL", database_url)
    monkeypatch.setenv("FIELDFORCE_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("FIELDFORCE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_serving_process_freezes_what_it_built_and_follows_identity_changes(
    environment: None,
) -> None:
    app = app_module.app_from_environment()
    names = [f"{h.__module__}.{h.__qualname__}" for h in app.router.on_startup]
    assert "api.app._freeze_what_was_built" in names
    assert "api.app._follow_identity_changes.<locals>.start" in names
    frozen = gc.get_freeze_count()
    try:
        app_module._freeze_what_was_built()
        assert gc.get_freeze_count() > max(frozen, 100_000)
    finally:
        gc.unfreeze()
