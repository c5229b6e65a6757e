"""Village → town → county → village over real HTTP, with links and processes failing.

One cluster for the whole module (starting four tiers costs ~20 s); the steps run in
order and each leaves the cluster running for the next.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration.cluster import Cluster

pytestmark = pytest.mark.slow

OFFSET = 23000


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    cluster = Cluster(
        tmp_path_factory.mktemp("cluster"), OFFSET, SYNC_INTERVAL="1", SYNC_BATCH="20"
    )
    try:
        cluster.up()
        yield cluster
    finally:
        cluster.down()


def _body(cluster: Cluster, node: Any, code: str, *, provide: bool = True) -> dict[str, Any]:
    item = requests.get(f"{cluster.api(node)}/catalog/items/{code}", timeout=10).json()
    return {
        "item_code": code,
        "applicant": {
            "name": "王五",
            "id_type": "111",
            "id_number": "13043419840726291X",
            "phone": "13812345678",
        },
        "materials": [{"name": m["name"], "provided": provide} for m in item["materials"]],
        "consent": True,
    }


def _case(
    cluster: Cluster, node: Any, headers: dict[str, str], case_no: str
) -> dict[str, Any] | None:
    response = requests.get(f"{cluster.api(node)}/cases/{case_no}", headers=headers, timeout=10)
    return response.json() if response.status_code == 200 else None


def _act(
    cluster: Cluster, node: Any, headers: dict[str, str], case_no: str, **body: Any
) -> dict[str, Any]:
    response = requests.post(
        f"{cluster.api(node)}/cases/{case_no}/actions", json=body, headers=headers, timeout=10
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_round_trips_delegated_at_town_forwarded_to_county(cluster: Cluster) -> None:
    hub, town, village = cluster.hub, cluster.town_b, cluster.village
    delegated = requests.get(f"{cluster.api(hub)}/delegations/batches", timeout=10).json()[0][
        "items"
    ][0]
    forwarded = requests.get(
        f"{cluster.api(village)}/catalog/items", params={"q": "spjyxk"}, timeout=10
    ).json()["items"][0]["code"]
    agent = cluster.login(village, f"agent-{village.code}")
    first = requests.post(
        f"{cluster.api(village)}/cases",
        json=_body(cluster, village, delegated),
        headers=agent,
        timeout=10,
    ).json()
    second = requests.post(
        f"{cluster.api(village)}/cases",
        json=_body(cluster, village, forwarded),
        headers=agent,
        timeout=10,
    ).json()
    assert first["handled_by"] == town.code and second["handled_by"] == "scjgj"
    assert first["queued"] is True  # written at the village, not yet at the town

    clerk = cluster.login(town, f"town-{town.code}")
    cluster.wait_for(
        lambda: _case(cluster, town, clerk, first["case_no"]), what="village case at the town"
    )
    _act(cluster, town, clerk, first["case_no"], action="accept")
    assert (
        _act(cluster, town, clerk, first["case_no"], action="decide", approve=True)["status"]
        == "concluded"
    )
    # the town may not decide the department's case
    refused = requests.post(
        f"{cluster.api(town)}/cases/{second['case_no']}/actions",
        json={"action": "accept"},
        headers=clerk,
        timeout=10,
    )
    assert refused.status_code == 403

    reviewer = cluster.login(hub, "dept-scjgj")
    cluster.wait_for(
        lambda: _case(cluster, hub, reviewer, second["case_no"]), what="forwarded case at the hub"
    )
    _act(cluster, hub, reviewer, second["case_no"], action="accept")
    _act(
        cluster,
        hub,
        reviewer,
        second["case_no"],
        action="decide",
        approve=False,
        reason="经营场所不符合要求",
    )

    def both_back() -> bool:
        a = _case(cluster, village, agent, first["case_no"])
        b = _case(cluster, village, agent, second["case_no"])
        return bool(a and b and a["outcome"] == "approved" and b["outcome"] == "denied")

    cluster.wait_for(both_back, what="both decisions back at the village")
    hub_copy = _case(cluster, hub, cluster.login(hub, "admin"), first["case_no"])
    assert hub_copy and hub_copy["status"] == "concluded"  # the hub supervises every case


def test_village_files_while_its_town_is_down(cluster: Cluster) -> None:
    town, village = cluster.town_b, cluster.village
    cluster.kill(town, "web")
    cluster.kill(town, "scheduler")
    agent = cluster.login(village, f"agent-{village.code}")  # login works offline
    code = requests.get(
        f"{cluster.api(village)}/catalog/items", params={"q": "spjyxk"}, timeout=10
    ).json()["items"][0]["code"]
    filed = requests.post(
        f"{cluster.api(village)}/cases",
        json=_body(cluster, village, code),
        headers=agent,
        timeout=10,
    )
    assert filed.status_code == 201 and filed.json()["queued"] is True
    status = cluster.wait_for(
        lambda: (
            (
                s := requests.get(
                    f"{cluster.api(village)}/sync/status", headers=agent, timeout=10
                ).json()
            )["last_error"]
            and s
        ),
        what="the village noticing its town is down",
    )
    assert status["queue_depth"] >= 1
    cluster.start(town, "web")
    cluster.start(town, "scheduler")
    requests.post(f"{cluster.api(village)}/sync/now", headers=agent, timeout=10)
    clerk = cluster.login(town, f"town-{town.code}")
    cluster.wait_for(
        lambda: _case(cluster, town, clerk, filed.json()["case_no"]),
        what="queued case reaching the town",
    )
    cluster.wait_for(
        lambda: not _case(cluster, village, agent, filed.json()["case_no"])["queued"],
        what="queue drained",
    )


def test_town_keeps_working_while_the_hub_is_down_and_a_crash_mid_push(cluster: Cluster) -> None:
    hub, town = cluster.hub, cluster.town_a
    cluster.kill(hub, "web")
    clerk = cluster.login(town, f"town-{town.code}")
    code = requests.get(
        f"{cluster.api(town)}/catalog/items", params={"department": "mzj"}, timeout=10
    ).json()["items"][0]["code"]
    numbers = []
    for _ in range(60):
        response = requests.post(
            f"{cluster.api(town)}/cases", json=_body(cluster, town, code), headers=clerk, timeout=10
        )
        assert response.status_code == 201, response.json()
        numbers.append(response.json()["case_no"])
    assert len(set(numbers)) == 60
    cluster.start(hub, "web")
    # Crash the town's sync process in the middle of draining (batches of 20), twice.
    for _ in range(2):
        requests.post(f"{cluster.api(town)}/sync/now", headers=clerk, timeout=10)
        time.sleep(0.4)
        cluster.kill(town, "scheduler")
        cluster.start(town, "scheduler")
    admin = cluster.login(hub, "admin")

    def all_at_hub() -> bool:
        listed = requests.get(
            f"{cluster.api(hub)}/cases",
            params={"q": f"{town.code}-", "per_page": 200},
            headers=admin,
            timeout=10,
        ).json()
        return listed["total"] == 60

    cluster.wait_for(all_at_hub, timeout=90, what="all 60 cases at the hub exactly once")
    status = requests.get(f"{cluster.api(town)}/sync/status", headers=clerk, timeout=10).json()
    cluster.wait_for(
        lambda: (
            requests.get(f"{cluster.api(town)}/sync/status", headers=clerk, timeout=10).json()[
                "queue_depth"
            ]
            == 0
        ),
        what="the town's queue empty",
    )
    assert status["quarantined"] == 0
    board = requests.get(f"{cluster.api(hub)}/sync/nodes", headers=admin, timeout=10).json()
    assert len([n for n in board if n["level"] in ("town", "village")]) == 17 + 149
    row = next(n for n in board if n["node"] == town.code)
    assert row["enrolled"] and row["last_success"]


def test_a_signal_kill_of_the_town_web_loses_nothing_written(
    cluster: Cluster, tmp_path: Path
) -> None:
    town = cluster.town_a
    clerk = cluster.login(town, f"town-{town.code}")
    before = requests.get(f"{cluster.api(town)}/cases", headers=clerk, timeout=10).json()["total"]
    cluster.kill(town, "web", signal.SIGKILL)
    cluster.start(town, "web")
    clerk = cluster.login(town, f"town-{town.code}")
    assert (
        requests.get(f"{cluster.api(town)}/cases", headers=clerk, timeout=10).json()["total"]
        == before
    )
