"""Named values of a node's sync state (cursors, upstream, last success, errors)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shared.sync.models import SyncState


def get(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(SyncState, key)
    return default if row is None else row.value


def put(session: Session, key: str, value: Any) -> None:
    row = session.get(SyncState, key)
    if row is None:
        session.add(SyncState(key=key, value=value))
    else:
        row.value = value
