"""A real hub, two towns and a village as separate processes on 127.0.0.1, for tests."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import requests

from shared.demo import (
    DemoNode,
    _join,
    _sanji,
    _wait_healthy,
    _wait_login,
    demo_nodes,
    hub_fingerprint,
)


class Cluster:
    """Start, stop and kill each node's web and scheduler process independently."""

    def __init__(self, root: Path, port_offset: int, **env: str) -> None:
        self.root = root
        self.nodes = demo_nodes(port_offset)
        self.hub, self.town_a, self.town_b, self.village = self.nodes
        self.extra_env = env
        self.procs: dict[tuple[str, str], subprocess.Popen[bytes]] = {}
        self.logs = root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def env(self, node: DemoNode) -> dict[str, str]:
        env = node.env(self.root)
        for key, value in self.extra_env.items():
            env[f"{node.prefix}_{key}"] = value
        return env

    def run(self, node: DemoNode, *args: str) -> None:
        subprocess.run(
            _sanji(node.tier, *args), env=self.env(node), check=True, capture_output=True
        )

    def start(self, node: DemoNode, what: str) -> None:
        args = (
            ["serve", "--port", str(node.port), "--workers", "1"]
            if what == "web"
            else ["scheduler"]
        )
        log = (self.logs / f"{node.code}-{what}.log").open("ab")
        proc = subprocess.Popen(
            _sanji(node.tier, *args), env=self.env(node), stdout=log, stderr=log
        )
        log.close()
        self.procs[(node.code, what)] = proc
        if what == "web" and not _wait_healthy(node.port, proc):
            raise RuntimeError(f"{node.code} web did not start: see {self.logs}")

    def kill(self, node: DemoNode, what: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop((node.code, what))
        if sig == signal.SIGKILL:
            # kill -9 the whole process group of gunicorn (master and worker)
            for child in _children(proc.pid):
                os.kill(child, signal.SIGKILL)
        proc.send_signal(sig)
        proc.wait(timeout=20)

    def up(self) -> None:
        for node in self.nodes:
            self.run(node, *(["init", "--demo"] if node.tier == "hub" else ["init"]))
        self.start(self.hub, "web")
        pin = hub_fingerprint(self.root, self.hub)
        for town in (self.town_a, self.town_b):
            _join(self.root, upstream=self.hub, node=town, option="--hub", hub_fp=pin)
            self.start(town, "web")
        _join(self.root, upstream=self.town_b, node=self.village, option="--upstream", hub_fp=pin)
        self.start(self.village, "web")
        for node in self.nodes:
            self.start(node, "scheduler")
        _wait_login(self.village, f"agent-{self.village.code}")
        _wait_login(self.town_a, f"town-{self.town_a.code}")

    def down(self) -> None:
        for key in list(self.procs):
            proc = self.procs.pop(key)
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    # ------------------------------------------------------------------ API helpers

    def api(self, node: DemoNode) -> str:
        return f"{node.url}/api/v1"

    def login(self, node: DemoNode, username: str) -> dict[str, str]:
        response = requests.post(
            f"{self.api(node)}/auth/token",
            json={"username": username, "password": "demo"},
            timeout=10,
        )
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def wait_for(self, check: Any, timeout: float = 120.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = check()
                if last:
                    return last
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting for {what}: last={last!r}; logs in {self.logs}")


def _children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
    ).stdout
    return [int(p) for p in out.split()]
