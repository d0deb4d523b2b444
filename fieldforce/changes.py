"""Changes to a record, typed: a frozen dataclass of the fields that may change, each left
``UNSET`` unless the caller sent it (``None`` is a value: it clears a field)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from typing import Final, TypeVar

T = TypeVar("T")


class Unset(enum.Enum):
    """The type of ``UNSET``: a field left out of a change stays as it is."""

    UNSET = "unset"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


def unless_none(value: T | None) -> T | Unset:
    """A field that may not be cleared, from a source where None means "left out"."""
    return UNSET if value is None else value


@dataclass(frozen=True)
class Changes:
    """Base of the change objects: what was sent, by field name, in declaration order."""

    def sent(self) -> dict[str, object]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value is not UNSET}
