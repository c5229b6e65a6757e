"""Every endpoint of every tier says what it answers: a 2xx response with a schema.

An endpoint answering a bare dict under ``@blp.response(200)`` documents nothing; this
test names it. The only 2xx answers without a JSON schema are listed below with why.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.openapi_snapshot import documents

#: Success answers with no body to describe.
NO_BODY = {"204", "304"}
#: Files, not JSON: (tier, method, path, status).
DOWNLOADS = {
    ("hub", "get", "/api/v1/catalog/export", "200"),  # CSV or XLSX, described in words
}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def docs() -> dict[str, dict[str, Any]]:
    return documents()


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def undescribed(tier: str, doc: dict[str, Any]) -> list[str]:
    """Operations without a 2xx answer, and 2xx answers without a schema."""
    missing = []
    for method, path, operation in _operations(doc):
        answers = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        if not answers:
            missing.append(f"{tier} {method.upper()} {path}: no 2xx response")
        for code, response in answers.items():
            if code in NO_BODY or (tier, method, path, code) in DOWNLOADS:
                continue
            content = response.get("content") or {}
            if not any(media.get("schema") for media in content.values()):
                missing.append(f"{tier} {method.upper()} {path} {code}: no schema")
    return missing


@pytest.mark.parametrize("tier", ["hub", "town", "village"])
def test_every_success_answer_has_a_schema(docs: dict[str, dict[str, Any]], tier: str) -> None:
    assert undescribed(tier, docs[tier]) == []


def test_the_listed_downloads_exist(docs: dict[str, dict[str, Any]]) -> None:
    for tier, method, path, code in DOWNLOADS:
        assert code in docs[tier]["paths"][path][method]["responses"]


def test_the_check_names_a_bare_answer() -> None:
    doc = {
        "paths": {
            "/a": {"get": {"responses": {"200": {"description": "OK"}}}},
            "/b": {"post": {"responses": {"default": {"description": "x"}}}},
            "/c": {"delete": {"responses": {"204": {"description": "gone"}}}},
            "/d": {
                "get": {
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"type": "object"}}}}
                    }
                }
            },
        }
    }
    assert undescribed("hub", doc) == [
        "hub GET /a 200: no schema",
        "hub POST /b: no 2xx response",
    ]
