"""Helpers for tests that run the real `fieldforce` command and its own database."""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from fieldforce.embedded import EmbeddedPostgres


@contextmanager
def serving_in_thread(app: ASGIApp) -> Iterator[str]:
    """A real uvicorn server for the app on a free loopback port, in this process: for
    what the test client hides (concurrency, the event loop). Yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not come up"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


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
