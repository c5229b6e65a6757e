"""In a real browser (Debian's Chromium, driven by Playwright): a village agent files a
delegated case and a forwarded one; the town decides the first, the county department
the second; the agent sees both results — across real tier processes.

Screenshots of the pages go to test-artifacts/ (kept by CI as artifacts).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.csp import watch_csp
from tests.integration.cluster import Cluster

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
OFFSET = 24000
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    cluster = Cluster(
        tmp_path_factory.mktemp("browser"), OFFSET, SYNC_INTERVAL="1", COOKIE_SECURE="false"
    )
    try:
        cluster.up()
        yield cluster
    finally:
        cluster.down()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/cases$"))


def _file(page: Any, base: str, name: str, shot: str) -> str:
    page.goto(f"{base}/cases/new?q={name}")
    page.click(f"a:text-is('{name}')")
    page.fill("input[name=name]", "王五")
    page.fill("input[name=id_number]", "130434198407262918")  # a mistyped digit: told at once
    page.wait_for_selector(".idcheck-msg.field-error:has-text('校验码错误')")
    page.fill("input[name=id_number]", "13043419840726291X")
    page.wait_for_selector(".idcheck-msg.field-ok")
    page.fill("input[name=phone]", "13812345678")
    for box in page.query_selector_all("input[name=provided]"):
        box.check()
    page.check("input[name=consent]")
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    page.click("button:text('提交申请')")
    page.wait_for_url(re.compile(r".*/receipt$"))
    number = re.search(r"\d{12}-\d{8}-\d{4}", page.inner_text("article.notice"))
    assert number, page.content()
    return number.group(0)


def _wait_for_case(page: Any, base: str, case_no: str, text: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = page.goto(f"{base}/cases/{case_no}")
        if response.status == 200 and text in page.inner_text("main"):
            return
        time.sleep(1)
    raise AssertionError(f"{case_no} never showed {text!r} at {base}")


def test_village_files_town_and_county_decide_village_sees_both(
    cluster: Cluster, browser: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    hub, town, village = cluster.hub, cluster.town_b, cluster.village
    delegated_code = requests.get(f"{cluster.api(hub)}/delegations/batches", timeout=10).json()[0][
        "items"
    ][0]
    delegated = requests.get(
        f"{cluster.api(village)}/catalog/items/{delegated_code}", timeout=10
    ).json()["name"]

    agent = browser.new_page(viewport={"width": 390, "height": 844})  # a village agent's phone
    violations = watch_csp(agent)  # every page below must run under the strict CSP
    _login(agent, village.url, f"agent-{village.code}")
    first = _file(agent, village.url, delegated, "village-file-delegated.png")
    second = _file(agent, village.url, "食品经营许可(新办)", "village-file-forwarded.png")
    agent.goto(f"{village.url}/cases")
    assert first in agent.inner_text("main") and second in agent.inner_text("main")
    agent.screenshot(path=str(ARTIFACTS / "village-cases.png"), full_page=True)

    clerk = browser.new_page(viewport={"width": 1366, "height": 768})  # a town office PC
    violations += watch_csp(clerk)
    _login(clerk, town.url, f"town-{town.code}")
    _wait_for_case(clerk, town.url, first, "已提交")
    assert "本单位负责办理此件" in clerk.inner_text("p.route")
    clerk.click("button:text('受理')")
    assert "办件现为「已受理」" in clerk.inner_text("main")
    clerk.goto(f"{town.url}/cases/{first}/notice/acceptance")
    notice = clerk.inner_text("article.notice")
    assert "受理通知书" in notice and "承诺办结日期" in notice and "王五" in notice
    clerk.screenshot(path=str(ARTIFACTS / "town-acceptance-notice.png"), full_page=True)
    clerk.goto(f"{town.url}/cases/{first}")
    clerk.click("button:text('准予')")
    assert "办件现为「已办结」" in clerk.inner_text("main")
    clerk.screenshot(path=str(ARTIFACTS / "town-case-decided.png"), full_page=True)

    reviewer = browser.new_page(viewport={"width": 1366, "height": 768})
    violations += watch_csp(reviewer)
    _login(reviewer, hub.url, "dept-scjgj")
    _wait_for_case(reviewer, hub.url, second, "已提交")
    reviewer.click("button:text('受理')")
    reviewer.fill(
        "form.action:has(button:text('不予许可')) input[name=reason]", "经营场所不符合要求"
    )
    reviewer.click("button:text('不予许可')")
    assert "办件现为「已办结」" in reviewer.inner_text("main")
    reviewer.goto(f"{hub.url}/cases?filed_under={village.code}&handled_by=scjgj")
    found = reviewer.inner_text("table")
    assert second in found and first not in found  # the first is the town's to handle
    reviewer.screenshot(path=str(ARTIFACTS / "hub-case-search.png"), full_page=True)
    reviewer.goto(f"{hub.url}/sync")
    assert "下级节点" in reviewer.inner_text("main")
    reviewer.screenshot(path=str(ARTIFACTS / "hub-node-board.png"), full_page=True)
    reviewer.goto(f"{hub.url}/dashboard")
    reviewer.wait_for_selector("#rates canvas")  # ECharts drew, from the app's own copy
    reviewer.screenshot(path=str(ARTIFACTS / "hub-dashboard.png"), full_page=True)

    admin = browser.new_page(viewport={"width": 1366, "height": 768})
    violations += watch_csp(admin)
    _login(admin, hub.url, "admin")
    admin.goto(f"{hub.url}/catalog/{delegated_code}/edit")
    assert "申请材料" in admin.inner_text("main")
    admin.screenshot(path=str(ARTIFACTS / "hub-item-edit.png"), full_page=True)
    admin.goto(f"{hub.url}/delegations")
    assert "全部乡镇" in admin.inner_text("main") and "徐家坪镇" in admin.inner_text("main")
    admin.screenshot(path=str(ARTIFACTS / "hub-delegations.png"), full_page=True)

    _wait_for_case(agent, village.url, first, "准予")
    _wait_for_case(agent, village.url, second, "不予")
    agent.screenshot(path=str(ARTIFACTS / "village-result.png"), full_page=True)
    assert not violations, violations
