from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.visits import FixIn


class TemplateOut(BaseModel):
    id: uuid.UUID
    key: str
    version: int
    name: dict[str, str]
    scoring: dict[str, Any]
    sections: list[dict[str, Any]]
    created_at: datetime


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    answer: str | float = Field(
        description="yes, no or na (items that say when they apply); a number for score and "
        "number items; a text for text items"
    )
    photo_id: uuid.UUID | None = Field(default=None, description="required on photo items")


class InspectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID | None = Field(default=None, description="the phone's id: a retry is the same")
    template_id: uuid.UUID = Field(description="the template version inspected against")
    customer_id: uuid.UUID
    check_in: FixIn
    finished_at: datetime | None = Field(default=None, description="default: when received")
    answers: list[AnswerBody] = Field(max_length=500)


class ActionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    inspection_id: uuid.UUID
    customer_id: uuid.UUID
    item_key: str
    title: str
    assignee_id: uuid.UUID
    due_on: date
    status: str
    task_id: uuid.UUID | None
    closed_by_inspection_id: uuid.UUID | None
    closed_at: datetime | None


class InspectionOut(BaseModel):
    id: uuid.UUID
    template_id: uuid.UUID
    template_version: int
    customer_id: uuid.UUID
    customer_name: str
    staff_id: uuid.UUID
    staff_name: str
    template_name: dict[str, str] = Field(description="by language: zh, en")
    check_in_at: datetime
    finished_at: datetime
    duration_s: int = Field(description="time on site")
    verification: str
    distance_m: float
    score: float | None
    grade: str | None
    critical_failed: bool
    answers: list[dict[str, Any]]
    corrective_actions: list[ActionOut] = Field(description="opened or closed by it")
    duplicate: bool = False
