"""Migration 0024's identity triggers come and go whole."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection, text

from fieldforce.migrate import alembic_config

_TRIGGERS = text("""
    SELECT c.relname || '.' || t.tgname || ':' || pg_get_triggerdef(t.oid)
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal AND t.tgname LIKE '%identity%' ORDER BY 1
""")


def test_the_identity_triggers_go_down_and_up_again(connection: Connection) -> None:
    at_head = connection.execute(_TRIGGERS).scalars().all()
    assert len(at_head) == 8  # changed and deleted, on four tables
    command.downgrade(alembic_config(connection=connection), "0023")
    assert len(connection.execute(_TRIGGERS).scalars().all()) == 6
    command.downgrade(alembic_config(connection=connection), "0022")
    assert connection.execute(_TRIGGERS).scalars().all() == []
    command.upgrade(alembic_config(connection=connection), "head")
    assert connection.execute(_TRIGGERS).scalars().all() == at_head
