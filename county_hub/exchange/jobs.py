"""Scheduler job of the provincial exchange (run by ``sanji hub scheduler``).

``exchange.cycle`` does nothing while ``EXCHANGE_DATABASE_URL`` is empty. With the
exchange database away it backs off (2, 4, 8 … seconds with jitter, at most ~7.5 min)
and keeps planning into pending records, so the hub keeps working and nothing is lost.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from county_hub.exchange import services
from shared.db import unit_of_work
from shared.log import get_logger
from shared.sync import state
from shared.sync.scheduler import JobSpec, backoff_seconds

log = get_logger(__name__)

#: Seconds one run may keep draining a backlog before it gives the scheduler back.
RUN_BUDGET = 50.0
_SCHEMA_CHECKED: set[str] = set()


def exchange_cycle(app: Flask, *, forced: bool = False) -> dict[str, Any] | None:
    """Cycles until caught up (or the run's budget is spent), unless backing off."""
    url = str(app.config.get("EXCHANGE_DATABASE_URL") or "")
    if not url:
        return None
    tier = app.extensions["sanji"]
    now = tier.clock.now()
    with tier.sessions() as session:
        next_attempt = state.get(session, "exchange.next_attempt")
    if not forced and next_attempt and now < datetime.fromisoformat(next_attempt):
        return None
    engine = services.exchange_engine(url)
    totals: dict[str, Any] = {"planned": 0, "resent": 0, "refused": 0, "accepted": 0}
    started = time.monotonic()
    try:
        if url not in _SCHEMA_CHECKED:
            services.ensure_exchange_schema(engine)
            _SCHEMA_CHECKED.add(url)
        items = services.ItemCache()
        while True:
            report = services.run_cycle(
                tier.sessions,
                engine,
                clock=tier.clock,
                limit=int(app.config.get("EXCHANGE_BATCH", 5000)),
                grace_seconds=float(app.config.get("EXCHANGE_GRACE_SECONDS", 2)),
                items=items,
            )
            for key in totals:
                totals[key] += getattr(report, key)
            if not report.more or time.monotonic() - started > RUN_BUDGET:
                break
    except services.ExchangeDown as down:
        with unit_of_work(tier.sessions) as session:
            failures = int(state.get(session, "exchange.failures", 0) or 0) + 1
            wait = backoff_seconds(failures)
            state.put(session, "exchange.failures", failures)
            state.put(session, "exchange.last_error", down.detail)
            state.put(session, "exchange.next_attempt", (now + timedelta(seconds=wait)).isoformat())
        log.warning("exchange_failed", failures=failures, retry_in=round(wait), error=down.detail)
        return None
    with unit_of_work(tier.sessions) as session:
        state.put(session, "exchange.failures", 0)
        state.put(session, "exchange.last_error", "")
        state.put(session, "exchange.next_attempt", None)
        state.put(session, "exchange.last_success", tier.clock.now().isoformat())
    if any(totals.values()):
        log.info("exchange_cycle", **totals)
    return totals


JOBS = [JobSpec("exchange.cycle", 5.0, exchange_cycle)]
