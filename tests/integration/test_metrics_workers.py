"""/metrics under gunicorn with two workers: every scrape sums the requests of both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from shared.demo import _wait_healthy

pytestmark = pytest.mark.slow

PORT = 26500
ROUTE = "/api/v1/health"


def _health_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        if family.name == "sanji_http_requests":
            return sum(
                s.value
                for s in family.samples
                if s.name.endswith("_total") and s.labels.get("route") == ROUTE
            )
    return 0.0


def test_every_worker_answers_with_the_sum_of_all_workers(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANJI_", "PROMETHEUS_"))}
    env["SANJI_HUB_DATA_DIR"] = str(tmp_path / "hub")
    sanji = [sys.executable, "-m", "shared.cli", "hub"]
    subprocess.run(
        [*sanji, "init", "--admin", "chief", "--password-stdin"],
        input=b"Lueyang-2026\n",
        env=env,
        check=True,
        capture_output=True,
    )
    with (tmp_path / "web.log").open("ab") as log:
        proc = subprocess.Popen(
            [*sanji, "serve", "--port", str(PORT), "--workers", "2", "--threads", "2"],
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        assert _wait_healthy(PORT, proc), (tmp_path / "web.log").read_text()
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(30):
            # A new connection each time, so both workers take some of them.
            assert requests.get(base + ROUTE, timeout=10, headers={"Connection": "close"}).ok
        counts = {
            _health_count(
                requests.get(base + "/metrics", timeout=10, headers={"Connection": "close"}).text
            )
            for _ in range(6)
        }
        # The health check of _wait_healthy adds one or more: never fewer than our 30,
        # and every scrape (whichever worker) the same.
        assert len(counts) == 1 and min(counts) >= 30, counts
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
