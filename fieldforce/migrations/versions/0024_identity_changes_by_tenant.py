"""identity changes announced per tenant, and only changes of who someone is.

0023 announced every change with an empty payload, and every serving process forgot every
tenant's callers. A person's own phone registering its push token, or an admin renaming
someone, emptied the caches of all tenants. Now the payload is the tenant's id (a process
forgets that tenant's callers only), and staff and devices notify only when a column that
says who they are, what they may do or whether they may upload changes.

Revision ID: 0024
Revises: 0023
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# what an upload's caller is made of (``auth.service.actor_for``, ``devices.service``);
# None: any change of the row
IDENTITY_COLUMNS: dict[str, tuple[str, ...] | None] = {
    "staff": ("tenant_id", "active", "roles", "org_unit_id", "token_version"),
    "device": (
        "tenant_id",
        "staff_id",
        "protocol",
        "identifier_hash",
        "fingerprint",
        "secret_hash",
        "revoked_at",
    ),
    "tenant": None,
    "org_unit": None,
}


def _changed(columns: tuple[str, ...] | None) -> str:
    if columns is None:
        return "OLD.* IS DISTINCT FROM NEW.*"
    old = ", ".join(f"OLD.{c}" for c in columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    return f"({old}) IS DISTINCT FROM ({new})"


def _as_of_0023() -> ModuleType:
    """Migration 0023, whose triggers this one replaces and brings back on the way down
    (loaded from its file, as alembic loads it)."""
    path = Path(__file__).with_name("0023_identity_changes.py")
    spec = importlib.util.spec_from_file_location("migration_0023", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    _as_of_0023().downgrade()
    op.execute("""
        CREATE FUNCTION fieldforce_identity_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            changed jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
        BEGIN
            -- delivered at commit, once per transaction and tenant however many rows changed
            PERFORM pg_notify('fieldforce_identity',
                              coalesce(changed ->> 'tenant_id', changed ->> 'id'));
            RETURN NULL;
        END $$
    """)
    for table, columns in IDENTITY_COLUMNS.items():
        op.execute(f"""
            CREATE TRIGGER {table}_identity_changed
            AFTER UPDATE ON {table} FOR EACH ROW
            WHEN ({_changed(columns)})
            EXECUTE FUNCTION fieldforce_identity_changed()
        """)
        op.execute(f"""
            CREATE TRIGGER {table}_identity_deleted
            AFTER DELETE ON {table} FOR EACH ROW
            EXECUTE FUNCTION fieldforce_identity_changed()
        """)


def downgrade() -> None:
    for table in IDENTITY_COLUMNS:
        op.execute(f"DROP TRIGGER {table}_identity_deleted ON {table}")
        op.execute(f"DROP TRIGGER {table}_identity_changed ON {table}")
    op.execute("DROP FUNCTION fieldforce_identity_changed()")
    _as_of_0023().upgrade()
