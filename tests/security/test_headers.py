"""Every response of every tier carries the security headers (CSP, no framing, referrer).

Finding 8: without them the 准予 button could be framed by another site (clickjacking).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def _assert_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, (name, headers.get(name))
    csp = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/cases",
        "/api/v1/health",
        "/api/v1/docs",
        "/api/v1/openapi.json",
        "/no-such-page",
        "/api/v1/no-such",
        "/_sanji/static/sanji.css",
    ],
)
def test_hub_responses_carry_security_headers(hub: FlaskClient, path: str) -> None:
    response = hub.get(path)
    _assert_headers(response)
    response.close()  # a static file is streamed from an open file


def test_hub_api_errors_and_posts_carry_security_headers(hub: FlaskClient) -> None:
    _assert_headers(hub.post("/api/v1/auth/token", json={"username": "x", "password": "y"}))
    _assert_headers(hub.get("/api/v1/cases/nothing", headers=login(hub, "admin")))


@pytest.mark.parametrize("path", ["/login", "/api/v1/health", "/api/v1/docs"])
def test_node_responses_carry_security_headers(demo_town_app: Flask, path: str) -> None:
    _assert_headers(demo_town_app.test_client().get(path))


def test_swagger_ui_page_has_no_inline_script(hub: FlaskClient) -> None:
    page = hub.get("/api/v1/docs").get_data(as_text=True)
    assert "swagger-ui-bundle.js" in page and "sanji/swagger-init.js" in page
    for tag in re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S):
        assert not tag.strip() or tag.lstrip().startswith("{"), tag[:80]  # JSON data only


def test_templates_have_no_inline_script_or_handler() -> None:
    """Inline code is blocked by the CSP: it must live in shared/web/static/sanji/."""
    offenders = []
    for path in [*ROOT.glob("shared/**/*.html"), *ROOT.glob("county_hub/**/*.html")]:
        text = path.read_text()
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
            offenders.append(f"{path}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=|\sstyle\s*=|javascript:", text):
            offenders.append(f"{path}: {match.group(0)}")
    assert not offenders, offenders
