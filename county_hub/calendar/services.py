"""Publishing holiday schedules at the hub."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from shared.accounts.models import Role
from shared.accounts.services import Actor, require_role
from shared.calendar import YearSchedule, from_json
from shared.calendar_store import load_calendar, store_schedule
from shared.clock import Clock
from shared.log import get_logger
from shared.sync.feed import record_change
from shared.sync.store import Recheck, recheck_due_dates

log = get_logger(__name__)


@dataclass(frozen=True)
class Published:
    """A stored schedule and what it did to the due dates of running cases."""

    schedule: YearSchedule
    recheck: Recheck


def publish_year(
    session: Session,
    actor: Actor,
    year: int,
    data: Mapping[str, Any],
    *,
    clock: Clock,
    county: str,
) -> Published:
    """Store the official schedule of ``year``; it overrides built-in knowledge of that year.

    Every case whose clock runs (or is stopped) is refolded on the new calendar, so
    due dates across the changed days move at once; ``recheck`` says which did.
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
    recheck = recheck_due_dates(
        session, calendar=load_calendar(session), clock=clock, county=county
    )
    log.info(
        "calendar_published",
        year=year,
        rechecked=recheck.cases,
        due_dates_moved=len(recheck.moved),
    )
    return Published(schedule, recheck)
