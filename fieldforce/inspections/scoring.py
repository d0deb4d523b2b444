"""Checklists and their scoring, pure: a template's shape checked, and an inspection's
answers turned into a score and a grade.

The score is the weighted percentage of applicable items passed: a yes/no item earns its
weight on `yes`, nothing on `no`, and `na` (allowed on items that say when they apply)
leaves it out of the denominator; a score item earns its weight times the share of its
maximum; number and text items record without scoring. The grade is the first whose
minimum the score reaches; any failed critical item caps it at the lowest grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

AnswerType = Literal["yes_no", "score", "number", "text"]


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    zh: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)
    weight: float = Field(default=1, ge=0, le=100)
    answer: AnswerType = "yes_no"
    max: float | None = Field(default=None, gt=0, le=1000, description="score items")
    photo: bool = False
    critical: bool = False
    applicable_if: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _score_has_max(self) -> Item:
        if (self.answer == "score") != (self.max is not None):
            raise ValueError(f"{self.key}: a score item, and only one, has a max")
        if self.critical and self.answer != "yes_no":
            raise ValueError(f"{self.key}: only yes/no items are critical")
        return self


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    zh: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)
    items: list[Item] = Field(min_length=1, max_length=200)


class Grade(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grade: str = Field(min_length=1, max_length=8)
    min: float = Field(ge=0, le=100)
    zh: str = Field(default="", max_length=100)
    en: str = Field(default="", max_length=100)


class Scoring(BaseModel):
    model_config = ConfigDict(extra="allow")
    grades: list[Grade] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _down_to_zero(self) -> Scoring:
        mins = [g.min for g in self.grades]
        if mins != sorted(mins, reverse=True) or mins[-1] != 0:
            raise ValueError("grades go from the highest minimum down to one of 0")
        return self


class TemplateSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: dict[Literal["zh", "en"], str]
    source: str | None = Field(default=None, max_length=1000)
    scoring: Scoring
    sections: list[Section] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _unique_keys(self) -> TemplateSpec:
        keys = [i.key for s in self.sections for i in s.items]
        if len(keys) != len(set(keys)):
            raise ValueError("item keys are unique within a template")
        return self

    def items(self) -> dict[str, Item]:
        return {i.key: i for s in self.sections for i in s.items}


class AnswerError(ValueError):
    def __init__(self, item: str, message: str) -> None:
        super().__init__(message)
        self.item, self.message = item, message


@dataclass(frozen=True)
class Result:
    score: float | None
    grade: str | None
    failed_critical: list[Item]
    passed: set[str]  # yes/no items answered yes


def check_answer(item: Item, answer: Any) -> None:
    if answer == "na":
        if item.applicable_if is None:
            raise AnswerError(item.key, f"{item.key} always applies")
        return
    if item.answer == "yes_no" and answer not in ("yes", "no"):
        raise AnswerError(item.key, f"{item.key} is answered yes or no")
    if item.answer in ("score", "number"):
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            raise AnswerError(item.key, f"{item.key} is answered with a number")
        if item.answer == "score" and not 0 <= answer <= (item.max or 0):
            raise AnswerError(item.key, f"{item.key} is scored 0..{item.max:g}")
    if item.answer == "text" and (not isinstance(answer, str) or len(answer) > 2000):
        raise AnswerError(item.key, f"{item.key} is answered with a text of 2,000 characters")


def score(spec: TemplateSpec, answers: dict[str, Any]) -> Result:
    """The score and grade of complete answers (every yes/no and score item answered)."""
    earned = total = 0.0
    failed: list[Item] = []
    passed: set[str] = set()
    for item in spec.items().values():
        if item.answer in ("number", "text"):
            continue
        answer = answers[item.key]
        if answer == "na":
            continue
        total += item.weight
        if item.answer == "score":
            earned += item.weight * float(answer) / float(item.max or 1)
        elif answer == "yes":
            earned += item.weight
            passed.add(item.key)
        elif item.critical:
            failed.append(item)
    if total == 0:
        return Result(None, None, failed, passed)
    value = round(100 * earned / total, 1)
    grades = spec.scoring.grades
    grade = next(g.grade for g in grades if value >= g.min)
    if failed:
        grade = grades[-1].grade
    return Result(value, grade, failed, passed)
