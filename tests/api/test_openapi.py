"""The OpenAPI document describes every success answer: the phone app and the console
generate their clients from it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from api.app import create_app
from fieldforce.settings import Settings
from tests.conftest import TEST_SECRET

DOCUMENT = create_app(Settings(mode="test", secret_key=TEST_SECRET), sessionmaker()).openapi()
SCHEMAS = DOCUMENT["components"]["schemas"]
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in DOCUMENT["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def _success_answers(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        code: answer
        for code, answer in op["responses"].items()
        if code.startswith("2") and code != "204"
    }


def _resolved(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def untyped(schema: dict[str, Any] | None) -> bool:
    """No schema, `{}`, or an object that may hold anything and names nothing in it; for
    an array or a page, the same of its items; for a union, of any of its members."""
    if schema is None:
        return True
    schema = _resolved(schema)
    if not schema:
        return True
    members = schema.get("anyOf") or schema.get("oneOf")
    if members:
        return any(untyped(m) for m in members if m.get("type") != "null")
    if schema.get("type") == "array":
        return untyped(schema.get("items"))
    if schema.get("type") == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        if not properties and schema.get("additionalProperties", True) in (True, {}):
            return True
        page_items = properties.get("items")
        return page_items is not None and untyped(page_items)
    return False


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def undescribed(op: dict[str, Any]) -> list[str]:
    """Why the operation's success answers are not described, one line per flaw."""
    flaws = []
    for code, answer in _success_answers(op).items():
        content = answer.get("content")
        if not content:
            flaws.append(f"{code}: no media type")
        for media_type, body in (content or {}).items():
            if _is_json(media_type) and untyped(body.get("schema")):
                flaws.append(f"{code} {media_type}: untyped {body.get('schema')}")
            elif _is_json(media_type) and _resolved(body["schema"]).get("type") == "string":
                flaws.append(f"{code} {media_type}: JSON documented as a string")
            elif not _is_json(media_type) and "schema" not in body:
                flaws.append(f"{code} {media_type}: no schema")
    return flaws


def test_the_check_finds_untyped_answers() -> None:
    anything = {"type": "object", "additionalProperties": True}
    assert untyped({})
    assert untyped(anything)
    assert untyped({"type": "array", "items": anything})
    assert untyped({"type": "object", "properties": {"items": {"type": "array", "items": {}}}})
    assert untyped({"anyOf": [anything, {"type": "null"}]})
    assert not untyped({"type": "object", "properties": {"id": {"type": "string"}}})
    assert not untyped({"type": "object", "additionalProperties": {"type": "integer"}})
    assert undescribed({"responses": {"200": {"description": "OK"}}}) == ["200: no media type"]
    assert undescribed({"responses": {"204": {"description": "gone"}}}) == []
    as_text = {"200": {"content": {"application/geo+json": {"schema": {"type": "string"}}}}}
    assert undescribed({"responses": as_text}) == [
        "200 application/geo+json: JSON documented as a string"
    ]


@pytest.mark.parametrize("operation", _operations(), ids=lambda o: f"{o[0]} {o[1]}")
def test_every_success_answer_has_a_schema(operation: tuple[str, str, dict[str, Any]]) -> None:
    _, _, op = operation
    assert any(code.startswith("2") for code in op["responses"]), "no success answer"
    assert undescribed(op) == []


def test_lists_answer_pages() -> None:
    """Every GET whose answer is a list answers `{"items", "next_cursor"}`, never an array."""
    arrays = []
    for method, path, op in _operations():
        for answer in _success_answers(op).values():
            for media_type, body in answer.get("content", {}).items():
                schema = _resolved(body.get("schema") or {})
                if method == "GET" and _is_json(media_type) and schema.get("type") == "array":
                    arrays.append(f"{method} {path}")
    assert arrays == []


def test_non_json_answers_declare_their_media_type() -> None:
    paths = DOCUMENT["paths"]
    track = paths["/api/v1/staff/{staff_id}/track"]["get"]["responses"]["200"]["content"]
    assert set(track) == {"application/geo+json", "application/gpx+xml"}
    osmand = paths["/ingest/osmand"]["post"]["responses"]["200"]["content"]
    assert osmand == {"text/plain": {"schema": {"type": "string", "maxLength": 0}}}
