"""Per-request context that the domain may read (set by the API layer or a job)."""

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
