"""Migration 0009 turns stored identifiers into their hashes and fingerprints, and the
apps already set up with them keep working."""

from __future__ import annotations

import hashlib
import secrets

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from fieldforce.migrate import alembic_config
from fieldforce.tracking.models import Ping
from tests.world import World


def test_existing_identifiers_are_hashed_and_still_accepted(
    connection: Connection, world: World, db: Session, client: TestClient
) -> None:
    command.downgrade(alembic_config(connection=connection), "0008")
    identifier = secrets.token_hex(20)
    connection.execute(
        text("""
            INSERT INTO device (tenant_id, staff_id, platform, protocol, identifier, secret_hash)
            VALUES (:tenant, :staff, 'android', 'osmand', :identifier, '-')
        """),
        {
            "tenant": world.tenant.id,
            "staff": world.staff["north.rep"].id,
            "identifier": identifier,
        },
    )
    command.upgrade(alembic_config(connection=connection), "head")
    row = connection.execute(text("SELECT identifier_hash, fingerprint FROM device")).one()
    assert row.identifier_hash == hashlib.sha256(identifier.encode()).hexdigest()
    assert row.fingerprint == f"{identifier[:4]}…{identifier[-4:]}"
    r = client.get("/ingest/osmand", params={"id": identifier, "lat": "31.2", "lon": "121.4"})
    assert r.status_code == 200
    assert db.scalar(select(func.count()).select_from(Ping)) == 1
