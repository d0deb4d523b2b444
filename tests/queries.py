"""Counting the SQL statements a piece of code sends, to show a list's cost does not grow
with its rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, event


@contextmanager
def counted(connection: Connection) -> Iterator[list[str]]:
    """The statements sent on this connection inside the block (savepoints left out)."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "SAVEPOINT" not in statement:
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", note)
