"""Sync v1 at the hub, in process: enrolment, signatures, replay, push, pull, master feed."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shared.cases import Event, EventType, new_event_id
from shared.clock import FixedClock
from shared.db import unit_of_work
from shared.node.replica.services import apply_changes
from shared.sync.crypto import NodeKey, sign_request
from shared.sync.feed import BadChange
from shared.sync.models import QuarantinedEvent
from shared.sync.server import create_enroll_token
from tests.conftest import login

TOWN, OTHER_TOWN = "610727105", "610727001"


def _token(app: Flask, node: str) -> str:
    tier = app.extensions["sanji"]
    with unit_of_work(tier.sessions) as session:
        return create_enroll_token(session, tier.node_code, node, by="test", clock=tier.clock)


def _enroll(app: Flask, hub: FlaskClient, node: str = TOWN) -> NodeKey:
    key = NodeKey.generate()
    response = hub.post(
        "/api/v1/sync/enroll",
        json={"node": node, "token": _token(app, node), "public_key": key.public_b64},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["hub_key"] == app.extensions["sanji"].key.public_b64
    return key


def _signed(
    hub: FlaskClient,
    key: NodeKey,
    node: str,
    method: str,
    path: str,
    *,
    query: str = "",
    body: Any = None,
    clock: FixedClock,
    headers: dict[str, str] | None = None,
) -> Any:
    raw = gzip.compress(json.dumps(body).encode()) if body is not None else b""
    signed = sign_request(key, node, method, path, query, raw, now=clock.now())
    extra = (
        {"Content-Encoding": "gzip", "Content-Type": "application/json"} if body is not None else {}
    )
    url = path + (f"?{query}" if query else "")
    return hub.open(
        url, method=method, data=raw or None, headers={**signed, **extra, **(headers or {})}
    )


def _submitted(node: str, handled_by: str, clock: FixedClock, **payload: Any) -> dict[str, Any]:
    now = clock.now()
    return Event(
        id=new_event_id(now),
        case_id=str(uuid.uuid4()),
        case_no=f"{node}-20261127-{uuid.uuid4().int % 10000:04d}",
        origin=node,
        lamport=1,
        type=EventType.SUBMITTED,
        at=now,
        actor=f"town-{node}",
        payload={
            "item_code": "X",
            "item_version": 1,
            "item_name": "测试事项",
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
            "consent": False,
            "materials": [],
            "missing": [],
            "tolerance": False,
            "tolerance_missing": [],
            "tolerance_deadline": None,
            "promise": False,
            "accepting_node": node,
            "accept_by": handled_by,
            "handled_by": handled_by,
            "batch": None,
            "in_name_of": handled_by,
            **payload,
        },
    ).to_wire()


def test_enrolment_token_is_one_time_and_node_bound(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock
) -> None:
    token = _token(hub_app, TOWN)
    key = NodeKey.generate().public_b64
    wrong_node = hub.post(
        "/api/v1/sync/enroll", json={"node": OTHER_TOWN, "token": token, "public_key": key}
    )
    assert wrong_node.status_code == 401
    assert (
        hub.post(
            "/api/v1/sync/enroll", json={"node": TOWN, "token": token, "public_key": key}
        ).status_code
        == 200
    )
    again = hub.post("/api/v1/sync/enroll", json={"node": TOWN, "token": token, "public_key": key})
    assert again.status_code == 401 and "已经使用" in again.get_json()["detail"]
    late = _token(hub_app, OTHER_TOWN)
    clock.advance(hours=25)
    expired = hub.post(
        "/api/v1/sync/enroll", json={"node": OTHER_TOWN, "token": late, "public_key": key}
    )
    assert expired.status_code == 401 and "过期" in expired.get_json()["detail"]


def test_tokens_only_for_direct_children(hub_app: Flask) -> None:
    from shared.errors import InvalidInput

    with pytest.raises(InvalidInput):
        _token(hub_app, "610727105001")  # a village enrolls at its town, not at the hub


def test_unsigned_forged_unknown_skewed_and_replayed_requests(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock
) -> None:
    key = _enroll(hub_app, hub)
    path = "/api/v1/sync/events"
    assert hub.post(path, json={"node": TOWN, "events": []}).status_code == 401
    forged = _signed(
        hub, NodeKey.generate(), TOWN, "POST", path, body={"node": TOWN, "events": []}, clock=clock
    )
    assert forged.status_code == 401 and "签名无效" in forged.get_json()["detail"]
    unknown = _signed(
        hub, key, OTHER_TOWN, "POST", path, body={"node": OTHER_TOWN, "events": []}, clock=clock
    )
    assert unknown.status_code == 401 and "未在本节点登记" in unknown.get_json()["detail"]
    skew = FixedClock(clock.now() - timedelta(minutes=10))
    skewed = _signed(hub, key, TOWN, "POST", path, body={"node": TOWN, "events": []}, clock=skew)
    assert skewed.status_code == 401 and "时间" in skewed.get_json()["detail"]
    raw = gzip.compress(b'{"node": "610727105", "events": []}')
    headers = {
        **sign_request(key, TOWN, "POST", path, "", raw, now=clock.now()),
        "Content-Encoding": "gzip",
    }
    assert hub.post(path, data=raw, headers=headers).status_code == 200
    replay = hub.post(path, data=raw, headers=headers)
    assert replay.status_code == 409 and "重放" in replay.get_json()["detail"]


def test_push_accepts_good_events_and_quarantines_the_rest(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock, hub_session: Any
) -> None:
    key = _enroll(hub_app, hub)
    good = _submitted(TOWN, "scjgj", clock)
    foreign = _submitted(OTHER_TOWN, "scjgj", clock)  # origin outside the sender
    stolen = _submitted(TOWN, OTHER_TOWN, clock)  # another town cannot be the handler
    malformed = {**_submitted(TOWN, "scjgj", clock), "lamport": True}
    decide = Event(
        id=new_event_id(clock.now()),
        case_id=good["case_id"],
        case_no=good["case_no"],
        origin=TOWN,
        lamport=2,
        type=EventType.DECIDED,
        at=clock.now(),
        actor="town",
        payload={"approve": True, "reason": ""},
    ).to_wire()  # the department decides, not the town
    body = {"node": TOWN, "batch_id": "b1", "events": [good, foreign, stolen, malformed, decide]}
    reply = _signed(
        hub, key, TOWN, "POST", "/api/v1/sync/events", body=body, clock=clock
    ).get_json()
    assert reply["accepted"] == [good["id"]]
    codes = {r["id"]: r["code"] for r in reply["rejected"]}
    assert codes == {
        foreign["id"]: "origin_outside_sender",
        stolen["id"]: "authority_invalid",
        malformed["id"]: codes[malformed["id"]],
        decide["id"]: "not_authorised",
    }
    assert hub_session.scalar(select(func.count()).select_from(QuarantinedEvent)) == 4
    again = _signed(
        hub,
        key,
        TOWN,
        "POST",
        "/api/v1/sync/events",
        body={"node": TOWN, "events": [good]},
        clock=clock,
    )
    assert again.get_json()["duplicates"] == [good["id"]] and again.get_json()["accepted"] == []
    changed = {**good, "actor": "someone-else"}
    conflict = _signed(
        hub,
        key,
        TOWN,
        "POST",
        "/api/v1/sync/events",
        body={"node": TOWN, "events": [changed]},
        clock=clock,
    )
    assert conflict.get_json()["rejected"][0]["code"] == "id_conflict"


def test_pull_returns_only_the_callers_subtree(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock
) -> None:
    key = _enroll(hub_app, hub)
    other_key = _enroll(hub_app, hub, OTHER_TOWN)
    mine = _submitted(TOWN, "scjgj", clock)
    theirs = _submitted(OTHER_TOWN, "scjgj", clock)
    _signed(
        hub,
        key,
        TOWN,
        "POST",
        "/api/v1/sync/events",
        body={"node": TOWN, "events": [mine]},
        clock=clock,
    )
    _signed(
        hub,
        other_key,
        OTHER_TOWN,
        "POST",
        "/api/v1/sync/events",
        body={"node": OTHER_TOWN, "events": [theirs]},
        clock=clock,
    )
    page = _signed(
        hub, key, TOWN, "GET", "/api/v1/sync/events", query="after=0&limit=100", clock=clock
    ).get_json()
    assert [e["id"] for e in page["events"]] == [mine["id"]] and page["more"] is False


def test_master_feed_pages_verify_and_304(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock, tmp_path: Any
) -> None:
    key = _enroll(hub_app, hub)
    hub_key = hub_app.extensions["sanji"].key.public_b64
    first = _signed(
        hub,
        key,
        TOWN,
        "GET",
        "/api/v1/sync/master",
        query="after=0&limit=50",
        clock=clock,
        headers={"Accept-Encoding": "gzip"},
    )
    assert first.headers.get("Content-Encoding") == "gzip"
    page = json.loads(gzip.decompress(first.data))
    assert len(page["changes"]) == 50 and page["more"] and page["changes"][0]["seq"] == 1
    entities = {c["entity"] for c in page["changes"]}
    assert "region" in entities
    # every change verifies with the hub key; a tampered one does not
    from shared.db import CommonBase, ReplicaBase, make_engine, make_sessionmaker

    engine = make_engine(f"sqlite:///{tmp_path / 'node.sqlite3'}")
    CommonBase.metadata.create_all(engine)
    ReplicaBase.metadata.create_all(engine)
    with unit_of_work(make_sessionmaker(engine)) as session:
        assert apply_changes(session, page["changes"], hub_key=hub_key, me=TOWN) == 50
    tampered = [{**page["changes"][0], "data": {**page["changes"][0]["data"], "name": "篡改"}}]
    with pytest.raises(BadChange), unit_of_work(make_sessionmaker(engine)) as session:
        apply_changes(session, tampered, hub_key=hub_key, me=TOWN)
    last = _signed(
        hub, key, TOWN, "GET", "/api/v1/sync/master", query="after=100000&limit=500", clock=clock
    )
    etag = last.headers["ETag"]
    unchanged = _signed(
        hub,
        key,
        TOWN,
        "GET",
        "/api/v1/sync/master",
        query="after=100000&limit=500",
        clock=clock,
        headers={"If-None-Match": etag},
    )
    assert unchanged.status_code == 304
    engine.dispose()


def test_oversized_body_is_413(hub_app: Flask, hub: FlaskClient, clock: FixedClock) -> None:
    key = _enroll(hub_app, hub)
    hub_app.config["MAX_CONTENT_LENGTH"] = 10_000
    big = {"node": TOWN, "events": [_submitted(TOWN, "scjgj", clock) for _ in range(40)]}
    raw = json.dumps(big).encode()
    headers = sign_request(key, TOWN, "POST", "/api/v1/sync/events", "", raw, now=clock.now())
    response = hub.post(
        "/api/v1/sync/events", data=raw, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413 and response.content_type == "application/problem+json"


def test_unknown_protocol_version_is_refused(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock
) -> None:
    key = _enroll(hub_app, hub)
    response = _signed(
        hub,
        key,
        TOWN,
        "GET",
        "/api/v1/sync/events",
        query="after=0&limit=1",
        clock=clock,
        headers={"X-Sanji-Protocol": "9"},
    )
    assert response.status_code == 409 and "协议版本" in response.get_json()["detail"]


def test_the_board_shows_a_node_s_report_as_it_came(
    hub_app: Flask, hub: FlaskClient, clock: FixedClock
) -> None:
    """What a node reports of its sync is shown as reported, even odd values (an older
    node's text lag), never a server error."""
    key = _enroll(hub_app, hub)
    status = {"last_success": "昨天", "lag_seconds": "12 秒", "queue_depth": 3, "quarantined": None}
    pushed = _signed(
        hub,
        key,
        TOWN,
        "POST",
        "/api/v1/sync/events",
        body={"node": TOWN, "events": [], "status": status},
        clock=clock,
    )
    assert pushed.status_code == 200, pushed.get_json()
    board = hub.get("/api/v1/sync/nodes", headers=login(hub, "admin"))
    assert board.status_code == 200, board.get_json()
    [row] = [r for r in board.get_json() if r["node"] == TOWN]
    assert {k: row[k] for k in status} == status and row["enrolled"]
