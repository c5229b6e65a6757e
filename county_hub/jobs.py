"""The jobs of the hub's scheduler process (``sanji hub scheduler``).

Case housekeeping shared with the nodes, issuing the result certificates of cases approved
at towns (they arrive by sync), and each hub domain's own jobs (e.g. ratings' escalation).
"""

from __future__ import annotations

from flask import Flask

from county_hub.certs.services import issue_due
from county_hub.exchange.jobs import JOBS as exchange_jobs
from county_hub.ratings.jobs import JOBS as rating_jobs
from shared.audit.jobs import JOBS as audit_jobs
from shared.casework.jobs import refresh_cases, terminate_overdue
from shared.db import unit_of_work
from shared.sync.scheduler import JobSpec


def issue_certificates(app: Flask) -> int:
    """Sign the result certificates of cases approved at towns (they arrive by sync)."""
    tier = app.extensions["sanji"]
    with unit_of_work(tier.sessions) as session:
        return issue_due(session, clock=tier.clock, county=tier.county)


def hub_jobs(app: Flask) -> list[JobSpec]:
    """Every job of the hub's scheduler."""
    del app  # the same jobs whatever the settings; each reads its own
    return [
        JobSpec("cases.refresh_projections", 1.0, refresh_cases),
        JobSpec("cases.terminate_overdue", 3600.0, terminate_overdue),
        JobSpec("certificates.issue_due", 5.0, issue_certificates),
        *rating_jobs,
        *exchange_jobs,
        *audit_jobs,
    ]
