"""Real sanji processes for the benchmark: init, serve, enroll, join, memory, shutdown.

Every process is started in its own session (process group), remembered, and stopped by
:meth:`Processes.stop_all` — SIGTERM to its group, then SIGKILL if it does not go.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
PREFIX = {"hub": "SANJI_HUB", "town": "SANJI_TOWN"}


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Node:
    """One tier's data directory and identity."""

    tier: str  # hub | town
    code: str
    data_dir: Path
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        prefix = PREFIX[self.tier]
        env[f"{prefix}_DATA_DIR"] = str(self.data_dir)
        env[f"{prefix}_NODE_CODE"] = self.code
        env["PYTHONUNBUFFERED"] = "1"
        return env


def sanji(*args: str) -> list[str]:
    """The ``sanji`` command run by this interpreter (as shared/demo.py does)."""
    return [sys.executable, "-m", "shared.cli", *args]


@dataclass
class Processes:
    """The processes this benchmark started, to be stopped whatever happens."""

    logs: Path
    procs: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as log:
            proc = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
                list(argv),
                env=env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs.append((name, proc))
        return proc

    def start_piped(
        self, name: str, argv: Sequence[str], env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        """Like :meth:`start`, but stdout stays readable by the caller."""
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            list(argv), env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=log,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        self.procs.append((name, proc))
        return proc

    def run(self, name: str, argv: Sequence[str], env: dict[str, str], timeout: float = 120) -> str:
        """Run a command to completion; its stdout, or RuntimeError with its log."""
        proc = self.start_piped(name, argv, env)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._stop(proc)
            raise RuntimeError(f"{name} took longer than {timeout:.0f} s") from None
        if proc.returncode != 0:
            log = (self.logs / f"{name}.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{name} failed ({proc.returncode}):\n{log}")
        return out.decode()

    def stop_all(self) -> None:
        for _name, proc in reversed(self.procs):
            self._stop(proc)
        self.procs.clear()

    @staticmethod
    def _stop(proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            # The group is the one start_new_session gave this process: ours alone.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        else:
            # Workers may outlive a dead master for a moment; the group still names them.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        if proc.stdout is not None:
            proc.stdout.close()


def wait_healthy(node: Node, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{node.tier} web exited with {proc.returncode}; see its log")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{node.url}/api/v1/health", timeout=2).ok:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{node.tier} web did not answer on {node.url} within {timeout:.0f} s")


# --------------------------------------------------------------------------- memory


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (gunicorn's workers of its master)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: split after it.
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry))
    return found


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def status_kb(pid: int, key: str) -> int:
    """A ``kB`` value of /proc/<pid>/status (VmRSS, VmHWM), 0 if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemoryWatch:
    """Sample the RSS of each tier's gunicorn workers in a background thread."""

    def __init__(self, masters: dict[str, int], interval: float = 0.2) -> None:
        self.masters = masters
        self.interval = interval
        self.peak_kb: dict[str, int] = dict.fromkeys(masters, 0)
        self.workers: dict[str, set[int]] = {tier: set() for tier in masters}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def sample(self) -> None:
        for tier, master in self.masters.items():
            for pid in children(master):
                self.workers[tier].add(pid)
                rss = status_kb(pid, "VmRSS")
                self.peak_kb[tier] = max(self.peak_kb[tier], rss)

    def current(self) -> str:
        """Each worker's RSS now and (peak so far), e.g. ``hub 71 (75)/90 (180) MB``."""
        parts = []
        for tier, master in self.masters.items():
            sizes = "/".join(
                f"{status_kb(p, 'VmRSS') / 1024:.0f} ({status_kb(p, 'VmHWM') / 1024:.0f})"
                for p in children(master)
            )
            parts.append(f"{tier} {sizes} MB")
        return ", ".join(parts)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def finish(self) -> dict[str, dict[str, int]]:
        """Per tier: workers seen, the largest RSS now, and the largest peak (VmHWM)."""
        self._stop.set()
        self._thread.join(5)
        self.sample()
        report = {}
        for tier, master in self.masters.items():
            live = children(master)
            report[tier] = {
                "workers": len(live),
                "rss_end_kb": max((status_kb(p, "VmRSS") for p in live), default=0),
                "hwm_kb": max((status_kb(p, "VmHWM") for p in live), default=0),
                "sampled_peak_kb": self.peak_kb[tier],
            }
        return report
