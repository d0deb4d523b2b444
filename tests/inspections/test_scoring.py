"""Scores and grades of the shared service-hall template, against cases worked out by
hand: 20 items, weights summing to 41, two that may not apply (weather 1, closing 1),
three critical (safety 3, fees_displayed 3, data_protection 3)."""

from __future__ import annotations

import pytest

from fieldforce.inspections.scoring import AnswerError, TemplateSpec, check_answer, score
from fieldforce.inspections.templates import default_spec

SPEC = TemplateSpec.model_validate(default_spec())


def answers(**changed: str) -> dict[str, str]:
    return dict.fromkeys(SPEC.items(), "yes") | changed


def test_the_shared_template() -> None:
    items = SPEC.items()
    assert len(items) == 20
    assert sum(i.weight for i in items.values()) == 41
    assert {k for k, i in items.items() if i.critical} == {
        "safety",
        "fees_displayed",
        "data_protection",
    }
    assert {k for k, i in items.items() if i.applicable_if} == {"weather", "closing"}
    assert [g.grade for g in SPEC.scoring.grades] == ["A", "B", "C", "D"]


@pytest.mark.parametrize(
    ("changed", "expected_score", "grade"),
    [
        ({}, 100.0, "A"),
        ({"weather": "na", "closing": "na"}, 100.0, "A"),  # 39 of 39
        ({"seating": "no", "roster": "no"}, 92.7, "A"),  # 38 of 41
        (
            {"clean": "no", "key_products": "no", "greeter": "no", "weather": "na"},
            82.5,
            "B",
        ),  # 33/40
        (
            {
                "clean": "no",
                "process_knowledge": "no",
                "complaints": "no",
                "greeter": "no",
                "weather": "na",
            },
            72.5,
            "C",
        ),  # 29 of 40
        (
            {
                "clean": "no",
                "process_knowledge": "no",
                "complaints": "no",
                "roster": "no",
                "devices": "no",
                "signage": "no",
            },
            63.4,
            "D",
        ),  # 26 of 41
        ({"safety": "no"}, 92.7, "D"),  # 38 of 41, but a critical item failed
    ],
)
def test_hand_computed_scores(changed: dict[str, str], expected_score: float, grade: str) -> None:
    result = score(SPEC, answers(**changed))
    assert (result.score, result.grade) == (expected_score, grade)
    failed = {k for k, v in changed.items() if v == "no" and SPEC.items()[k].critical}
    assert {i.key for i in result.failed_critical} == failed


def test_what_an_answer_may_be() -> None:
    items = SPEC.items()
    check_answer(items["weather"], "na")
    for item, answer in (("signage", "na"), ("signage", "maybe"), ("signage", 1)):
        with pytest.raises(AnswerError):
            check_answer(items[item], answer)
    scored = TemplateSpec.model_validate(
        {
            "key": "mini",
            "name": {"zh": "小", "en": "Mini"},
            "scoring": {"grades": [{"grade": "P", "min": 50}, {"grade": "F", "min": 0}]},
            "sections": [
                {
                    "key": "s",
                    "zh": "一",
                    "en": "One",
                    "items": [
                        {
                            "key": "stars",
                            "zh": "星",
                            "en": "Stars",
                            "weight": 2,
                            "answer": "score",
                            "max": 5,
                        },
                        {"key": "ok", "zh": "好", "en": "OK", "weight": 1},
                        {"key": "queue", "zh": "队", "en": "Queue", "answer": "number"},
                    ],
                }
            ],
        }
    )
    result = score(scored, {"stars": 3, "ok": "no", "queue": 12})
    assert (result.score, result.grade) == (40.0, "F")  # (2 × 3/5 + 0) / 3
    with pytest.raises(AnswerError):
        check_answer(scored.items()["stars"], 6)
    with pytest.raises(AnswerError):
        check_answer(scored.items()["queue"], "twelve")
