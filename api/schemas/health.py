from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]
    postgis: str | None = Field(
        default=None, description="PostGIS's version; left out when the database does not answer"
    )
    push: Literal["on", "off"] = Field(description="whether push notifications are configured")
    version: str
