"""The README's demo command, for real: four gunicorn processes answering over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from shared import refdata

OFFSET = 21000  # away from the contract ports, so a running demo does not interfere


@pytest.mark.slow
def test_demo_starts_all_tiers_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shared.cli",
            "demo",
            "--root",
            str(tmp_path),
            "--port-offset",
            str(OFFSET),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    output: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            output.append(line)
            if "按 Ctrl-C 停止全部服务" in line:
                break
        text = "".join(output)
        assert "按 Ctrl-C 停止全部服务" in text, text[-3000:]
        village = refdata.demo_village().code
        assert village in text and "agent-" in text
        expected = {
            8000: ("hub", "610727"),
            8101: ("town", "610727001"),
            8105: ("town", "610727105"),
            8201: ("village", village),
        }
        for port, (tier, node) in expected.items():
            health = requests.get(
                f"http://127.0.0.1:{port + OFFSET}/api/v1/health", timeout=5
            ).json()
            assert (health["tier"], health["node"], health["status"]) == (tier, node, "ok")
        hub = f"http://127.0.0.1:{8000 + OFFSET}/api/v1"
        stats = requests.get(f"{hub}/catalog/stats", timeout=10).json()
        assert stats["items_total"] == 1921
        token = requests.post(
            f"http://127.0.0.1:{8105 + OFFSET}/api/v1/auth/token",
            json={"username": "town-610727105", "password": "demo"},
            timeout=10,
        )
        assert token.status_code == 200 and token.json()["token"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        finally:
            if proc.stdout is not None:
                proc.stdout.close()
    assert proc.returncode is not None
    for port in (8000, 8101, 8105, 8201):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port + OFFSET}/api/v1/health", timeout=2)
