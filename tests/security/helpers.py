"""Page helpers for the security tests: the login form with its CSRF token."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def page_login(
    client: FlaskClient, username: str, password: str = "demo", *, query: str = "", **environ: str
) -> TestResponse:
    """POST the login form as a browser would (``query`` is appended raw, e.g. ``next=…``)."""
    token = csrf(client.get("/login", environ_base=environ).get_data(as_text=True))
    return client.post(
        f"/login?{query}" if query else "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base=environ,
    )
