from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from api.schemas.common import ORM, Patch
from api.schemas.types import Line
from fieldforce.org.models import Role, UnitKind

Name = Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 -]{4,30}$")]
Password = Annotated[Line, StringConstraints(min_length=8, max_length=256)]


class OrgUnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    parent_id: uuid.UUID
    kind: UnitKind = UnitKind.TEAM
    code: Code | None = None


class OrgUnitPatch(Patch):
    name: Name | None = None
    kind: UnitKind | None = None
    code: Code | None = None
    not_null = frozenset({"name", "kind"})


class OrgUnitMove(BaseModel):
    model_config = ConfigDict(extra="forbid")
    parent_id: uuid.UUID


class OrgUnitOut(ORM):
    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    code: str | None
    kind: str
    depth: int
    created_at: datetime
    updated_at: datetime


class StaffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: Annotated[Line, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
    password: Password
    name: Name
    org_unit_id: uuid.UUID
    manager_id: uuid.UUID | None = None
    roles: list[Role] = Field(default_factory=lambda: [Role.REP], min_length=1)
    employee_code: Code | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    active: bool = True


class StaffPatch(Patch):
    name: Name | None = None
    employee_code: Code | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    org_unit_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = None
    roles: list[Role] | None = Field(default=None, min_length=1)
    active: bool | None = None
    not_null = frozenset({"name", "org_unit_id", "roles", "active"})


class ProfilePatch(Patch):
    phone: Phone | None = None
    email: EmailStr | None = None


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: Password


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: Line
    new_password: Password


class StaffOut(ORM):
    id: uuid.UUID
    login: str
    name: str
    employee_code: str | None
    phone: str | None
    email: str | None
    org_unit_id: uuid.UUID
    manager_id: uuid.UUID | None
    roles: list[str]
    active: bool
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime
