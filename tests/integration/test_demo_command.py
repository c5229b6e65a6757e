"""The README's demo command, for real: four gunicorn processes answering over HTTP.

It must stop every process it started whichever way it is stopped: Ctrl-C in a terminal,
or SIGTERM from a service manager or a script (which Python's default would obey at once,
leaving twelve servers and schedulers behind with their ports taken).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from shared import refdata

#: Away from the contract ports, so a running demo does not interfere, and from every other
#: test's offset (three tiers 23000, browser 24000, certificates 26000), so none collide.
CTRL_C_OFFSET = 21000
SIGTERM_OFFSET = 22000
PORTS = (8000, 8101, 8105, 8201)
BANNER = "按 Ctrl-C 停止全部服务"


@contextmanager
def running_demo(root: Path, offset: int) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``sanji demo`` on shifted ports, up to its banner; killed if the test left it running."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shared.cli",
            "demo",
            "--root",
            str(root),
            "--port-offset",
            str(offset),
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
            if BANNER in line:
                break
        text = "".join(output)
        assert BANNER in text, text[-3000:]
        yield proc, text
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children, grandchildren …), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # exited while we looked
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        children = {p for p, pp in parents.items() if pp == parent}
        found |= children
        todo.extend(children)
    return found


def _alive(pid: int) -> bool:
    """Running or sleeping; a zombie (exited, not yet reaped) holds no port and counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _port_free(port: int) -> bool:
    """Whether a server could listen on ``port`` again (as gunicorn does, with SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.slow
def test_demo_starts_all_tiers_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    with running_demo(tmp_path, CTRL_C_OFFSET) as (proc, text):
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
                f"http://127.0.0.1:{port + CTRL_C_OFFSET}/api/v1/health", timeout=5
            ).json()
            assert (health["tier"], health["node"], health["status"]) == (tier, node, "ok")
        hub = f"http://127.0.0.1:{8000 + CTRL_C_OFFSET}/api/v1"
        stats = requests.get(f"{hub}/catalog/stats", timeout=10).json()
        assert stats["items_total"] == 1921
        token = requests.post(
            f"http://127.0.0.1:{8105 + CTRL_C_OFFSET}/api/v1/auth/token",
            json={"username": "town-610727105", "password": "demo"},
            timeout=10,
        )
        assert token.status_code == 200 and token.json()["token"]
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    for port in PORTS:
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port + CTRL_C_OFFSET}/api/v1/health", timeout=2)


@pytest.mark.slow
def test_sigterm_stops_every_child_and_frees_the_ports(tmp_path: Path) -> None:
    with running_demo(tmp_path, SIGTERM_OFFSET) as (proc, _text):
        children = _descendants(proc.pid)
        # Per tier: gunicorn's master and its one worker, and the scheduler.
        assert len(children) >= 12, children
        assert not any(_port_free(port + SIGTERM_OFFSET) for port in PORTS)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0  # stopped as asked, not killed by the signal
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)  # a worker whose master has gone is reaped by init, a moment later
    assert [pid for pid in children if _alive(pid)] == []
    assert [port for port in PORTS if not _port_free(port + SIGTERM_OFFSET)] == []
