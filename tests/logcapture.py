"""Logs as the service writes them (JSON lines on stderr), for a test to read through
pytest's capsys."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from fieldforce.logs import configure_logging


@contextmanager
def json_logs(level: str = "INFO") -> Iterator[None]:
    """Call inside the test, after capsys has replaced stderr; the previous handlers come
    back afterwards."""
    root = logging.getLogger()
    handlers, previous = root.handlers[:], root.level
    configure_logging(level, "json")
    try:
        yield
    finally:
        root.handlers, root.level = handlers, previous
