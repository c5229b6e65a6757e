"""Certificates across real tier processes: a village agent looks up the applicant's
certificates for her case (village → town → hub, signed at each hop); the county's
approval issues a licence that travels down with the case; the village verifies it offline;
a revocation at the county reaches the village's status list; the village's usage log
arrives at the hub with its chain intact; with the town down, verification still works
and a look-up says plainly that the county cannot be reached."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from county_hub.certs.demo import BUSINESSES
from tests.integration.cluster import Cluster

pytestmark = pytest.mark.slow

OFFSET = 26000


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path_factory.mktemp("certs"), OFFSET, SYNC_INTERVAL="1")
    try:
        cluster.up()
        yield cluster
    finally:
        cluster.down()


def _verify(cluster: Cluster, node: Any, headers: dict[str, str], payload: str) -> dict[str, Any]:
    response = requests.post(
        f"{cluster.api(node)}/certificates/verify",
        json={"payload": payload},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _page_session(node: Any, username: str) -> requests.Session:
    browser = requests.Session()
    form = browser.get(f"{node.url}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    done = browser.post(
        f"{node.url}/login",
        data={"username": username, "password": "demo", "csrf_token": token.group(1)},
        timeout=10,
    )
    assert done.status_code == 200 and "/login" not in done.url
    return browser


def _complain(browser: requests.Session, node: Any, **fields: str) -> requests.Response:
    form = browser.get(f"{node.url}/complaints/info", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    return browser.post(
        f"{node.url}/complaints/info",
        data={"csrf_token": token.group(1), **fields},
        timeout=60,
    )


def test_lookup_issue_verify_revoke_and_the_usage_log(cluster: Cluster) -> None:
    hub, town, village = cluster.hub, cluster.town_b, cluster.village
    agent = cluster.login(village, f"agent-{village.code}")
    shop = BUSINESSES[1]
    code = requests.get(
        f"{cluster.api(village)}/catalog/items", params={"q": "spjyxk"}, timeout=10
    ).json()["items"][0]["code"]
    item = requests.get(f"{cluster.api(village)}/catalog/items/{code}", timeout=10).json()
    filed = requests.post(
        f"{cluster.api(village)}/cases",
        json={
            "item_code": code,
            "applicant": {
                "name": shop.name,
                "id_type": "001",
                "id_number": shop.code,
                "phone": "13812345678",
            },
            "materials": [{"name": m["name"], "provided": True} for m in item["materials"]],
            "consent": True,
        },
        headers=agent,
        timeout=10,
    )
    assert filed.status_code == 201, filed.text
    case_no = filed.json()["case_no"]

    found = requests.post(
        f"{cluster.api(village)}/certificates/lookup",
        json={
            "holder": shop.code,
            "case_no": case_no,
            "purpose": "办理食品经营许可，免提交营业执照",
        },
        headers=agent,
        timeout=20,
    )
    assert found.status_code == 200, found.text
    names = {c["name"] for c in found.json()["items"]}
    assert {"营业执照", "食品经营许可证"} <= names
    assert shop.code not in found.text  # masked all the way down

    reviewer = cluster.login(hub, "dept-scjgj")
    cluster.wait_for(
        lambda: (
            requests.get(
                f"{cluster.api(hub)}/cases/{case_no}", headers=reviewer, timeout=5
            ).status_code
            == 200
        ),
        what="the case at the hub",
    )
    for body in ({"action": "accept"}, {"action": "decide", "approve": True}):
        done = requests.post(
            f"{cluster.api(hub)}/cases/{case_no}/actions", json=body, headers=reviewer, timeout=10
        )
        assert done.status_code == 200, done.text
    [licence] = done.json()["certificates"]

    def arrived() -> dict[str, Any] | None:
        case = requests.get(
            f"{cluster.api(village)}/cases/{case_no}", headers=agent, timeout=5
        ).json()
        return case["certificates"][0] if case.get("certificates") else None

    at_village = cluster.wait_for(arrived, what="the licence at the village")
    assert at_village["identifier"] == licence["identifier"]
    # The case JSON is masked (the QR payload encodes the holder's number); the signed
    # licence itself comes by a purpose-bound look-up for this case, as a clerk gets it.
    assert "payload" not in at_village and "payload" not in licence
    again = requests.post(
        f"{cluster.api(village)}/certificates/lookup",
        json={"holder": shop.code, "case_no": case_no, "purpose": "打印新发的食品经营许可证"},
        headers=agent,
        timeout=20,
    )
    assert again.status_code == 200, again.text
    [licence] = [c for c in again.json()["items"] if c["identifier"] == licence["identifier"]]
    assert _verify(cluster, village, agent, licence["payload"])["ok"]

    revoked = requests.post(
        f"{cluster.api(hub)}/certificates/registry/{licence['identifier']}/revoke",
        json={"reason": "经营场所灭失"},
        headers=reviewer,
        timeout=10,
    )
    assert revoked.status_code == 200, revoked.text
    cluster.wait_for(
        lambda: _verify(cluster, village, agent, licence["payload"])["code"] == "revoked",
        what="the revocation at the village",
    )

    admin = cluster.login(hub, "admin")

    def used() -> list[dict[str, Any]]:
        items = requests.post(
            f"{cluster.api(hub)}/certificates/usage",
            json={"holder": shop.code, "holder_type": "001"},
            headers=admin,
            timeout=5,
        ).json()["items"]
        return [u for u in items if u["node"] == village.code]

    village_uses = cluster.wait_for(lambda: len(used()) >= 3 and used(), what="village usage")
    assert {u["action"] for u in village_uses} == {"lookup", "verify"}
    alerts = requests.get(f"{cluster.api(hub)}/certificates/usage/alerts", headers=admin, timeout=5)
    assert alerts.json() == []

    clerk = _page_session(village, f"agent-{village.code}")
    complaint = {"contact_name": "李四", "department_code": "mzj", "text": "低保申请没有回音"}
    refused = _complain(clerk, village, **complaint)
    assert refused.status_code == 422 and "请填写联系电话" in refused.text
    assert "低保申请没有回音" in refused.text  # what was typed is still there
    filed = _complain(clerk, village, contact_phone="13812345678", **complaint)
    assert filed.status_code == 200 and "已登记反映" in filed.text
    dept = cluster.login(hub, "dept-mzj")
    listed = requests.get(f"{cluster.api(hub)}/complaints", headers=dept, timeout=5).json()
    assert any(c["filed_node"] == village.code for c in listed["items"])

    cluster.kill(town, "web")
    try:
        offline_complaint = _complain(clerk, village, contact_phone="13812345678", **complaint)
        assert offline_complaint.status_code == 422
        assert "县级平台暂不可达" in offline_complaint.text
        assert "低保申请没有回音" in offline_complaint.text
        offline = _verify(cluster, village, agent, licence["payload"])
        assert offline["code"] == "revoked" and offline["as_of"]
        unreachable = requests.post(
            f"{cluster.api(village)}/certificates/lookup",
            json={"holder": shop.code, "case_no": case_no, "purpose": "再次查询"},
            headers=agent,
            timeout=60,
        )
        assert unreachable.status_code == 503
        assert "离线时只能核验" in unreachable.json()["detail"]
    finally:
        cluster.start(town, "web")
