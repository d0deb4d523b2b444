"""Settings are read once, where a process starts (the CLI, the app factory), and handed
down: services take what they need as arguments, never from the process-wide cache."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {"cli.py", "settings.py"}  # besides api/app.py, which is not under fieldforce


def reads_global_settings(source: str) -> bool:
    """Whether the code imports or mentions ``get_settings`` at all."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and any(a.name == "get_settings" for a in node.names):
            return True
        if isinstance(node, ast.Name) and node.id == "get_settings":
            return True
        if isinstance(node, ast.Attribute) and node.attr == "get_settings":
            return True
    return False


def test_only_the_entry_points_read_global_settings() -> None:
    package = ROOT / "fieldforce"
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted(package.rglob("*.py"))
        if str(path.relative_to(package)) not in ALLOWED and reads_global_settings(path.read_text())
    ]
    assert offenders == []


def test_the_check_itself_catches_a_service_reading_them() -> None:
    assert reads_global_settings(
        "from fieldforce.settings import get_settings\npush = get_settings().push_enabled\n"
    )
    assert reads_global_settings(
        "from fieldforce import settings\npush = settings.get_settings().push_enabled\n"
    )
    assert not reads_global_settings("def deliver(*, push: bool) -> bool:\n    return push\n")
