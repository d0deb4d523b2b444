"""Alembic, driven from code: ``fieldforce migrate`` and the test suite both come here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from geoalchemy2 import alembic_helpers
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).parent / "migrations"


PARTITION_NAME = re.compile(r"^ping_p\d{8}$")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """What alembic compares: our tables, not PostGIS's nor the ping table's partitions."""
    if type_ == "table" and name and PARTITION_NAME.match(name):
        return False
    return bool(alembic_helpers.include_object(obj, name, type_, reflected, compare_to))  # type: ignore[no-untyped-call]


def alembic_config(*, url: str | None = None, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(*, url: str | None = None, connection: Connection | None = None) -> None:
    command.upgrade(alembic_config(url=url, connection=connection), "head")
