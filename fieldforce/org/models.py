"""The org tree (group → branch → sub-branch → team) and the staff in it."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    Select,
    String,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, LTree, TenantOwned, Timestamps


class UnitKind(StrEnum):
    GROUP = "group"
    BRANCH = "branch"
    SUB_BRANCH = "sub_branch"
    TEAM = "team"
    DEPARTMENT = "department"


class Role(StrEnum):
    REP = "rep"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"
    FINANCE = "finance"


def path_label(unit_id: uuid.UUID) -> str:
    return unit_id.hex


def staff_fk() -> ForeignKeyConstraint:
    """A row of another domain that belongs to a staff member and goes with them."""
    return ForeignKeyConstraint(
        ["tenant_id", "staff_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
    )


def unit_fk() -> ForeignKeyConstraint:
    """A row of another domain that belongs to an org unit and goes with it."""
    return ForeignKeyConstraint(
        ["tenant_id", "org_unit_id"], ["org_unit.tenant_id", "org_unit.id"], ondelete="CASCADE"
    )


class OrgUnit(TenantOwned, Timestamps, Base):
    __tablename__ = "org_unit"

    parent_id: Mapped[uuid.UUID | None]
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), default=UnitKind.TEAM.value)
    # ltree of the unit ids from the root down to this unit (hex labels).
    path: Mapped[str] = mapped_column(LTree)

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "parent_id"],
            ["org_unit.tenant_id", "org_unit.id"],
        ),
        UniqueConstraint("tenant_id", "code"),
        Index("ix_org_unit_path", "path", postgresql_using="gist"),
        Index("ix_org_unit_tenant_id_parent_id", "tenant_id", "parent_id"),
        Index(
            "uq_org_unit_tenant_id_root",
            "tenant_id",
            unique=True,
            postgresql_where=text("parent_id IS NULL"),
        ),
    )

    @property
    def depth(self) -> int:
        """0 for the root."""
        return self.path.count(".")


class Staff(TenantOwned, Timestamps, Base):
    __tablename__ = "staff"

    login: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    employee_code: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    org_unit_id: Mapped[uuid.UUID]
    manager_id: Mapped[uuid.UUID | None]
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=lambda: ["rep"])
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # carried by every access token; raised to end them all (password change, reset,
    # "sign out everywhere")
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "org_unit_id"],
            ["org_unit.tenant_id", "org_unit.id"],
        ),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["staff.tenant_id", "staff.id"]),
        UniqueConstraint("tenant_id", "login"),
        UniqueConstraint("tenant_id", "employee_code"),
        Index("ix_staff_tenant_id_org_unit_id", "tenant_id", "org_unit_id"),
        Index("ix_staff_tenant_id_manager_id", "tenant_id", "manager_id"),
        Index("ix_staff_tenant_id_name", "tenant_id", "name", "id"),
    )


def units_below(tenant_id: uuid.UUID, path: Any) -> Select[uuid.UUID]:
    """The ids of the units at ``path`` (a unit's path, or a subquery giving one) and below."""
    return select(OrgUnit.id).where(OrgUnit.tenant_id == tenant_id, OrgUnit.path.op("<@")(path))


def staff_below_unit(tenant_id: uuid.UUID, org_unit_id: uuid.UUID) -> Select[uuid.UUID]:
    """The ids of the staff attached to the unit or to a unit below it."""
    path = (
        select(OrgUnit.path)
        .where(OrgUnit.tenant_id == tenant_id, OrgUnit.id == org_unit_id)
        .scalar_subquery()
    )
    return select(Staff.id).where(
        Staff.tenant_id == tenant_id, Staff.org_unit_id.in_(units_below(tenant_id, path))
    )
