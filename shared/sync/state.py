"""Named values of a node's sync state (cursors, upstream, last success, errors)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from shared.sync.models import SyncState

#: The scheduler's job counters (``shared.sync.scheduler``), read by GET /metrics in the
#: web workers — other processes, hence kept in the database.
JOB_STATS_KEY = "scheduler_jobs"


def get(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(SyncState, key)
    return default if row is None else row.value


def put(session: Session, key: str, value: Any) -> None:
    row = session.get(SyncState, key)
    if row is None:
        session.add(SyncState(key=key, value=value))
    else:
        row.value = value


def request_sync(session: Session, now: datetime) -> None:
    """Staff pressed "立即同步": the scheduler runs a cycle within a second, backoff or not."""
    put(session, "sync_requested", now.isoformat())
    put(session, "next_attempt", None)
