"""Finding 6: a node pins the hub's key out of band at join and refuses any other."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from shared.db import unit_of_work
from shared.sync import state
from shared.sync.client import UpstreamError, join
from shared.sync.crypto import NodeKey, fingerprint
from shared.sync.models import Peer
from shared.sync.server import create_enroll_token
from tests.security.conftest import TOWN, VILLAGE, WSGIAdapter, copy_regions


def token_at(app: Flask, node: str) -> str:
    tier = app.extensions["sanji"]
    with unit_of_work(tier.sessions) as session:
        return create_enroll_token(session, tier.node_code, node, by="test", clock=tier.clock)


def join_node(app: Flask, upstream: Flask, url: str, pin: str) -> None:
    tier = app.extensions["sanji"]
    join(
        tier.sessions,
        me=tier.node_code,
        key=tier.key,
        url=url,
        token=token_at(upstream, tier.node_code),
        hub_fingerprint=pin,
    )


def hub_pin(hub_app: Flask) -> str:
    return fingerprint(hub_app.extensions["sanji"].key.public_b64)


def nothing_stored(app: Flask) -> bool:
    with app.extensions["sanji"].sessions() as session:
        peers = session.scalar(select(func.count()).select_from(Peer))
        return (
            not peers
            and state.get(session, "upstream") is None
            and not state.get(session, "hub_key")
        )


def test_a_town_joins_when_the_hub_key_has_the_pinned_fingerprint(
    hub_app: Flask, town_app: Flask, network: dict[str, WSGIAdapter]
) -> None:
    network["hub.test"] = WSGIAdapter(hub_app)
    join_node(town_app, hub_app, "http://hub.test", hub_pin(hub_app).upper().replace(":", ""))
    with town_app.extensions["sanji"].sessions() as session:
        assert state.get(session, "hub_key") == hub_app.extensions["sanji"].key.public_b64


def test_a_town_refuses_a_hub_key_other_than_the_pinned_one(
    hub_app: Flask, town_app: Flask, network: dict[str, WSGIAdapter]
) -> None:
    network["hub.test"] = WSGIAdapter(hub_app)
    other = fingerprint(NodeKey.generate().public_b64)
    with pytest.raises(UpstreamError) as refused:
        join_node(town_app, hub_app, "http://hub.test", other)
    message = str(refused.value)
    assert other in message and hub_pin(hub_app) in message and "拒绝接入" in message
    assert nothing_stored(town_app)


def test_a_village_refuses_a_town_that_hands_it_another_hub_key(
    hub_app: Flask,
    town_app: Flask,
    village_app: Flask,
    network: dict[str, WSGIAdapter],
) -> None:
    network["hub.test"] = WSGIAdapter(hub_app)
    network["town.test"] = WSGIAdapter(town_app)
    join_node(town_app, hub_app, "http://hub.test", hub_pin(hub_app))
    # A compromised town (or a proxy before it) passes on a key of its own choosing.
    forged = NodeKey.generate().public_b64
    with unit_of_work(town_app.extensions["sanji"].sessions) as session:
        state.put(session, "hub_key", forged)
        # The town may enroll villages it knows from the master data only.
        copy_regions(hub_app, session)
    with pytest.raises(UpstreamError) as refused:
        join_node(village_app, town_app, "http://town.test", hub_pin(hub_app))
    assert fingerprint(forged) in str(refused.value)
    assert hub_pin(hub_app) in str(refused.value)
    assert nothing_stored(village_app)
    assert VILLAGE.startswith(TOWN)


def test_join_needs_a_well_formed_fingerprint_before_it_spends_the_token(
    hub_app: Flask, town_app: Flask, network: dict[str, WSGIAdapter]
) -> None:
    network["hub.test"] = WSGIAdapter(hub_app)
    with pytest.raises(UpstreamError, match="格式错误"):
        join_node(town_app, hub_app, "http://hub.test", "")
    assert nothing_stored(town_app)
