"""What the hub does in the same transaction when a case changes at its counter.

An approval with a result certificate gets it signed (``county_hub.certs``); a rating is
recorded, and a bad one opens its rectification task (``county_hub.ratings``), so the
rectification list only reads. Cases that change by sync are caught by the scheduler's
jobs instead.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from county_hub.certs.services import after_case_change as issue_after_change
from county_hub.ratings.services import DEFAULT_RECTIFY_DAYS, record_rating
from shared.cases import CaseState
from shared.clock import Clock


def after_case_change(
    session: Session,
    state: CaseState,
    *,
    clock: Clock,
    county: str,
    rectify_working_days: int = DEFAULT_RECTIFY_DAYS,
) -> CaseState:
    """The case after the hub's reactions to a change (see the module docstring)."""
    state = issue_after_change(session, state, clock=clock, county=county)
    record_rating(session, state, clock=clock, working_days=rectify_working_days)
    return state
