"""The scheduler process of a tier (``sanji <tier> scheduler``): sync and housekeeping jobs.

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
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

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


def sync_cycle(app: Flask, *, forced: bool = False) -> dict[str, Any] | None:
    """One sync with the upstream, unless backing off. Records success or the error."""
    from shared.sync.client import SyncClient, UpstreamError
    from shared.sync.feed import BadChange

    tier = app.extensions["sanji"]
    now = tier.clock.now()
    with tier.sessions() as session:
        if state.get(session, "upstream") is None:
            return None  # not joined yet: cases queue locally until `join`
        requested = state.get(session, "sync_requested")
        next_attempt = state.get(session, "next_attempt")
    if not forced and not requested and next_attempt and now < datetime.fromisoformat(next_attempt):
        return None
    client = SyncClient(
        tier.sessions,
        me=tier.node_code,
        key=tier.key,
        clock=tier.clock,
        county=app.config.get("COUNTY_CODE", "610727"),
        push_batch=int(app.config.get("SYNC_BATCH", 1000)),
    )
    try:
        with app.app_context():
            summary = client.run_once()
    except (UpstreamError, BadChange) as exc:
        with unit_of_work(tier.sessions) as session:
            failures = int(state.get(session, "failures", 0)) + 1
            wait = backoff_seconds(failures)
            state.put(session, "failures", failures)
            state.put(session, "last_error", str(exc))
            state.put(session, "last_attempt", now.isoformat())
            state.put(session, "next_attempt", (now + timedelta(seconds=wait)).isoformat())
            state.put(session, "sync_requested", None)
        log.warning(
            "sync_failed",
            node=tier.node_code,
            failures=failures,
            retry_in=round(wait),
            error=str(exc),
        )
        return None
    finally:
        client.close()
    with unit_of_work(tier.sessions) as session:
        state.put(session, "sync_requested", None)
        state.put(session, "next_attempt", None)
        state.put(session, "last_attempt", now.isoformat())
    return summary


def watch_requests(app: Flask) -> None:
    """Staff pressed "立即同步": run a cycle now, whatever the backoff says."""
    tier = app.extensions["sanji"]
    with tier.sessions() as session:
        requested = state.get(session, "sync_requested")
    if requested:
        sync_cycle(app, forced=True)


def node_jobs(app: Flask) -> list[JobSpec]:
    interval = float(app.config.get("SYNC_INTERVAL", 10))
    from shared.casework.jobs import terminate_overdue

    return [
        JobSpec("sync.cycle", interval, sync_cycle),
        JobSpec("sync.watch_requests", 1.0, watch_requests),
        JobSpec("cases.refresh_projections", 1.0, refresh_cases),
        JobSpec("cases.terminate_overdue", 3600.0, terminate_overdue),
    ]


def hub_jobs(app: Flask) -> list[JobSpec]:
    from shared.casework.jobs import terminate_overdue

    return [
        JobSpec("cases.refresh_projections", 1.0, refresh_cases),
        JobSpec("cases.terminate_overdue", 3600.0, terminate_overdue),
    ]


def refresh_cases(app: Flask) -> int:
    """Fold what pushes brought in since the last run (ADR 0008)."""
    from shared.sync.store import refresh_projections

    tier = app.extensions["sanji"]
    done = 0
    while True:
        with unit_of_work(tier.sessions) as session:
            count = refresh_projections(
                session, clock=tier.clock, county=app.config.get("COUNTY_CODE", "610727")
            )
        done += count
        if count == 0:
            return done


def run(app: Flask, jobs: list[JobSpec]) -> None:
    """Run ``jobs`` until SIGTERM or Ctrl-C."""
    from apscheduler.schedulers.blocking import BlockingScheduler

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
