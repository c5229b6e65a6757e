"""The one way a tier writes a case event of its own: refused by the fold's rule, or stored.

Filing aside (a new case has nothing to refuse it), every event a clerk, an applicant or
the hub itself writes — actions, ratings, issued certificates — is built here, checked
with :func:`shared.cases.refusal` against the case as folded, and stored with
:func:`shared.sync.store.store_events`, which folds the case once more and updates its
projection. What the fold would turn into an anomaly is refused before it is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shared.calendar import WorkCalendar
from shared.cases import CaseState, Event, EventType, new_event_id, refusal
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput, InvalidParam, PermissionDenied
from shared.sync.store import store_events


def write_event(
    session: Session,
    state: CaseState,
    event_type: EventType,
    payload: dict[str, Any],
    *,
    actor_name: str,
    node: str,
    clock: Clock,
    acked: bool,
    county: str,
    calendar: WorkCalendar | None = None,
) -> CaseState:
    """Write ``event_type`` at ``node`` on the case ``state`` and return the case after it.

    Raises PermissionDenied, Conflict or InvalidInput — the fold's refusal, in Chinese —
    and then writes nothing. ``calendar`` saves loading it again when the caller has it.
    """
    now = clock.now()
    event = Event(
        id=new_event_id(now),
        case_id=state.case_id,
        case_no=state.case_no,
        origin=node,
        lamport=state.lamport + 1,
        type=event_type,
        at=now,
        actor=actor_name,
        payload=payload,
    )
    refused = refusal(state, event, county=county)
    if refused is not None:
        if refused.kind == "forbidden":
            raise PermissionDenied(detail=refused.reason)
        if refused.kind == "conflict":
            # The fold's reason names the status already ("办件当前状态为“已提交”，不能…"):
            # said once, not twice (finding 9).
            raise Conflict(detail=refused.reason)
        raise InvalidInput(
            detail=refused.reason, invalid_params=[InvalidParam("action", refused.reason)]
        )
    [new_state] = store_events(
        session,
        [event],
        received_from=node,
        acked=acked,
        clock=clock,
        calendar=calendar,
        county=county,
    )
    return new_state
