from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Patch(BaseModel):
    """Bodies of PATCH requests: only the fields sent are changed; unknown fields refused."""

    model_config = ConfigDict(extra="forbid")

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True)
