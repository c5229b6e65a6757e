"""The provincial exchange end to end: a real hub, towns and a village, the exchange
database, and a stand-in for the province in its own process.

Catalog change in → confirmed → published → reaches a town by sync; cases filed at the
village and decided at the town (and one at the county) appear in the exchange tables
once per event; a refused row is re-sent without a duplicate; the hub's scheduler killed
with SIGKILL mid-backlog resumes without gaps or duplicates, compared row by row with
what the mapping says the cases need.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import MetaData, create_engine, func, select, text

from county_hub.exchange import mapping
from county_hub.exchange.models import EXCHANGE_METADATA
from tests.integration.cluster import Cluster

pytestmark = pytest.mark.slow

OFFSET = 24000
HERE = Path(__file__).resolve().parent
EXCHANGE_PG = os.environ.get("SANJI_TEST_EXCHANGE_URL", "")


@pytest.fixture(scope="module")
def exchange_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if EXCHANGE_PG:
        engine = create_engine(EXCHANGE_PG)
        with engine.begin() as conn:
            EXCHANGE_METADATA.drop_all(conn)
        engine.dispose()
        return EXCHANGE_PG
    return f"sqlite:///{tmp_path_factory.mktemp('province') / 'exchange.sqlite3'}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, exchange_url: str) -> Iterator[Cluster]:
    cluster = Cluster(
        tmp_path_factory.mktemp("cluster"),
        OFFSET,
        SYNC_INTERVAL="1",
        EXCHANGE_DATABASE_URL=exchange_url,
        EXCHANGE_GRACE_SECONDS="0",
    )
    try:
        cluster.up()
        cluster.run(cluster.hub, "exchange", "init-db")
        yield cluster
    finally:
        cluster.down()


@pytest.fixture(scope="module")
def exchange(exchange_url: str) -> Iterator[Any]:
    engine = (
        create_engine(exchange_url, connect_args={"timeout": 30})
        if exchange_url.startswith("sqlite")
        else create_engine(exchange_url)
    )
    yield engine
    engine.dispose()


def _forwarded(cluster: Cluster) -> str:
    return requests.get(
        f"{cluster.api(cluster.hub)}/catalog/items", params={"q": "spjyxk"}, timeout=10
    ).json()["items"][0]["code"]


@pytest.fixture(scope="module")
def province(cluster: Cluster, exchange_url: str) -> Iterator[subprocess.Popen[bytes]]:
    log = (cluster.logs / "province.log").open("ab")
    proc = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "province_standin.py"),
            "--url",
            exchange_url,
            "--read",
            "--refuse-item",
            _forwarded(cluster),
            "--seconds",
            "900",
        ],
        stdout=log,
        stderr=log,
    )
    log.close()
    yield proc
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def _body(cluster: Cluster, node: Any, code: str) -> dict[str, Any]:
    item = requests.get(f"{cluster.api(node)}/catalog/items/{code}", timeout=10).json()
    return {
        "item_code": code,
        "applicant": {
            "name": "王五",
            "id_type": "111",
            "id_number": "13043419840726291X",
            "phone": "13812345678",
        },
        "materials": [{"name": m["name"], "provided": True} for m in item["materials"]],
        "consent": True,
    }


def _act(cluster: Cluster, node: Any, headers: dict[str, str], no: str, **body: Any) -> None:
    response = requests.post(
        f"{cluster.api(node)}/cases/{no}/actions", json=body, headers=headers, timeout=10
    )
    assert response.status_code == 200, response.json()


def _seen(cluster: Cluster, node: Any, headers: dict[str, str], no: str) -> bool:
    return (
        requests.get(f"{cluster.api(node)}/cases/{no}", headers=headers, timeout=10).status_code
        == 200
    )


def _count(exchange: Any, table: str, no: str | None = None) -> int:
    t = EXCHANGE_METADATA.tables[table]
    stmt = select(func.count()).select_from(t)
    if no is not None:
        stmt = stmt.where(t.c.projid == no)
    with exchange.connect() as conn:
        return int(conn.scalar(stmt) or 0)


def test_catalog_change_in_confirmed_published_reaches_a_town(
    cluster: Cluster, exchange: Any, tmp_path: Path, exchange_url: str
) -> None:
    hub, town = cluster.hub, cluster.town_a
    code = requests.get(
        f"{cluster.api(hub)}/catalog/items", params={"q": "食品经营许可"}, timeout=10
    ).json()["items"][0]["code"]
    name = "食品经营许可（省级事项库修订版）"
    export = tmp_path / "library"
    cluster.run(hub, "exchange", "export-catalog", str(export))
    subprocess.run(
        [
            sys.executable,
            str(HERE / "province_standin.py"),
            "--url",
            exchange_url,
            "--publish",
            str(export),
            "--item",
            code,
            "--name",
            name,
        ],
        check=True,
        capture_output=True,
    )
    cluster.run(hub, "exchange", "pull-catalog")
    admin = cluster.login(hub, "admin")
    changes = requests.get(
        f"{cluster.api(hub)}/exchange/catalog/changes", headers=admin, timeout=10
    ).json()
    pending = [c for c in changes if c["status"] == "pending"]
    refused = [c for c in changes if c["status"] == "refused"]
    assert [c["task_code"] for c in pending] == [code]
    assert len(refused) == 1 and "事项类型代码 '99'" in refused[0]["problems"][0]["reason"]
    # Not published yet: neither the hub's published item nor the town has the new name.
    assert (
        requests.get(f"{cluster.api(hub)}/catalog/items/{code}", timeout=10).json()["name"] != name
    )
    confirmed = requests.post(
        f"{cluster.api(hub)}/exchange/catalog/confirm", headers=admin, timeout=30
    ).json()
    assert confirmed["confirmed"] == 1
    assert (
        requests.get(f"{cluster.api(hub)}/catalog/items/{code}", timeout=10).json()["name"] == name
    )
    cluster.wait_for(
        lambda: (
            requests.get(f"{cluster.api(town)}/catalog/items/{code}", timeout=10).json()["name"]
            == name
        ),
        what="the confirmed item at the town",
    )
    with exchange.connect() as conn:
        basic = EXCHANGE_METADATA.tables["up_task_general_basic"]
        verdicts = dict(
            conn.execute(
                select(basic.c.task_code, basic.c.sync_status).where(basic.c.task_version == 2)
            ).all()
        )
    assert verdicts[code] == "1" and sorted(verdicts.values()) == ["1", "2"]


def test_village_and_county_cases_reach_the_exchange_once_per_event(
    cluster: Cluster, exchange: Any, province: subprocess.Popen[bytes]
) -> None:
    hub, town, village = cluster.hub, cluster.town_b, cluster.village
    delegated = requests.get(f"{cluster.api(hub)}/delegations/batches", timeout=10).json()[0][
        "items"
    ][0]
    forwarded = _forwarded(cluster)
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
    clerk = cluster.login(town, f"town-{town.code}")
    cluster.wait_for(lambda: _seen(cluster, town, clerk, first["case_no"]), what="case at town")
    _act(cluster, town, clerk, first["case_no"], action="accept")
    _act(cluster, town, clerk, first["case_no"], action="decide", approve=True)
    reviewer = cluster.login(hub, "dept-scjgj")
    cluster.wait_for(lambda: _seen(cluster, hub, reviewer, second["case_no"]), what="at the hub")
    _act(cluster, hub, reviewer, second["case_no"], action="accept")
    _act(cluster, hub, reviewer, second["case_no"], action="decide", approve=False, reason="不符")

    for no in (first["case_no"], second["case_no"]):
        cluster.wait_for(lambda no=no: _count(exchange, "up_pro_result", no) == 1, what=no)
        assert _count(exchange, "up_pro_accept", no) == 1
        assert _count(exchange, "up_pro_process", no) == 2  # 受理, 审查决定
    with exchange.connect() as conn:
        accept = EXCHANGE_METADATA.tables["up_pro_accept"]
        row = conn.execute(select(accept).where(accept.c.projid == first["case_no"])).one()
    assert row.area_code == village.code and row.is_agent == "1"
    assert row.handle_org_code == town.code and row.contact_phone == "138****5678"

    # The province refused the forwarded case's accept row; the hub shows it with the reason.
    admin = cluster.login(hub, "admin")

    def refused() -> list[dict[str, Any]]:
        items = requests.get(
            f"{cluster.api(hub)}/exchange/rows",
            params={"status": "refused", "case_no": second["case_no"]},
            headers=admin,
            timeout=10,
        ).json()["items"]
        return items

    [row_out] = cluster.wait_for(refused, what="the province's refusal at the hub")
    assert "省级事项库" in row_out["reason"] and row_out["target"] == "up_pro_accept"
    resent = requests.post(
        f"{cluster.api(hub)}/exchange/rows/{row_out['id']}/resend", headers=admin, timeout=10
    )
    assert resent.status_code == 200

    def taken() -> bool:
        items = requests.get(
            f"{cluster.api(hub)}/exchange/rows",
            params={"case_no": second["case_no"], "target": "up_pro_accept"},
            headers=admin,
            timeout=10,
        ).json()["items"]
        return bool(items) and items[0]["status"] == "accepted" and items[0]["attempts"] == 2

    cluster.wait_for(taken, what="the re-sent row taken by the province")
    assert _count(exchange, "up_pro_accept", second["case_no"]) == 1  # never duplicated
    status = requests.get(f"{cluster.api(hub)}/exchange/status", headers=admin, timeout=10).json()
    assert status["counts"]["refused"] == 0 and status["lag_seconds"] < 60


def _expected_unids(cluster: Cluster) -> set[str]:
    """Every exchange row the hub's cases need, from their folded state (not the tracking)."""
    hub_db = cluster.hub.data_dir(cluster.root) / "hub.sqlite3"
    engine = create_engine(f"sqlite:///{hub_db}")
    out: set[str] = set()
    with engine.connect() as conn:
        for (state,) in conn.execute(text("SELECT state FROM cases")):
            case = json.loads(state) if isinstance(state, str) else state
            app = mapping.submitted_entry(case)["payload"]
            for entry, target in mapping.targets_of(case["history"]):
                if target == "up_pro_material":
                    out.update(
                        mapping.unid(target, entry["id"], n)
                        for n in range(1, len(app.get("materials") or ()) + 1)
                    )
                else:
                    out.add(mapping.unid(target, entry["id"]))
    engine.dispose()
    return out


def _actual_unids(exchange: Any) -> list[str]:
    found: list[str] = []
    with exchange.connect() as conn:
        for name in (
            "up_pro_accept",
            "up_pro_material",
            "up_pro_process",
            "up_pro_special_procedure",
            "up_pro_result",
            "up_evaluation",
        ):
            table = EXCHANGE_METADATA.tables[name]
            found.extend(conn.scalars(select(table.c.unid)))
    return found


def test_a_killed_exchange_job_resumes_without_gaps_or_duplicates(
    cluster: Cluster, exchange: Any, province: subprocess.Popen[bytes]
) -> None:
    hub = cluster.hub
    cluster.kill(hub, "scheduler")
    reviewer = cluster.login(hub, "dept-scjgj")
    code = _forwarded(cluster)
    filed = []
    for _ in range(25):
        response = requests.post(
            f"{cluster.api(hub)}/cases",
            json=_body(cluster, hub, code),
            headers=reviewer,
            timeout=10,
        )
        assert response.status_code == 201, response.json()
        no = response.json()["case_no"]
        filed.append(no)
        _act(cluster, hub, reviewer, no, action="accept")
        _act(cluster, hub, reviewer, no, action="suspend", reason="送检", kind="检测")
        _act(cluster, hub, reviewer, no, action="resume", reason="合格")
        _act(cluster, hub, reviewer, no, action="decide", approve=True)
    # Start the scheduler and kill it (-9) a few times while it works off the backlog.
    for delay in (0.8, 1.5, 2.5):
        cluster.start(hub, "scheduler")
        time.sleep(delay)
        cluster.kill(hub, "scheduler", signal.SIGKILL)
    cluster.start(hub, "scheduler")
    expected = _expected_unids(cluster)
    cluster.wait_for(
        lambda: expected <= set(_actual_unids(exchange)), timeout=180, what="the backlog"
    )
    time.sleep(3)  # one more cycle: nothing may be added twice
    actual = _actual_unids(exchange)
    assert len(actual) == len(set(actual))  # no duplicates
    assert set(actual) == expected  # no gaps, and nothing that should not be there
    for no in filed:
        assert _count(exchange, "up_pro_special_procedure", no) == 2
        assert _count(exchange, "up_pro_accept", no) == 1
    with exchange.connect() as conn:
        meta = MetaData()
        meta.reflect(conn, only=["up_pro_process"])
        process = meta.tables["up_pro_process"]
        orders = conn.execute(
            select(process.c.projid, process.c.sn, process.c.node_code).where(
                process.c.projid.in_(filed)
            )
        ).all()
    by_case: dict[str, list[tuple[int, str]]] = {}
    for projid, sn, node in orders:
        by_case.setdefault(projid, []).append((sn, node))
    for steps in by_case.values():
        assert [node for _, node in sorted(steps)] == ["01", "05"]  # in order per case
