"""identity changes announced: a notification when an account, device, unit or tenant changes.

Serving processes remember who a token or tracker identifier names (``devices.identity``)
and forget it when this channel speaks. A device's last contact, written with every upload,
is not a change of who it is, nor is a person's last sign-in.

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("tenant", "org_unit")
# columns that change without changing who someone is
_VOLATILE = {"staff": ("last_login_at", "updated_at"), "device": ("last_seen_at", "updated_at")}


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION fieldforce_identity_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            -- delivered at commit, once per transaction however many rows changed
            PERFORM pg_notify('fieldforce_identity', '');
            RETURN NULL;
        END $$
    """)
    for table in _TABLES:
        op.execute(f"""
            CREATE TRIGGER {table}_identity_changed
            AFTER UPDATE OR DELETE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION fieldforce_identity_changed()
        """)
    for table, volatile in _VOLATILE.items():
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


def downgrade() -> None:
    for table in _VOLATILE:
        op.execute(f"DROP TRIGGER {table}_identity_deleted ON {table}")
        op.execute(f"DROP TRIGGER {table}_identity_changed ON {table}")
    for table in _TABLES:
        op.execute(f"DROP TRIGGER {table}_identity_changed ON {table}")
    op.execute("DROP FUNCTION fieldforce_identity_changed()")
