"""Finding 6: replies to signed sync requests are signed by the serving node and verified.

A pulled page of case events (and every other reply a node acts on) must come from its
pinned upstream unchanged; a tampered or unsigned page is refused, nothing of it is
applied, and the error is recorded for the node board.
"""

from __future__ import annotations

import json

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from shared.clock import FixedClock
from shared.db import unit_of_work
from shared.node.jobs import sync_cycle
from shared.sync import state
from shared.sync.client import SyncClient, UpstreamError
from shared.sync.crypto import H_REPLY_SIG
from shared.sync.models import CaseEventRow, MasterChange
from shared.sync.server import ingest
from tests.security.conftest import TOWN, WSGIAdapter
from tests.security.test_join_trust import hub_pin, join_node
from tests.sync.test_protocol import _submitted


@pytest.fixture
def joined(
    hub_app: Flask, town_app: Flask, network: dict[str, WSGIAdapter], clock: FixedClock
) -> WSGIAdapter:
    """The town joined to the hub, one event of a town case at the hub, feed caught up."""
    adapter = network["hub.test"] = WSGIAdapter(hub_app)
    join_node(town_app, hub_app, "http://hub.test", hub_pin(hub_app))
    hub = hub_app.extensions["sanji"]
    with unit_of_work(hub.sessions) as session:
        event = _submitted(TOWN, TOWN, clock)
        reply = ingest(session, TOWN, {"node": TOWN, "events": [event]}, acked=True,
                       clock=clock, county="610727")  # fmt: skip
        assert reply.accepted
        last = session.scalar(select(func.max(MasterChange.seq)))
    with unit_of_work(town_app.extensions["sanji"].sessions) as session:
        state.put(session, "master_cursor", last)  # no need to pull the whole demo feed
    return adapter


def client_of(app: Flask) -> SyncClient:
    tier = app.extensions["sanji"]
    return SyncClient(
        tier.sessions, me=tier.node_code, key=tier.key, clock=tier.clock, county=tier.county
    )


def town_events(app: Flask) -> int:
    with app.extensions["sanji"].sessions() as session:
        return session.scalar(select(func.count()).select_from(CaseEventRow)) or 0


def test_a_signed_pull_page_is_applied(joined: WSGIAdapter, town_app: Flask) -> None:
    client = client_of(town_app)
    assert client.pull_events() == 1
    assert town_events(town_app) == 1


def _edit_body(response: requests.Response) -> None:
    if response.request.method == "GET" and response.request.path_url.startswith(
        "/api/v1/sync/events"
    ):
        page = json.loads(response.content)
        for event in page["events"]:
            event["payload"]["handled_by"] = "610727001"
        response._content = json.dumps(page).encode()


def _strip_signature(response: requests.Response) -> None:
    response.headers.pop(H_REPLY_SIG, None)


@pytest.mark.parametrize("tamper", [_edit_body, _strip_signature], ids=["edited", "unsigned"])
def test_a_tampered_or_unsigned_pull_page_is_refused(
    joined: WSGIAdapter, town_app: Flask, tamper: object
) -> None:
    joined.tamper = tamper
    with pytest.raises(UpstreamError, match="签名"):
        client_of(town_app).pull_events()
    assert town_events(town_app) == 0
    with town_app.extensions["sanji"].sessions() as session:
        assert int(state.get(session, "pull_cursor", 0)) == 0


def test_a_refused_page_is_recorded_for_the_node_board(
    joined: WSGIAdapter, town_app: Flask
) -> None:
    joined.tamper = _edit_body
    assert sync_cycle(town_app, forced=True) is None
    assert town_events(town_app) == 0
    with town_app.extensions["sanji"].sessions() as session:
        assert "签名" in state.get(session, "last_error")
    # The next report upstream carries it, so the hub's node board shows it too.
    assert "签名" in client_of(town_app).status_report()["last_error"]


def test_a_reply_cannot_be_replayed_to_another_request(
    joined: WSGIAdapter, town_app: Flask
) -> None:
    kept: list[requests.Response] = []

    def replay(response: requests.Response) -> None:
        if kept:  # the second pull gets the first reply, signature and all
            response._content = kept[0].content
            response.headers = kept[0].headers
        else:
            kept.append(response)

    joined.tamper = replay
    client = client_of(town_app)
    client.pull_events()
    with pytest.raises(UpstreamError, match="签名"):
        client.pull_events()
