"""GET /metrics on the hub, a town and a village: Prometheus text, named families, access."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from shared import refdata
from shared.clock import FixedClock
from shared.sync.scheduler import JobStats

STATE_FAMILIES = {
    "sanji_node_info",
    "sanji_sync_lag_seconds",
    "sanji_sync_last_success_timestamp_seconds",
    "sanji_sync_queue_length",
    "sanji_sync_quarantined",
    "sanji_job_runs",
    "sanji_job_failures",
}


def _families(client: FlaskClient) -> dict[str, object]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.get_data(as_text=True))}
    assert all(name.startswith("sanji_") for name in families), sorted(families)
    return families


def _samples(family: object) -> list[tuple[str, dict[str, str], float]]:
    return [(s.name, s.labels, s.value) for s in family.samples]  # type: ignore[attr-defined]


def test_hub_scrape_parses_and_counts_requests_by_route(hub: FlaskClient) -> None:
    assert hub.get("/api/v1/catalog/items/does-not-exist").status_code == 404
    families = _families(hub)
    assert set(families) >= STATE_FAMILIES
    requests = _samples(families["sanji_http_requests"])
    routes = {labels["route"] for name, labels, _ in requests if name.endswith("_total")}
    assert "/api/v1/catalog/items/<string:code>" in routes  # the url rule, not the path
    assert not any("does-not-exist" in route for route in routes)
    assert "sanji_http_request_duration_seconds" in families


def test_metrics_answer_404_to_addresses_not_allowed(hub: FlaskClient, hub_app: Flask) -> None:
    assert hub.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.5"}).status_code == 404
    hub_app.config["METRICS_ALLOW"] = "10.0.0.5, 127.0.0.1"
    assert hub.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.5"}).status_code == 200


def test_scheduler_job_counters_reach_the_web_process(hub: FlaskClient, hub_app: Flask) -> None:
    stats = JobStats()
    stats.record("sync.cycle", failed=False)
    stats.record("sync.cycle", failed=True)
    stats.flush(hub_app)
    families = _families(hub)
    assert ("sanji_job_runs_total", {"job": "sync.cycle"}, 2.0) in _samples(
        families["sanji_job_runs"]
    )
    assert ("sanji_job_failures_total", {"job": "sync.cycle"}, 1.0) in _samples(
        families["sanji_job_failures"]
    )


@pytest.mark.parametrize("tier", ["town", "village"])
def test_node_scrape_has_sync_families(
    tier: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if tier == "town":
        from town_node import create_app
        from town_node.cli import town as group

        prefix, code = "SANJI_TOWN", "610727105"
    else:
        from village_portal import create_app
        from village_portal.cli import village as group

        prefix, code = "SANJI_VILLAGE", refdata.demo_village().code
    monkeypatch.setenv(f"{prefix}_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(f"{prefix}_NODE_CODE", code)
    assert CliRunner().invoke(group, ["init"]).exit_code == 0
    app = create_app({"TESTING": True, "CLOCK": FixedClock()})
    families = _families(app.test_client())
    assert set(families) >= STATE_FAMILIES
    assert _samples(families["sanji_sync_queue_length"])[0][2] == 0.0
    info = _samples(families["sanji_node_info"])[0][1]
    assert info["tier"] == tier and info["node"] == code
