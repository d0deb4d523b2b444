from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import ORM, Patch
from api.schemas.org import Phone
from api.schemas.types import JsonObject, Line, Name, Text
from fieldforce.notify.models import ItemKind
from fieldforce.notify.sms import SmsGateway
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
    name: Name | None = None
    timezone: Annotated[Line, StringConstraints(max_length=64)] | None = None
    modules: list[Module] | None = None
    settings: JsonObject | None = None
    not_null = frozenset({"name", "timezone", "modules", "settings"})


class SmsGatewayOut(BaseModel):
    """The tenant's SMS gateway as stored, without its secret."""

    url: str
    auth_header: str
    auth_value_set: bool
    content_type: str
    body_template: str
    text_template: str
    max_length: int
    kinds: list[ItemKind] | None
    timeout_s: float
    enabled: bool

    @classmethod
    def of(cls, gateway: SmsGateway) -> SmsGatewayOut:
        shown = gateway.model_dump(mode="json", exclude={"auth_value"})
        return cls(**shown, auth_value_set=bool(gateway.auth_value))


class SmsTest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Phone
    text: Text = Field(default="fieldforce: test message", min_length=1, max_length=500)


class SmsTestOut(BaseModel):
    sent: bool
    status: int | None = Field(description="the gateway's HTTP status; null when it did not answer")
    detail: str
