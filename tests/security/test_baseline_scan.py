"""A scripted baseline scan of a running hub, in the spirit of OWASP ZAP's baseline.

ZAP itself is not in the package registries this project may use (it is a Java download),
so this test does what its passive baseline rules check, against a real ``sanji hub serve``
on 127.0.0.1: it logs in as the county admin, crawls every same-origin page it can reach
(bounded), and checks each answer — security headers, cookie flags, no server error, no
stack trace or framework banner, no full ID or mobile number — plus a few active probes
(TRACE, path traversal on static files, an over-long id, a forged Host, a CSRF-less POST).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from shared.demo import _sanji, _wait_healthy
from shared.errors import InvalidInput
from shared.ids import validate_id_number

pytestmark = pytest.mark.slow

MAX_PAGES = 60
HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "",
}
LEAKS = (
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r"werkzeug\.exceptions|sqlalchemy\.exc|File \"/"),
)
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data: Path = tmp_path_factory.mktemp("scan-hub")
    env = dict(os.environ)
    env |= {"SANJI_HUB_DATA_DIR": str(data), "SANJI_HUB_COOKIE_SECURE": "false"}
    subprocess.run(_sanji("hub", "init", "--demo"), env=env, check=True, capture_output=True)
    port = _free_port()
    with (data / "web.log").open("wb") as log:
        proc = subprocess.Popen(
            _sanji("hub", "serve", "--port", str(port), "--workers", "1"),
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        assert _wait_healthy(port, proc), (data / "web.log").read_text()[-2000:]
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log_text = (data / "web.log").read_text(errors="replace")
        # The access and error logs of the whole scan hold no full ID or mobile number.
        assert not [m for m in ID_NUMBER.findall(log_text) if _is_id(m)]
        assert not MOBILE.findall(log_text)


def _is_id(text: str) -> bool:
    try:
        validate_id_number(text)
    except InvalidInput:
        return False
    return True


def _logged_in(base: str) -> requests.Session:
    web = requests.Session()
    form = web.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    answer = web.post(
        f"{base}/login",
        data={"csrf_token": token.group(1), "username": "admin", "password": "demo"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    cookie = answer.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    return web


def _check(response: requests.Response, url: str, problems: list[str]) -> None:
    if response.status_code >= 500:
        problems.append(f"{url}: {response.status_code}")
    for name, must_contain in HEADERS.items():
        value = response.headers.get(name)
        if value is None or must_contain not in value:
            problems.append(f"{url}: header {name} is {value!r}")
    server = response.headers.get("Server", "")
    if re.search(r"[0-9]+\.[0-9]+", server):
        problems.append(f"{url}: Server header names a version ({server})")
    body = response.text if "text" in response.headers.get("Content-Type", "") else ""
    for pattern in LEAKS:
        if pattern.search(body):
            problems.append(f"{url}: body shows {pattern.pattern}")
    if [m for m in ID_NUMBER.findall(body) if _is_id(m)] or MOBILE.findall(body):
        problems.append(f"{url}: full ID or mobile number in the page")


def test_crawled_pages_pass_the_passive_rules(hub_url: str) -> None:
    web = _logged_in(hub_url)
    seen: set[str] = set()
    todo = ["/", "/cases", "/dashboard", "/api/v1/docs", "/api/v1/openapi.json"]
    problems: list[str] = []
    while todo and len(seen) < MAX_PAGES:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = web.get(urljoin(hub_url, path), timeout=20, allow_redirects=False)
        _check(response, path, problems)
        if "text/html" in response.headers.get("Content-Type", ""):
            parser = _Links()
            parser.feed(response.text)
            for href in parser.links:
                target = urlsplit(urljoin(hub_url + path, href))
                same_site = target.netloc == urlsplit(hub_url).netloc
                if same_site and target.path not in seen and "logout" not in target.path:
                    todo.append(target.path + (f"?{target.query}" if target.query else ""))
    assert len(seen) >= 10, seen
    assert problems == []


def test_active_probes_are_answered_safely(hub_url: str) -> None:
    problems: list[str] = []
    trace = requests.request("TRACE", f"{hub_url}/login", timeout=10)
    if trace.status_code not in (405, 501):
        problems.append(f"TRACE answered {trace.status_code}")
    for path in (
        "/_sanji/static/../../../../etc/passwd",
        "/_sanji/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/_sanji/static/..%2f..%2f..%2fshared/config.py",
    ):
        answer = requests.get(f"{hub_url}{path}", timeout=10)
        if answer.status_code == 200 or "root:" in answer.text:
            problems.append(f"{path}: {answer.status_code}")
        _check(answer, path, problems)
    huge = requests.post(
        f"{hub_url}/api/v1/appointments/99999999999999999999999999/cancel", json={}, timeout=10
    )
    if huge.status_code >= 500:
        problems.append(f"over-long id: {huge.status_code}")
    forged = requests.get(f"{hub_url}/login", headers={"Host": "evil.example"}, timeout=10)
    if "evil.example" in forged.headers.get("Location", ""):
        problems.append("a forged Host header reached a redirect")
    no_csrf = requests.post(
        f"{hub_url}/login", data={"username": "admin", "password": "demo"}, timeout=10
    )
    if no_csrf.status_code == 302:
        problems.append("a form POST without its CSRF token was accepted")
    bad_json = requests.post(
        f"{hub_url}/api/v1/auth/token",
        data="{not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    if bad_json.status_code >= 500 or "problem+json" not in bad_json.headers.get(
        "Content-Type", ""
    ):
        problems.append(f"bad JSON: {bad_json.status_code} {bad_json.headers.get('Content-Type')}")
    assert problems == []
