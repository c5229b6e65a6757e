"""Back up a town while it runs, lose it, restore it: sync brings back what came after.

What the protocol guarantees, and what this test holds it to: every event a town wrote is
served back to it by the hub's pull (``server.events_for`` serves the events of every case
filed in the town's subtree, its own included), and each event is stored once by its id.
So a town restored from an older backup, after one ``sync-once``, holds exactly the
hub's events of its cases — those filed after the backup included — and re-pushing the
backup's unacknowledged events creates no duplicates at the hub. Events written at the
town after the backup and *never synced* before the loss are lost with the disk; the
runbook says to back up daily and that a town's exposure is what it filed since its last
successful sync, not since its last backup.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from shared.demo import _join, _sanji, hub_fingerprint
from tests.integration.cluster import Cluster

pytestmark = pytest.mark.slow

OFFSET = 24500


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path_factory.mktemp("restore"), OFFSET, SYNC_INTERVAL="1")
    hub, town = cluster.hub, cluster.town_a
    try:
        cluster.run(hub, "init", "--demo")
        cluster.run(town, "init")
        cluster.start(hub, "web")
        pin = hub_fingerprint(cluster.root, hub)
        _join(cluster.root, upstream=hub, node=town, option="--hub", hub_fp=pin)
        cluster.start(town, "web")
        cluster.start(town, "scheduler")
        cluster.wait_for(
            lambda: _login_ok(cluster), timeout=120, what="town staff account at the town"
        )
        yield cluster
    finally:
        cluster.down()


def _login_ok(cluster: Cluster) -> bool:
    town = cluster.town_a
    response = requests.post(
        f"{cluster.api(town)}/auth/token",
        json={"username": f"town-{town.code}", "password": "demo"},
        timeout=10,
    )
    return response.status_code == 200


def _file(cluster: Cluster, count: int) -> list[str]:
    town = cluster.town_a
    clerk = cluster.login(town, f"town-{town.code}")
    code = requests.get(
        f"{cluster.api(town)}/catalog/items", params={"department": "mzj"}, timeout=10
    ).json()["items"][0]["code"]
    item = requests.get(f"{cluster.api(town)}/catalog/items/{code}", timeout=10).json()
    numbers = []
    for _ in range(count):
        body: dict[str, Any] = {
            "item_code": code,
            "applicant": {
                "name": "王五",
                "id_type": "111",
                "id_number": "13043419840726291X",
                "phone": "13812345678",
            },
            "materials": [{"name": m["name"], "provided": True} for m in item["materials"]],
        }
        response = requests.post(f"{cluster.api(town)}/cases", json=body, headers=clerk, timeout=10)
        assert response.status_code == 201, response.json()
        numbers.append(response.json()["case_no"])
    return numbers


def _events(db: Path, town_code: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [
            row[0]
            for row in conn.execute(
                "SELECT id FROM case_events WHERE case_no LIKE ? ORDER BY id", (f"{town_code}%",)
            )
        ]


def _at_hub(cluster: Cluster, numbers: list[str]) -> bool:
    hub_db = cluster.hub.data_dir(cluster.root) / "hub.sqlite3"
    with sqlite3.connect(hub_db) as conn:
        found = {r[0] for r in conn.execute("SELECT DISTINCT case_no FROM case_events")}
    return set(numbers) <= found


def test_a_restored_town_catches_up_without_losing_or_duplicating(cluster: Cluster) -> None:
    hub, town = cluster.hub, cluster.town_a
    town_dir = town.data_dir(cluster.root)
    before = _file(cluster, 3)
    cluster.wait_for(lambda: _at_hub(cluster, before), timeout=90, what="first cases at the hub")

    backup = cluster.root / "town-backup"
    cluster.run(town, "backup", str(backup))  # online: web and scheduler keep running

    after = _file(cluster, 4)
    cluster.wait_for(lambda: _at_hub(cluster, after), timeout=90, what="later cases at the hub")

    # The town's disk is lost.
    cluster.kill(town, "scheduler", signal.SIGTERM)
    cluster.kill(town, "web", signal.SIGTERM)
    shutil.rmtree(town_dir)

    cluster.run(town, "restore", str(backup))
    restored = _events(town_dir / "town.sqlite3", town.code)
    hub_events = _events(hub.data_dir(cluster.root) / "hub.sqlite3", town.code)
    assert set(restored) < set(hub_events)  # the backup lacks what came after it

    subprocess.run(_sanji("town", "sync-once"), env=cluster.env(town), check=True)
    town_events = _events(town_dir / "town.sqlite3", town.code)
    hub_events = _events(hub.data_dir(cluster.root) / "hub.sqlite3", town.code)
    assert len(town_events) == len(set(town_events)), "duplicate events at the town"
    assert len(hub_events) == len(set(hub_events)), "duplicate events at the hub"
    assert town_events == hub_events

    cluster.start(town, "web")
    clerk = cluster.login(town, f"town-{town.code}")
    for case_no in before + after:
        response = requests.get(f"{cluster.api(town)}/cases/{case_no}", headers=clerk, timeout=10)
        assert response.status_code == 200, case_no
    # New filings after the restore get numbers of their own, and reach the hub.
    cluster.start(town, "scheduler")
    again = _file(cluster, 2)
    assert not set(again) & set(before + after)
    cluster.wait_for(lambda: _at_hub(cluster, again), timeout=90, what="new cases at the hub")
