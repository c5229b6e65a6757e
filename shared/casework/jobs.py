"""Housekeeping on cases at every tier: fold what arrived, end overdue 容缺 promises."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from shared.accounts.models import Role
from shared.accounts.services import Actor
from shared.calendar_store import load_calendar
from shared.cases import Event, EventType, fold, handler_node, new_event_id, refusal
from shared.db import unit_of_work
from shared.log import get_logger
from shared.sync.models import CaseRow
from shared.sync.store import case_events, refresh_projections, store_events

log = get_logger(__name__)

SYSTEM = Actor(username="system", role=Role.ADMIN, region_code=None, department_code=None)


def terminate_overdue(app: Flask) -> int:
    """At the handler node: 容缺 materials not supplied by the promised date end the case."""
    tier = app.extensions["sanji"]
    county = tier.county
    today = tier.clock.today()
    done = 0
    with unit_of_work(tier.sessions) as session:
        calendar = load_calendar(session)
        rows = session.scalars(select(CaseRow).where(CaseRow.status.in_(["accepted", "suspended"])))
        for row in rows:
            deadline = row.state.get("tolerance_deadline")
            if not (
                row.state.get("tolerance_outstanding") and deadline and deadline < today.isoformat()
            ):
                continue
            state = fold(case_events(session, row.case_id), calendar=calendar, county=county)
            if handler_node(state, county=county) != tier.node_code:
                continue
            now = tier.clock.now()
            event = Event(
                id=new_event_id(now),
                case_id=state.case_id,
                case_no=state.case_no,
                origin=tier.node_code,
                lamport=state.lamport + 1,
                type=EventType.TERMINATED,
                at=now,
                actor=SYSTEM.username,
                payload={"reason": f"容缺材料未在承诺期限 {deadline} 前补齐，依规终止办理"},
            )
            if refusal(state, event, county=county) is None:
                store_events(
                    session,
                    [event],
                    received_from=tier.node_code,
                    acked=tier.name == "hub",
                    clock=tier.clock,
                    calendar=calendar,
                    county=county,
                )
                done += 1
                log.info("case_terminated_overdue", case_no=state.case_no, deadline=deadline)
    return done


def refresh_cases(app: Flask) -> int:
    """Fold what pushes brought in since the last run (ADR 0008)."""
    tier = app.extensions["sanji"]
    done = 0
    while True:
        with unit_of_work(tier.sessions) as session:
            count = refresh_projections(session, clock=tier.clock, county=tier.county)
        done += count
        if count == 0:
            return done
