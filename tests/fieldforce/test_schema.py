"""DESIGN §3: tenant_id leads every primary, unique and foreign key of tenant-owned
tables, on the schema the migrations build; and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from fieldforce.db import Base
from fieldforce.migrate import include_object

KEYS = text("""
    SELECT c.conrelid::regclass::text AS tbl, c.conname, c.contype,
           (SELECT array_agg(a.attname ORDER BY k.ord)
              FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols
      FROM pg_constraint c
      JOIN pg_namespace n ON n.oid = c.connamespace
     WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f')
""")
UNIQUE_INDEXES = text("""
    SELECT t.relname AS tbl, i.relname AS idx,
           (SELECT array_agg(a.attname ORDER BY k.ord)
              FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS cols
      FROM pg_index ix
      JOIN pg_class t ON t.oid = ix.indrelid
      JOIN pg_class i ON i.oid = ix.indexrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = 'public' AND ix.indisunique
""")
TENANT_TABLES = text("""
    SELECT table_name FROM information_schema.columns
     WHERE table_schema = 'public' AND column_name = 'tenant_id'
""")


def test_tenant_id_leads_every_key_of_tenant_owned_tables(connection: Connection) -> None:
    tenant_owned = set(connection.scalars(TENANT_TABLES))
    assert {"org_unit", "staff", "device", "audit_entry"} <= tenant_owned
    problems = []
    for tbl, name, kind, cols in connection.execute(KEYS):
        if tbl in tenant_owned and cols[0] != "tenant_id":
            problems.append((tbl, name, kind, cols))
    for tbl, name, cols in connection.execute(UNIQUE_INDEXES):
        if tbl in tenant_owned and cols and cols[0] != "tenant_id":
            problems.append((tbl, name, "unique index", cols))
    assert problems == []


def test_the_check_sees_a_violation(connection: Connection) -> None:
    connection.execute(text("CREATE TABLE bad_owned (tenant_id uuid, id uuid PRIMARY KEY)"))
    tenant_owned = set(connection.scalars(TENANT_TABLES))
    bad = [
        r for r in connection.execute(KEYS) if r.tbl in tenant_owned and r.cols[0] != "tenant_id"
    ]
    assert [r.tbl for r in bad] == ["bad_owned"]


def test_migrations_match_the_models(connection: Connection) -> None:
    ctx = MigrationContext.configure(
        connection,
        opts={"include_object": include_object, "compare_type": True},
    )
    assert compare_metadata(ctx, Base.metadata) == []
