"""Writing case events into a tier's log and keeping the case projections in step.

Every tier uses this: events written locally, pushed by a downstream node, or pulled
from upstream all go through :func:`store_events`, which refolds each touched case once.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from shared.calendar import WorkCalendar
from shared.calendar_store import load_calendar
from shared.cases import CaseState, Event, fold
from shared.cases.limits import concluded_on, on_time
from shared.clock import Clock
from shared.db import CommonBase
from shared.errors import NotFound
from shared.ids.masking import mask_id_number
from shared.sync.models import CaseEventRow, CaseRow, QuarantinedEvent


def row_to_event(row: CaseEventRow) -> Event:
    return Event(
        id=row.id,
        case_id=row.case_id,
        case_no=row.case_no,
        origin=row.origin,
        lamport=row.lamport,
        type=row.type,  # type: ignore[arg-type]  # validated on the way in; Event re-checks
        at=row.at,
        actor=row.actor,
        payload=row.payload,
        v=row.v,
    )


def case_events(session: Session, case_id: str) -> list[Event]:
    rows = session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == case_id))
    return [row_to_event(r) for r in rows]


def case_id_of(session: Session, case_no: str) -> str:
    """The case id of ``case_no`` (NotFound if this tier holds no event of it)."""
    # From the log, not the projection: a case pushed a moment ago may not be folded yet.
    case_id = session.scalar(
        select(CaseEventRow.case_id).where(CaseEventRow.case_no == case_no).limit(1)
    )
    if case_id is None:
        raise NotFound(detail=f"本节点没有办件 {case_no}")
    return case_id


def current_state(
    session: Session, case_no: str, *, county: str, calendar: WorkCalendar | None = None
) -> CaseState:
    """The case folded from every event this tier holds."""
    return fold(
        case_events(session, case_id_of(session, case_no)),
        calendar=calendar or load_calendar(session),
        county=county,
    )


def known_ids(session: Session, ids: Sequence[str]) -> dict[str, CaseEventRow]:
    """The events among ``ids`` this tier already has."""
    found: dict[str, CaseEventRow] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in session.scalars(select(CaseEventRow).where(CaseEventRow.id.in_(chunk))):
            found[row.id] = row
    return found


def _rows(
    events: list[Event], *, received_from: str, acked: bool, projected: bool, now: datetime
) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "case_id": e.case_id,
            "case_no": e.case_no,
            "origin": e.origin,
            "lamport": e.lamport,
            "type": str(e.type),
            "at": e.at,
            "actor": e.actor,
            "payload": dict(e.payload),
            "v": e.v,
            "received_at": now,
            "received_from": received_from,
            "acked": acked,
            "projected": projected,
        }
        for e in events
    ]


_SQLITE_INSERT = (
    "INSERT INTO case_events (id, case_id, case_no, origin, lamport, type, at, actor, payload, v,"
    " received_at, received_from, acked, projected) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def _sqlite_time(moment: datetime) -> str:
    # The text form SQLAlchemy's DateTime keeps on SQLite (UTCDateTime stores UTC).
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def payload_json(event: Event) -> str:
    """An event's payload as stored (compact JSON); callers may compute it ahead of time."""
    return json.dumps(event.payload, ensure_ascii=False, separators=(",", ":"))


def append_events(
    session: Session,
    events: Iterable[Event],
    *,
    received_from: str,
    acked: bool,
    clock: Clock,
    payloads: dict[str, str] | None = None,
) -> int:
    """Insert new events durably without folding them yet (the fast path of a push).

    Their cases are refolded by :func:`refresh_projections` — from the scheduler every
    second, and before a list is shown — so a burst of 10,000 events is taken at once.
    ``payloads`` (event id → :func:`payload_json`) lets the caller encode outside the
    database transaction.
    """
    events = list(events)
    if not events:
        return 0
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # The hub's hot path on SQLite: one executemany of plain tuples, no per-row
        # parameter processing (the columns' types are applied by hand just above).
        now = _sqlite_time(clock.now())
        encoded = payloads or {}
        rows = [
            (
                e.id,
                e.case_id,
                e.case_no,
                e.origin,
                e.lamport,
                str(e.type),
                _sqlite_time(e.at),
                e.actor,
                encoded.get(e.id) or payload_json(e),
                e.v,
                now,
                received_from,
                int(acked),
                0,
            )
            for e in events
        ]
        connection.exec_driver_sql(_SQLITE_INSERT, rows)
    else:
        params = _rows(
            events, received_from=received_from, acked=acked, projected=False, now=clock.now()
        )
        connection.execute(insert(CommonBase.metadata.tables["case_events"]), params)
    return len(events)


def refresh_projections(
    session: Session,
    *,
    clock: Clock,
    county: str,
    limit: int = 2000,
    calendar: WorkCalendar | None = None,
) -> int:
    """Fold the cases that have events not yet in their projection; returns how many."""
    case_ids = list(
        session.scalars(
            select(CaseEventRow.case_id)
            .where(CaseEventRow.projected.is_(False))
            .distinct()
            .limit(limit)
        )
    )
    if not case_ids:
        return 0
    refold(
        session, case_ids, calendar=calendar or load_calendar(session), clock=clock, county=county
    )
    for start in range(0, len(case_ids), 500):
        session.execute(
            update(CaseEventRow)
            .where(
                CaseEventRow.case_id.in_(case_ids[start : start + 500]),
                CaseEventRow.projected.is_(False),
            )
            .values(projected=True)
        )
    return len(case_ids)


def store_events(
    session: Session,
    events: Iterable[Event],
    *,
    received_from: str,
    acked: bool,
    clock: Clock,
    county: str,
    calendar: WorkCalendar | None = None,
) -> list[CaseState]:
    """Insert new events (the caller made sure they are new) and refold their cases now."""
    events = list(events)
    if not events:
        return []
    rows = _rows(events, received_from=received_from, acked=acked, projected=True, now=clock.now())
    session.execute(insert(CaseEventRow), rows)
    calendar = calendar if calendar is not None else load_calendar(session)
    touched = list(dict.fromkeys(e.case_id for e in events))
    return refold(session, touched, calendar=calendar, clock=clock, county=county)


def refold(
    session: Session, case_ids: Sequence[str], *, calendar: WorkCalendar, clock: Clock, county: str
) -> list[CaseState]:
    """Rebuild the projection rows of ``case_ids`` from all their events."""
    by_case: dict[str, list[Event]] = defaultdict(list)
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start : start + 500]
        for row in session.scalars(select(CaseEventRow).where(CaseEventRow.case_id.in_(chunk))):
            by_case[row.case_id].append(row_to_event(row))
    existing = {
        row.case_id: row
        for start in range(0, len(case_ids), 500)
        for row in session.scalars(
            select(CaseRow).where(CaseRow.case_id.in_(case_ids[start : start + 500]))
        )
    }
    states = []
    for case_id in case_ids:
        state = fold(by_case[case_id], calendar=calendar, county=county)
        states.append(state)
        if state.status is None:
            continue  # only events that came before their 'submitted': nothing to show yet
        _project(session, existing.get(case_id), state, clock.now())
    session.flush()
    return states


#: Statuses whose due date depends on the calendar from now on (the clock runs or is stopped).
TIMED_STATUSES = ("accepted", "suspended")


@dataclass(frozen=True)
class Recheck:
    """What refolding the running cases after a calendar change did."""

    cases: int
    #: (case number, due date before, due date after) of each case whose due date moved.
    moved: list[tuple[str, date | None, date | None]]


def recheck_due_dates(
    session: Session, *, calendar: WorkCalendar, clock: Clock, county: str
) -> Recheck:
    """Refold every case whose clock runs or is stopped with ``calendar``; say which moved.

    Called when the hub publishes a year: a holiday added to (or a make-up day removed
    from) the schedule moves the due dates of cases running across it. Concluded cases
    keep the due date they were decided against until something else refolds them.
    """
    before = dict(
        session.execute(
            select(CaseRow.case_id, CaseRow.due_date).where(CaseRow.status.in_(TIMED_STATUSES))
        ).all()
    )
    ids = list(before)
    moved: list[tuple[str, date | None, date | None]] = []
    for start in range(0, len(ids), 500):
        for state in refold(
            session, ids[start : start + 500], calendar=calendar, clock=clock, county=county
        ):
            if state.due_date != before.get(state.case_id):
                moved.append((state.case_no, before.get(state.case_id), state.due_date))
    return Recheck(cases=len(ids), moved=moved)


def mark_timed_cases_stale(session: Session) -> int:
    """Queue every running case for a refold (:func:`refresh_projections` does it).

    Nodes call this when a calendar year arrives with the master data, where no clock
    is at hand and the scheduler refolds within a second anyway. Returns how many cases.
    """
    ids = list(session.scalars(select(CaseRow.case_id).where(CaseRow.status.in_(TIMED_STATUSES))))
    for start in range(0, len(ids), 500):
        session.execute(
            update(CaseEventRow)
            .where(CaseEventRow.case_id.in_(ids[start : start + 500]))
            .values(projected=False)
        )
    return len(ids)


def _project(session: Session, row: CaseRow | None, state: CaseState, now: datetime) -> None:
    if row is None:
        row = CaseRow(case_id=state.case_id)
        session.add(row)
    applicant = state.applicant or {}
    row.case_no = state.case_no
    row.item_code = state.item_code
    row.item_name = state.item_name
    row.status = str(state.status)
    row.outcome = str(state.outcome) if state.outcome else None
    row.accepting_node = state.accepting_node
    row.accept_by = state.accept_by
    row.handled_by = state.handled_by
    row.applicant_name = str(applicant.get("name", ""))[:100]
    row.applicant_id_masked = mask_id_number(str(applicant.get("id_number", "")))
    row.due_date = state.due_date
    row.accepted_on = state.accepted_on
    row.concluded_on = concluded_on(state)
    row.on_time = on_time(state)
    row.anomalies = len(state.anomalies)
    row.submitted_at = state.submitted_at or now
    row.updated_at = now
    row.state = state.to_dict()


def quarantine(
    session: Session,
    *,
    event: object,
    direction: str,
    peer: str,
    code: str,
    reason: str,
    clock: Clock,
) -> None:
    """Keep a refused event with its reason; nothing is dropped."""
    event_id = str(event.get("id", ""))[:64] if isinstance(event, dict) else ""
    case_no = str(event.get("case_no", ""))[:40] if isinstance(event, dict) else ""
    session.add(
        QuarantinedEvent(
            event_id=event_id,
            case_no=case_no,
            direction=direction,
            peer=peer,
            code=code,
            reason=reason,
            event=event,
            at=clock.now(),
        )
    )
