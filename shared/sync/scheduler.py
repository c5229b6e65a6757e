"""The scheduler process of a tier (``sanji <tier> scheduler``): runs its jobs.

Each tier declares its jobs (``shared.node.jobs``, ``county_hub.jobs``); this module runs them.

Runs APScheduler's BlockingScheduler in its own process — never inside gunicorn workers.
Jobs are declared as data (``JobSpec``), each runs in an app context, and each is
idempotent (``coalesce=True, max_instances=1``): a crash at any point only repeats work.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import signal
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import Engine, text

from shared.db import unit_of_work
from shared.log import get_logger
from shared.sync import state

log = get_logger(__name__)

MAX_BACKOFF = 300  # seconds before jitter: a village on a bad link retries within 7.5 minutes


@dataclass(frozen=True)
class JobSpec:
    id: str
    seconds: float
    func: Callable[[Flask], Any]


def backoff_seconds(failures: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: 2, 4, 8 … seconds, capped, times 0.5–1.5."""
    base = float(min(MAX_BACKOFF, 2 ** max(1, failures)))
    jitter: float = (rng or random.Random()).uniform(0.5, 1.5)  # noqa: S311 - jitter, not security
    return base * jitter


STATS_FLUSH_SECONDS = 15.0  # one small write every 15 s, not one per 1-second job run


class JobStats:
    """Runs and failures per job, counted in memory and written to ``sync_state``.

    The web workers are other processes, so the counters are published through the
    database; writing them every 15 s rather than per run keeps SQLite's writer free.
    """

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, float]] = {}
        self.lock = threading.Lock()

    def record(self, job: str, *, failed: bool) -> None:
        with self.lock:
            stats = self.counts.setdefault(job, {"runs": 0, "failures": 0, "last_run": 0.0})
            stats["runs"] += 1
            stats["failures"] += 1 if failed else 0
            stats["last_run"] = time.time()

    def flush(self, app: Flask) -> None:
        with self.lock:
            snapshot = {job: dict(stats) for job, stats in self.counts.items()}
        with unit_of_work(app.extensions["sanji"].sessions) as session:
            state.put(session, state.JOB_STATS_KEY, snapshot)


class SchedulerRunning(Exception):
    """Another scheduler of this node holds the lock; this one must not start."""


LOCK_FILE = "scheduler.lock"


@contextlib.contextmanager
def single_instance(app: Flask) -> Iterator[None]:
    """Hold this node's scheduler lock for the life of the process, or raise SchedulerRunning.

    Two schedulers of one node would both push, pull and fold: no data is lost (every job
    is idempotent) but every cycle is done twice and SQLite's writer is fought over. The
    lock is ``flock`` on DATA_DIR/scheduler.lock — released by the kernel when the process
    dies, even by kill -9, so a stale file never blocks a restart — plus a session-level
    PostgreSQL advisory lock when the database is PostgreSQL, which also covers schedulers
    started on two machines sharing that database.
    """
    tier = app.extensions["sanji"]
    path = Path(app.config["DATA_DIR"]) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "未知"
            raise SchedulerRunning(
                f"本节点 {tier.node_code} 的定时任务进程已在运行"
                f"（进程号 {holder}，锁文件 {path}）；同一节点只能运行一个定时任务进程"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        with _advisory_lock(tier.engine, tier.node_code):
            yield
    finally:
        handle.close()  # closing the file releases the flock


@contextlib.contextmanager
def _advisory_lock(engine: Engine, node_code: str) -> Iterator[None]:
    if engine.dialect.name != "postgresql":
        yield
        return
    key = zlib.crc32(f"sanji-scheduler:{node_code}".encode())  # stable across processes
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}):
            raise SchedulerRunning(
                f"本节点 {node_code} 的定时任务进程已在另一台机器或进程中运行"
                f"（PostgreSQL 咨询锁 {key} 已被占用）；同一节点只能运行一个定时任务进程"
            )
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


def run(app: Flask, jobs: list[JobSpec]) -> None:
    """Run ``jobs`` until SIGTERM or Ctrl-C."""
    scheduler = BlockingScheduler(
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    )
    stats = JobStats()
    jobs = [*jobs, JobSpec("metrics.flush", STATS_FLUSH_SECONDS, stats.flush)]
    for spec in jobs:
        scheduler.add_job(
            _guarded(app, spec, stats),
            "interval",
            seconds=spec.seconds,
            id=spec.id,
            next_run_time=datetime.now().astimezone(),
        )

    def _stop(_signum: int, _frame: Any) -> None:
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    log.info(
        "scheduler_started", node=app.config.get("NODE_CODE"), jobs=",".join(j.id for j in jobs)
    )
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    with contextlib.suppress(Exception):  # the last counts, best effort on the way out
        stats.flush(app)


def _guarded(app: Flask, spec: JobSpec, stats: JobStats) -> Callable[[], None]:
    def job() -> None:
        failed = False
        try:
            with app.app_context():
                spec.func(app)
        except Exception:  # a job must never kill the scheduler; it is logged and retried
            failed = True
            log.exception("job_failed", job=spec.id)
        stats.record(spec.id, failed=failed)

    return job
