"""`sanji <tier> scheduler` runs once per node: a second one exits non-zero with the reason."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SANJI = [sys.executable, "-m", "shared.cli"]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANJI_")}
    env.update(SANJI_TOWN_DATA_DIR=str(data_dir), SANJI_TOWN_NODE_CODE="610727105")
    return env


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([*SANJI, "town", "scheduler"], env=env, stdout=out, stderr=out)


def _holds_lock(proc: subprocess.Popen[bytes], lock: Path, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if lock.exists() and lock.read_text().strip() == str(proc.pid):
            return True
        time.sleep(0.2)
    return False


def test_second_scheduler_refuses_and_a_new_one_starts_after_a_crash(tmp_path: Path) -> None:
    env = _env(tmp_path)
    subprocess.run([*SANJI, "town", "init"], env=env, check=True, capture_output=True)
    lock = tmp_path / "scheduler.lock"
    log = tmp_path / "scheduler.log"
    first = _start(env, log)
    try:
        assert _holds_lock(first, lock), log.read_text()
        second = subprocess.run(
            [*SANJI, "town", "scheduler"], env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode != 0
        assert "定时任务进程已在运行" in second.stderr and str(first.pid) in second.stderr
        first.send_signal(signal.SIGKILL)  # the kernel drops the flock with the process
        first.wait(timeout=20)
        third = _start(env, log)
        try:
            assert _holds_lock(third, lock), log.read_text()
        finally:
            third.send_signal(signal.SIGTERM)
            third.wait(timeout=20)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
