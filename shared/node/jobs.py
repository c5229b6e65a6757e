"""The jobs of a node's scheduler process: sync with the upstream, and case housekeeping.

``sanji town scheduler`` / ``sanji village scheduler`` run :func:`node_jobs`. A sync cycle
pushes what this node wrote, pulls what concerns it and applies the master feed
(``shared.sync.client``); it backs off with jitter while the upstream is away, and staff
can ask for one at once ("立即同步").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from shared.audit.jobs import JOBS as audit_jobs
from shared.casework.jobs import refresh_cases, terminate_overdue
from shared.db import unit_of_work
from shared.log import get_logger
from shared.sync import state
from shared.sync.client import SyncClient, UpstreamError
from shared.sync.feed import BadChange
from shared.sync.scheduler import JobSpec, backoff_seconds

log = get_logger(__name__)


def sync_cycle(app: Flask, *, forced: bool = False) -> dict[str, Any] | None:
    """One sync with the upstream, unless backing off. Records success or the error."""
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
        county=tier.county,
        push_batch=int(app.config.get("SYNC_BATCH", 1000)),
        ca_bundle=tier.upstream_ca_bundle,
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
    """Sync every SYNC_INTERVAL seconds, answer "sync now" within a second, fold, housekeep."""
    interval = float(app.config.get("SYNC_INTERVAL", 10))
    return [
        JobSpec("sync.cycle", interval, sync_cycle),
        JobSpec("sync.watch_requests", 1.0, watch_requests),
        JobSpec("cases.refresh_projections", 1.0, refresh_cases),
        JobSpec("cases.terminate_overdue", 3600.0, terminate_overdue),
        *audit_jobs,
    ]
