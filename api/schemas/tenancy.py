from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, StringConstraints

from api.schemas.common import ORM, Patch
from fieldforce.tenancy.models import Module, TenantSettings


class TenantOut(ORM):
    id: uuid.UUID
    slug: str
    name: str
    timezone: str
    modules: list[str]
    settings: TenantSettings
    active: bool
    created_at: datetime


class TenantPatch(Patch):
    model_config = ConfigDict(extra="forbid")
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    timezone: str | None = None
    modules: list[Module] | None = None
    settings: dict[str, Any] | None = None
