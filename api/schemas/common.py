from __future__ import annotations

from typing import ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, model_validator

from fieldforce.changes import UNSET, Unset

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Patch(BaseModel):
    """Bodies of PATCH requests: only the fields sent are changed; unknown fields refused;
    the fields named in ``not_null`` may be left out but not sent as null (a null there
    would mean "remove" for a value that must exist)."""

    model_config = ConfigDict(extra="forbid")
    not_null: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_nulls(self) -> Self:
        sent_null = sorted(
            name for name in self.not_null & self.model_fields_set if getattr(self, name) is None
        )
        if sent_null:
            raise ValueError(f"may not be null: {', '.join(sent_null)}")
        return self

    def sent(self, name: str, value: T) -> T | Unset:
        """A field that may be null: its value if the body had it (null too), else UNSET.
        (Fields in ``not_null`` are None only when left out: see ``unless_none``.)"""
        return value if name in self.model_fields_set else UNSET
