"""Login attempts per client address, counted in the tier's database (every worker shares it).

Fixed windows (e.g. 10 attempts a minute): one row per address and window, incremented
with a single upsert, so two workers counting at once both count. Rows of past windows
are deleted by the next attempt, so the table holds about one window of addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared.accounts.models import LoginAttempt
from shared.errors import TooManyAttempts


@dataclass(frozen=True)
class AddressLimit:
    """At most ``attempts`` logins from one address per ``window_seconds``."""

    attempts: int = 10
    window_seconds: int = 60


def window_start(now: datetime, window_seconds: int) -> datetime:
    """The start of the fixed window ``now`` falls in."""
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, tz=now.tzinfo)


def note_attempt(session: Session, address: str, *, now: datetime, limit: AddressLimit) -> None:
    """Count one login attempt from ``address``; raise TooManyAttempts past the limit.

    The count is written even when this raises: the caller commits it.
    """
    start = window_start(now, limit.window_seconds)
    session.execute(delete(LoginAttempt).where(LoginAttempt.window_start < start))
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(LoginAttempt).values(address=address[:64], window_start=start, attempts=1)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["address", "window_start"],
            set_={"attempts": LoginAttempt.attempts + 1},
        )
    )
    attempts = session.scalar(
        select(LoginAttempt.attempts).where(
            LoginAttempt.address == address[:64], LoginAttempt.window_start == start
        )
    )
    if attempts is not None and attempts > limit.attempts:
        retry = start + timedelta(seconds=limit.window_seconds) - now
        raise TooManyAttempts(
            detail="登录尝试过于频繁，请稍后再试",
            retry_after=max(1, int(retry.total_seconds()) + 1),
        )
