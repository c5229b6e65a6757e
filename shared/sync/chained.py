"""The sending side of a per-node, hash-chained log synced up (certificate usage, audit).

Both logs keep rows keyed by ``(node, seq)`` with an ``acked`` flag; what is still to send
and marking what the upstream accepted is the same for both, so it is written once here.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

Row = TypeVar("Row")


def unsent(session: Session, model: type[Row], limit: int) -> list[Row]:
    """Rows of ``model`` not yet accepted upstream, per node in chain order."""
    table: Any = model
    return list(
        session.scalars(
            select(model).where(table.acked.is_(False)).order_by(table.node, table.seq).limit(limit)
        )
    )


def mark_sent(session: Session, model: type[Any], accepted: dict[str, int]) -> int:
    """Mark every row up to the last sequence the upstream accepted, per node."""
    done = 0
    for node, last in accepted.items():
        result = session.execute(
            update(model).where(model.node == node, model.seq <= int(last)).values(acked=True)
        )
        done += int(getattr(result, "rowcount", 0) or 0)
    return done
