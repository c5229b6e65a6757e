"""Property: however events travel between tiers, every tier ends with the same cases.

Three real databases (village, town, hub) and the real sync functions (``ingest`` for a
push, ``events_for`` + ``store_events`` for a pull) — only the HTTP transport is left
out. Hypothesis chooses the order of pushes and pulls, batch sizes, re-sent duplicates
and crash points (a transaction rolled back after the receiver did its work but before
the sender saw the reply). After the links come back for good and drain, every tier
holds each event exactly once and folds each case to the same state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.calendar import WorkCalendar
from shared.cases import Event, EventType, fold, new_event_id
from shared.clock import FixedClock
from shared.db import CommonBase, make_engine, make_sessionmaker
from shared.sync import state
from shared.sync.models import CaseEventRow
from shared.sync.server import events_for, ingest
from shared.sync.store import case_events, known_ids, store_events

HUB, TOWN, VILLAGE = "610727", "610727105", "610727105001"
CALENDAR = WorkCalendar()
CLOCK = FixedClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))


def _event(
    case: str,
    no: str,
    origin: str,
    lamport: int,
    kind: EventType,
    minutes: int,
    payload: dict[str, Any],
) -> Event:
    at = CLOCK.now() + timedelta(minutes=minutes)
    return Event(
        id=new_event_id(at),
        case_id=case,
        case_no=no,
        origin=origin,
        lamport=lamport,
        type=kind,
        at=at,
        actor="u",
        payload=payload,
    )


def _submitted(node: str, handled_by: str) -> dict[str, Any]:
    accept_by = handled_by
    return {
        "item_code": "I",
        "item_version": 1,
        "item_name": "事项",
        "case_kind": 2,
        "promised_limit": 5,
        "promised_unit": "W",
        "applicant": {
            "name": "张三",
            "id_type": "111",
            "id_number": "13043419840726291X",
            "phone": "13812345678",
        },
        "agent": None,
        "consent": True,
        "materials": [],
        "missing": [],
        "tolerance": False,
        "tolerance_missing": [],
        "tolerance_deadline": None,
        "promise": False,
        "accepting_node": node,
        "accept_by": accept_by,
        "handled_by": handled_by,
        "batch": None,
        "in_name_of": handled_by,
    }


def history() -> dict[str, list[Event]]:
    """Events as written at each tier: a village case decided at the town, one decided at
    the hub with a concurrent withdrawal at the village, and a town case."""
    a, b, c = (str(uuid.uuid4()) for _ in range(3))
    na, nb, nc = f"{VILLAGE}-20261123-0001", f"{VILLAGE}-20261123-0002", f"{TOWN}-20261123-0001"
    T = EventType
    return {
        VILLAGE: [
            _event(a, na, VILLAGE, 1, T.SUBMITTED, 0, _submitted(VILLAGE, TOWN)),
            _event(b, nb, VILLAGE, 1, T.SUBMITTED, 1, _submitted(VILLAGE, "scjgj")),
            _event(b, nb, VILLAGE, 3, T.WITHDRAWN, 9, {"reason": "申请人撤回"}),
        ],
        TOWN: [
            _event(a, na, TOWN, 2, T.ACCEPTED, 5, {"accepted_on": "2026-11-23"}),
            _event(a, na, TOWN, 3, T.DECIDED, 6, {"approve": True, "reason": ""}),
            _event(c, nc, TOWN, 1, T.SUBMITTED, 2, _submitted(TOWN, TOWN)),
            _event(c, nc, TOWN, 2, T.NOT_ACCEPTED, 3, {"reason": "不属于受理范围"}),
        ],
        HUB: [
            _event(b, nb, HUB, 2, T.ACCEPTED, 7, {"accepted_on": "2026-11-23"}),
            _event(b, nb, HUB, 3, T.DECIDED, 8, {"approve": False, "reason": "不符合条件"}),
        ],
    }


class Tier:
    def __init__(self, node: str) -> None:
        self.node = node
        self.engine = make_engine("sqlite://")
        CommonBase.metadata.create_all(self.engine)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)

    def write(self, events: list[Event]) -> None:
        with self.sessions() as session, session.begin():
            store_events(
                session,
                events,
                received_from=self.node,
                acked=self.node == HUB,
                clock=CLOCK,
                county=HUB,
                calendar=CALENDAR,
            )

    def unacked(self, limit: int) -> list[CaseEventRow]:
        with self.sessions() as session:
            stmt = (
                select(CaseEventRow).where(CaseEventRow.acked.is_(False)).order_by(CaseEventRow.seq)
            )
            return list(session.scalars(stmt.limit(limit)))

    def ids(self) -> set[str]:
        with self.sessions() as session:
            return set(session.scalars(select(CaseEventRow.id)))

    def states(self) -> dict[str, Any]:
        with self.sessions() as session:
            cases = set(session.scalars(select(CaseEventRow.case_id)))
            return {
                c: fold(case_events(session, c), calendar=CALENDAR, county=HUB).to_dict()
                for c in cases
            }


def push(child: Tier, parent: Tier, *, limit: int, crash: bool, resend: bool) -> bool:
    """One push; returns whether anything was pending."""
    from shared.sync.store import row_to_event

    rows = child.unacked(limit)
    if not rows:
        return False
    wire = [row_to_event(r).to_wire() for r in rows]
    if resend:
        wire = wire + wire[:1]  # the same event twice in one batch
    with parent.sessions() as session:
        session.begin()
        reply = ingest(
            session,
            child.node,
            {"node": child.node, "events": wire},
            acked=parent.node == HUB,
            clock=CLOCK,
            county=HUB,
        )
        if crash:
            session.rollback()  # the receiver dies before committing: the sender never hears
            return True
        session.commit()
    assert reply.rejected == []
    done = set(reply.accepted) | set(reply.duplicates)
    with child.sessions() as session, session.begin():
        session.execute(update(CaseEventRow).where(CaseEventRow.id.in_(done)).values(acked=True))
    return True


def pull(child: Tier, parent: Tier, *, limit: int, crash: bool) -> bool:
    """One pull page into ``child``; returns whether it got anything new."""
    with child.sessions() as session:
        cursor = int(state.get(session, "pull_cursor", 0))
    with parent.sessions() as session:
        events, nxt, _more = events_for(session, child.node, cursor, limit)
    parsed = [Event.from_wire(e) for e in events]
    with child.sessions() as session:
        session.begin()
        new = [e for e in parsed if e.id not in known_ids(session, [e.id for e in parsed])]
        store_events(
            session,
            new,
            received_from=parent.node,
            acked=True,
            clock=CLOCK,
            calendar=CALENDAR,
            county=HUB,
        )
        state.put(session, "pull_cursor", nxt)
        if crash:
            session.rollback()  # crashed before the cursor and events were saved together
            return True
        session.commit()
    return bool(events)


@st.composite
def operations(draw: Any) -> list[tuple[str, int, bool, bool]]:
    kinds = st.sampled_from(["push_vt", "push_th", "pull_ht", "pull_tv"])
    step = st.tuples(kinds, st.integers(1, 4), st.booleans(), st.booleans())
    return draw(st.lists(step, max_size=25))


def _tiers() -> Iterator[dict[str, Tier]]:
    tiers = {n: Tier(n) for n in (VILLAGE, TOWN, HUB)}
    try:
        yield tiers
    finally:
        for tier in tiers.values():
            tier.engine.dispose()


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations(), write_order=st.permutations([VILLAGE, TOWN, HUB]))
def test_every_tier_converges(
    ops: list[tuple[str, int, bool, bool]], write_order: list[str]
) -> None:
    written = history()
    for tiers in _tiers():
        v, t, h = tiers[VILLAGE], tiers[TOWN], tiers[HUB]
        for node in write_order:
            tiers[node].write(written[node])
        for kind, limit, crash, resend in ops:
            match kind:
                case "push_vt":
                    push(v, t, limit=limit, crash=crash, resend=resend)
                case "push_th":
                    push(t, h, limit=limit, crash=crash, resend=resend)
                case "pull_ht":
                    pull(t, h, limit=limit, crash=crash)
                case "pull_tv":
                    pull(v, t, limit=limit, crash=crash)
        # The links come back for good: drain until nothing moves.
        for _ in range(30):
            moved = push(v, t, limit=5, crash=False, resend=False)
            moved |= push(t, h, limit=5, crash=False, resend=False)
            moved |= pull(t, h, limit=5, crash=False)
            moved |= pull(v, t, limit=5, crash=False)
            if not moved:
                break
        everything = {e.id for events in written.values() for e in events}
        assert h.ids() == everything  # the hub has every event of the county, once
        assert t.ids() == everything  # all three cases are in the town's subtree
        village_cases = {
            e.id for events in written.values() for e in events if e.case_no.startswith(VILLAGE)
        }
        assert v.ids() == village_cases
        hub_states, town_states, village_states = h.states(), t.states(), v.states()
        assert hub_states == town_states
        assert village_states == {
            k: s for k, s in hub_states.items() if s["case_no"].startswith(VILLAGE)
        }
        statuses = sorted(s["status"] for s in hub_states.values())
        assert statuses == ["concluded", "concluded", "not_accepted"]
        withdrawn = next(s for s in hub_states.values() if s["handled_by"] == "scjgj")
        assert [a["type"] for a in withdrawn["anomalies"]] == ["withdrawn"]
