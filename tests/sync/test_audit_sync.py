"""A village's audit log reaches the hub through its town, chain-checked at each tier;
a bad batch is refused whole and raised on the node board."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from shared.audit import sync as audit_sync
from shared.audit.entry import AuditEntry
from shared.audit.models import AuditAlert, AuditRow
from shared.audit.services import record, to_entry
from shared.clock import FixedClock
from shared.db import CommonBase, make_engine, make_sessionmaker, unit_of_work
from tests.conftest import login
from tests.sync.test_protocol import TOWN, _enroll, _signed

VILLAGE = TOWN + "001"


def _tier_db(path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{path}")
    CommonBase.metadata.create_all(engine)
    return make_sessionmaker(engine)


def _write(sessions: sessionmaker[Session], node: str, count: int, clock: FixedClock) -> None:
    with unit_of_work(sessions) as session:
        for i in range(count):
            clock.advance(minutes=1)
            record(
                session,
                node=node,
                clock=clock,
                actor=f"agent-{node}",
                role="village_agent",
                action="case.view",
                target=f"{node}-20261127-{i + 1:04d}",
            )


def _hub_call(hub: FlaskClient, key: Any, clock: FixedClock) -> Any:
    def call(path: str, body: Any) -> Any:
        clock.advance(seconds=1)  # a fresh nonce time
        response = _signed(hub, key, TOWN, "POST", path, body=body, clock=clock)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return call


def _count(sessions: Any, node: str) -> int:
    with sessions() as session:
        return int(
            session.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.node == node))
            or 0
        )


def test_a_village_log_reaches_the_hub_through_the_town_intact(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock, tmp_path: Path
) -> None:
    key = _enroll(hub_app, hub)
    village = _tier_db(tmp_path / "village.sqlite3")
    town = _tier_db(tmp_path / "town.sqlite3")
    _write(village, VILLAGE, 4, clock)
    _write(town, TOWN, 2, clock)

    def to_town(path: str, body: Any) -> Any:
        assert path == "/api/v1/sync/audit"
        with unit_of_work(town) as session:
            return audit_sync.receive(session, VILLAGE, body, acked=False, clock=clock)

    with unit_of_work(village) as session:
        assert audit_sync.push(session, to_town) == {"audit_sent": 4, "audit_refused": 0}
    with unit_of_work(town) as session:  # the town relays its own and its village's
        assert audit_sync.push(session, _hub_call(hub, key, clock))["audit_sent"] == 6
    with unit_of_work(town) as session:
        assert audit_sync.unsent(session) == []
    hub_sessions = hub_app.extensions["sanji"].sessions
    assert _count(hub_sessions, VILLAGE) == 4 and _count(hub_sessions, TOWN) == 2
    report = hub.get("/api/v1/audit/verify", headers=login(hub, "supervisor")).get_json()
    assert report["intact"] is True
    assert {n["node"] for n in report["nodes"]} >= {VILLAGE, TOWN}
    listed = hub.get(
        "/api/v1/audit", query_string={"node": TOWN}, headers=login(hub, "admin")
    ).get_json()
    assert {i["node"] for i in listed["items"]} == {TOWN, VILLAGE}

    # More entries later continue the chain the hub holds.
    _write(village, VILLAGE, 1, clock)
    with unit_of_work(village) as session:
        audit_sync.push(session, to_town)
    with unit_of_work(town) as session:
        assert audit_sync.push(session, _hub_call(hub, key, clock))["audit_refused"] == 0
    assert _count(hub_sessions, VILLAGE) == 5


def test_a_bad_batch_is_refused_whole_and_raised_on_the_board(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock, tmp_path: Path
) -> None:
    key = _enroll(hub_app, hub)
    village = _tier_db(tmp_path / "village.sqlite3")
    _write(village, VILLAGE, 3, clock)
    with village() as session:
        entries = [to_entry(r) for r in session.scalars(select(AuditRow).order_by(AuditRow.seq))]
    call = _hub_call(hub, key, clock)
    tampered: list[AuditEntry] = [entries[0], replace(entries[1], actor="nobody"), entries[2]]
    reply = call("/api/v1/sync/audit", {"entries": [e.to_dict() for e in tampered]})
    assert VILLAGE in reply["refused"] and reply["accepted"] == {}
    gap = call("/api/v1/sync/audit", {"entries": [entries[0].to_dict(), entries[2].to_dict()]})
    assert "缺少" in gap["refused"][VILLAGE]
    hub_sessions = hub_app.extensions["sanji"].sessions
    assert _count(hub_sessions, VILLAGE) == 0  # nothing of a bad batch is kept
    with hub_sessions() as session:
        assert [a.problem for a in session.scalars(select(AuditAlert))] == ["rewritten", "gap"]
    board = hub.get("/api/v1/sync/nodes", headers=login(hub, "admin")).get_json()
    [row] = [r for r in board if r["node"] == TOWN]
    assert row["state"] == "审计日志异常" and len(row["audit_alerts"]) == 2
    # The true log still fits afterwards.
    good = call("/api/v1/sync/audit", {"entries": [e.to_dict() for e in entries]})
    assert good["accepted"] == {VILLAGE: 3}


def test_a_town_cannot_report_another_subtree(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock, tmp_path: Path
) -> None:
    key = _enroll(hub_app, hub)
    other = _tier_db(tmp_path / "other.sqlite3")
    _write(other, "610727001001", 1, clock)
    with other() as session:
        entries = [to_entry(r).to_dict() for r in session.scalars(select(AuditRow))]
    clock.advance(seconds=1)
    response = _signed(
        hub, key, TOWN, "POST", "/api/v1/sync/audit", body={"entries": entries}, clock=clock
    )
    assert response.status_code == 403
