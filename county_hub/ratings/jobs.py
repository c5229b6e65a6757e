"""Scheduler jobs of supervision (run by ``sanji hub scheduler``): ratings and escalation."""

from __future__ import annotations

from flask import Flask

from county_hub.ratings import services
from shared.db import unit_of_work
from shared.sync.scheduler import JobSpec


def record_ratings(app: Flask) -> int:
    """Project ratings that arrived by sync and open tasks for bad ones."""
    tier = app.extensions["sanji"]
    total = 0
    while True:
        with unit_of_work(tier.sessions) as session:
            done = services.record_ratings(
                session,
                clock=tier.clock,
                working_days=int(app.config["RECTIFY_WORKING_DAYS"]),
                county=tier.county,
            )
        total += done
        if done == 0:
            return total


def escalate_overdue(app: Flask) -> int:
    """Flag rectification tasks and complaints past their deadline (shown red)."""
    tier = app.extensions["sanji"]
    with unit_of_work(tier.sessions) as session:
        return services.escalate_overdue(session, clock=tier.clock)


JOBS = [
    JobSpec("supervision.record_ratings", 10.0, record_ratings),
    JobSpec("supervision.escalate_overdue", 3600.0, escalate_overdue),
]
