"""The scheduler process of a tier (``sanji <tier> scheduler``): runs its jobs.

Each tier declares its jobs (``shared.node.jobs``, ``county_hub.jobs``); this module runs them.

Runs APScheduler's BlockingScheduler in its own process — never inside gunicorn workers.
Jobs are declared as data (``JobSpec``), each runs in an app context, and each is
idempotent (``coalesce=True, max_instances=1``): a crash at any point only repeats work.
"""

from __future__ import annotations

import contextlib
import random
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from shared.log import get_logger

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


def run(app: Flask, jobs: list[JobSpec]) -> None:
    """Run ``jobs`` until SIGTERM or Ctrl-C."""
    scheduler = BlockingScheduler(
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    )
    for spec in jobs:
        scheduler.add_job(
            _guarded(app, spec),
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


def _guarded(app: Flask, spec: JobSpec) -> Callable[[], None]:
    def job() -> None:
        try:
            with app.app_context():
                spec.func(app)
        except Exception:  # a job must never kill the scheduler; it is logged and retried
            log.exception("job_failed", job=spec.id)

    return job
