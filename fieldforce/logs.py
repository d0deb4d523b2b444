"""Structured logs (structlog), one JSON object a line; uvicorn's own logs go through too.

Logs never hold credentials: values under keys that name one (password, secret, token,
authorization, auth_value, identifier...) are masked wherever they appear in an event, the
database's echo of a failing row or key (DETAIL lines) and of bound parameters is cut from
error texts, and tracebacks never show local variables.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

MASK = "[redacted]"
SECRET_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "auth_value",
    "identifier",
    "api_key",
    "apikey",
    "cookie",
    "credential",
)
_NOT_SECRET_SUFFIXES = ("_fingerprint", "_set", "_changed")
# PostgreSQL's DETAIL repeats the values of a failing row or key, its LINE and CONTEXT the
# statement around the error with psycopg2's client-side bound values in it; SQLAlchemy's
# "[parameters: ...]" the bound values (hidden by the engine, cut here from any other)
_ECHO_LABELS = ("DETAIL:", "CONTEXT:", "LINE ", "[parameters:")
_DATABASE_ECHO = re.compile(r"(?m)^(DETAIL:|CONTEXT:|LINE \d+:|\[parameters:).*$")


def is_secret_key(key: str) -> bool:
    name = key.lower().replace("-", "_")
    return any(p in name for p in SECRET_KEY_PARTS) and not name.endswith(_NOT_SECRET_SUFFIXES)


def redact_text(text: str) -> str:
    if not any(label in text for label in _ECHO_LABELS):
        return text
    return _DATABASE_ECHO.sub(
        lambda m: f"{m.group(1)} {MASK}" + ("]" if m.group(1).startswith("[") else ""), text
    )


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: MASK if is_secret_key(str(k)) else _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def mask_secrets(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> Any:
    """A structlog processor: credentials out of every event, at any depth."""
    return _masked(dict(event_dict))


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        # exceptions come formatted (format_exc_info below): no local variables shown
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        # below the level, an event is dropped before the time stamp and the rest are made
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            mask_secrets,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # we log each request ourselves


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
