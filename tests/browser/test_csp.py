"""In Debian's Chromium: the staff pages and Swagger UI of a real hub run under the strict
Content-Security-Policy without a single violation (finding 8), and the page cannot be
framed. The hub is ``sanji hub init --demo`` + ``sanji hub serve`` on a free port.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.demo import _sanji, _wait_healthy
from tests.browser.csp import watch_csp

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("csp-hub")
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


def test_pages_and_swagger_ui_have_no_csp_violation(hub_url: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    violations = watch_csp(page)
    page.goto(f"{hub_url}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/cases$"))
    page.goto(f"{hub_url}/dashboard")
    page.wait_for_selector("#rates canvas")  # ECharts drew from dashboard.js
    for path in ("/accounts", "/cases/new", "/catalog", "/sync", "/supervision"):
        page.goto(f"{hub_url}{path}")
    page.goto(f"{hub_url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=60000)  # Swagger UI started
    assert not violations, violations


def test_a_foreign_page_cannot_frame_the_hub(hub_url: str, browser: Any) -> None:
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.set_content(f"<iframe src='{hub_url}/login'></iframe>")
    page.wait_for_timeout(1500)
    frame = page.frames[-1]
    assert frame.url != f"{hub_url}/login" or not frame.query_selector("input[name=username]")
