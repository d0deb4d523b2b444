"""identity changes announced per tenant, and only changes of who someone is.

0023 announced every change with an empty payload, and every serving process forgot every
tenant's callers. A person's own phone registering its push token, or an admin renaming
someone, emptied the caches of all tenants. Now the payload is the tenant's id (a process
forgets that tenant's callers only), and staff and devices notify only when a column that
says who they are, what they may do or whether they may upload changes.

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

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
_OLD_VOLATILE = {"staff": ("last_login_at", "updated_at"), "device": ("last_seen_at", "updated_at")}


def _changed(columns: tuple[str, ...] | None) -> str:
    if columns is None:
        return "OLD.* IS DISTINCT FROM NEW.*"
    old = ", ".join(f"OLD.{c}" for c in columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    return f"({old}) IS DISTINCT FROM ({new})"


def _drop_0023() -> None:
    for table in _OLD_VOLATILE:
        op.execute(f"DROP TRIGGER {table}_identity_deleted ON {table}")
    for table in IDENTITY_COLUMNS:
        op.execute(f"DROP TRIGGER {table}_identity_changed ON {table}")
    op.execute("DROP FUNCTION fieldforce_identity_changed()")


def upgrade() -> None:
    _drop_0023()
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
    op.execute("""
        CREATE FUNCTION fieldforce_identity_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('fieldforce_identity', '');
            RETURN NULL;
        END $$
    """)
    for table in ("tenant", "org_unit"):
        op.execute(f"""
            CREATE TRIGGER {table}_identity_changed
            AFTER UPDATE OR DELETE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION fieldforce_identity_changed()
        """)
    for table, volatile in _OLD_VOLATILE.items():
        minus = " ".join(f"- '{c}'" for c in volatile)
        op.execute(f"""
            CREATE TRIGGER {table}_identity_changed
            AFTER UPDATE ON {table} FOR EACH ROW
            WHEN ((to_jsonb(OLD) {minus}) IS DISTINCT FROM (to_jsonb(NEW) {minus}))
            EXECUTE FUNCTION fieldforce_identity_changed()
        """)
        op.execute(f"""
            CREATE TRIGGER {table}_identity_deleted
            AFTER DELETE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION fieldforce_identity_changed()
        """)
