"""Helpers for tests that run the real `fieldforce` command and its own database."""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fieldforce.embedded import EmbeddedPostgres


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fieldforce_command(*args: str) -> list[str]:
    """The installed console script, next to this interpreter."""
    return [str(Path(sys.executable).with_name("fieldforce")), *args]


@contextmanager
def scratch_data_dir(prefix: str) -> Iterator[Path]:
    """A data directory for a private cluster, stopped and removed afterwards. It lives
    under /tmp, which the unprivileged server user can enter."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    try:
        yield path / "data"
    finally:
        pg = EmbeddedPostgres(path / "data")
        if pg.initialized:
            pg.stop()
        shutil.rmtree(path, ignore_errors=True)
