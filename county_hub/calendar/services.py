"""Publishing holiday schedules at the hub."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from shared.accounts.models import Role
from shared.accounts.services import Actor, require_role
from shared.calendar import YearSchedule, from_json
from shared.calendar_store import store_schedule
from shared.clock import Clock
from shared.sync.feed import record_change


def publish_year(
    session: Session, actor: Actor, year: int, data: Mapping[str, Any], *, clock: Clock
) -> YearSchedule:
    """Store the official schedule of ``year``; it overrides built-in knowledge of that year.

    Raises PermissionDenied unless county admin, InvalidInput for an inconsistent schedule.
    """
    require_role(actor, Role.ADMIN, action="发布节假日安排")
    schedule = from_json(
        {
            "year": year,
            "source": data["source"],
            "holidays": [d.isoformat() for d in data["holidays"]],
            "workdays": [d.isoformat() for d in data["workdays"]],
            "names": dict(data.get("names") or {}),
        }
    )
    row = store_schedule(session, schedule, by=actor.username)
    session.flush()
    record_change(session, "calendar_year", str(year), row.schedule, clock=clock)
    return schedule
