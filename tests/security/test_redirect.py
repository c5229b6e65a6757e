"""After login the browser goes only to a path on this site (finding 5: open redirect).

``next=/%09/evil.example`` used to become ``Location: //evil.example`` (browsers drop the
tab) and ``%0a`` raised a 500.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from flask.testing import FlaskClient

from shared.web.redirects import safe_next
from tests.security.helpers import page_login

NASTY = [
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\x00/evil.example",
    " //evil.example",
    "\t//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "cases",
    "/\u2028/evil.example",
    "/\u3000/evil.example",
    "/cases\r\nSet-Cookie: x=1",
    "",
]
GOOD = ["/cases", "/cases/610727105-20261128-0001", "/cases?status=accepted&page=2", "/sync#x"]


@pytest.mark.parametrize("target", NASTY)
def test_safe_next_refuses(target: str) -> None:
    assert safe_next(target) is None


@pytest.mark.parametrize("target", GOOD)
def test_safe_next_keeps_same_site_paths(target: str) -> None:
    assert safe_next(target) == target


def _login_to(client: FlaskClient, raw_next: str) -> str:
    response = page_login(client, "admin", query=f"next={raw_next}")
    assert response.status_code in (302, 303), response.status_code
    return response.headers["Location"]


@pytest.mark.parametrize("target", NASTY)
def test_login_never_redirects_off_site(hub: FlaskClient, target: str) -> None:
    location = _login_to(hub, quote(target, safe=""))
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost"), location
    assert not location.startswith("//") and "evil" not in location
    assert location.endswith("/cases")  # the default: the case list


def test_login_follows_a_same_site_next(hub: FlaskClient) -> None:
    assert _login_to(hub, quote("/cases?status=accepted", safe="")).endswith(
        "/cases?status=accepted"
    )
