"""Tokens, health, OpenAPI and the API docs of the hub."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


def test_health(hub: FlaskClient) -> None:
    body = hub.get("/api/v1/health").get_json()
    assert body["status"] == "ok" and body["tier"] == "hub" and body["node"] == "610727"
    assert body["version"]


def test_token_and_wrong_password(hub: FlaskClient) -> None:
    ok = hub.post("/api/v1/auth/token", json={"username": "admin", "password": "demo"})
    assert ok.status_code == 200 and ok.get_json()["token"]
    assert ok.get_json()["role"] == "admin"
    for username, password in [("admin", "wrong"), ("nobody", "demo")]:
        bad = hub.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert bad.status_code == 401
        assert bad.get_json()["detail"] == "用户名或密码错误"


@pytest.mark.parametrize("body", [{}, {"username": ""}, {"username": "admin"}, ["admin"]])
def test_token_bad_body_is_422(hub: FlaskClient, body: object) -> None:
    response = hub.post("/api/v1/auth/token", json=body)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"


def test_openapi_is_3_1_and_docs_are_local(hub: FlaskClient) -> None:
    spec = hub.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    for path in [
        "/api/v1/catalog/items",
        "/api/v1/catalog/stats",
        "/api/v1/delegations/authority",
        "/api/v1/calendar/due-date",
        "/api/v1/auth/token",
        "/api/v1/health",
    ]:
        assert path in spec["paths"], path
    page = hub.get("/api/v1/docs").get_data(as_text=True)
    assert "/_sanji/static/swagger-ui/swagger-ui-bundle.js" in page
    assert "http://" not in page and "https://" not in page
    with hub.get("/_sanji/static/swagger-ui/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200 and len(asset.data) > 100_000


def test_html_404_is_chinese(hub: FlaskClient) -> None:
    response = hub.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert '<meta charset="utf-8">' in text and "未找到" in text


def test_oversized_body_is_413(hub: FlaskClient) -> None:
    hub.application.config["MAX_CONTENT_LENGTH"] = 1024
    response = hub.post("/api/v1/auth/token", data=b"x" * 4096, content_type="application/json")
    assert response.status_code == 413
