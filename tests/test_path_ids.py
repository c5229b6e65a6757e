"""Integer path parameters on every route of every tier: too large for the database is a
404, never a 500 (on PostgreSQL an INTEGER id is 32-bit, on SQLite 64-bit).

The bound lives in one converter (``shared.web.converters``) registered as ``int`` on
each tier's app, so this walks the URL map instead of naming routes: a route added
tomorrow is covered without a line here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from shared.web.converters import MAX_DB_INT, BoundedIntConverter
from tests.conftest import login

TOO_BIG = 582383936669675028480  # the id of the fresh-clone failure (> 2**64)
JUST_TOO_BIG = MAX_DB_INT + 1  # fine for SQLite, "integer out of range" on PostgreSQL


def _int_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, BoundedIntConverter) for c in (rule._converters or {}).values())
    ]


def _path(rule: Rule, number: int) -> str:
    """The rule's path with ``number`` for every integer and "x" for any other part."""
    values = {
        name: number if isinstance(conv, BoundedIntConverter) else "x"
        for name, conv in rule._converters.items()
    }
    built = rule.build(values, append_unknown=False)
    assert built is not None, rule.rule
    return built[1]


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def _node_app(tier: str, tmp_path: Path) -> Flask:
    if tier == "town":
        from town_node import create_app

        code = "610727105"
    else:
        from village_portal import create_app

        code = "610727105001"
    return create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path), "NODE_CODE": code, "SECRET_KEY": "x"}
    )


@pytest.mark.parametrize("number", [TOO_BIG, JUST_TOO_BIG])
def test_every_integer_path_too_large_for_the_database_is_404_at_the_hub(
    hub_app: Flask, number: int
) -> None:
    client = hub_app.test_client()
    headers = login(client, "admin")
    rules = _int_rules(hub_app)
    assert len(rules) >= 15  # batches, tasks, complaints, appointments, inspections, pages …
    for rule in rules:
        for method in _methods(rule):
            response = client.open(_path(rule, number), method=method, headers=headers)
            if rule.rule.startswith("/api/"):
                assert response.status_code == 404, (method, rule.rule, response.status_code)
                assert response.content_type == "application/problem+json"
            else:  # a page's form without its CSRF token is refused before routing
                expected = {404, 400} if method == "POST" else {404}
                assert response.status_code in expected, (method, rule.rule)


def test_the_largest_id_reaches_the_route_and_is_not_a_500(hub_app: Flask) -> None:
    client = hub_app.test_client()
    headers = login(client, "admin")
    for rule in _int_rules(hub_app):
        for method in _methods(rule):
            response = client.open(_path(rule, MAX_DB_INT), method=method, headers=headers)
            assert response.status_code < 500, (method, rule.rule, response.get_data()[:300])


@pytest.mark.parametrize("tier", ["town", "village"])
def test_nodes_bound_their_integer_paths_too(tier: str, tmp_path: Path) -> None:
    app = _node_app(tier, tmp_path)
    rules = _int_rules(app)
    assert rules  # the printable certificate of a case: /cases/<no>/certificates/<int:index>
    client = app.test_client()
    for rule in rules:
        assert _methods(rule) == ["GET"], rule.rule
        assert client.get(_path(rule, TOO_BIG)).status_code == 404


def test_the_bound_is_documented_in_openapi(hub: FlaskClient) -> None:
    spec = hub.get("/api/v1/openapi.json").get_json()
    cancel = spec["paths"]["/api/v1/appointments/{appointment_id}/cancel"]
    [param] = [p for p in cancel["parameters"] if p["name"] == "appointment_id"]
    assert param["schema"] == {"type": "integer", "minimum": 0, "maximum": MAX_DB_INT}
