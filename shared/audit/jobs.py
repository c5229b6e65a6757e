"""The audit log's scheduled jobs on every tier: seal finished months, prune old seals."""

from __future__ import annotations

from flask import Flask

from shared.audit.retention import prune, seal
from shared.db import unit_of_work
from shared.log import get_logger
from shared.sync.scheduler import JobSpec

log = get_logger(__name__)


def seal_and_prune(app: Flask) -> dict[str, int]:
    """Seal every finished month, then prune sealed months older than the retention."""
    tier = app.extensions["sanji"]
    with unit_of_work(tier.sessions) as session:
        sealed = seal(session, clock=tier.clock)
        pruned = prune(
            session, clock=tier.clock, retention_days=int(app.config["AUDIT_RETENTION_DAYS"])
        )
    if sealed or pruned:
        log.info("audit_sealed", node=tier.node_code, sealed=sealed, pruned=pruned)
    return {"sealed": sealed, "pruned": pruned}


#: Hourly is plenty: a month is sealed within the hour after it ends.
JOBS = [JobSpec("audit.seal_and_prune", 3600.0, seal_and_prune)]
