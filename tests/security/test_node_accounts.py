"""Finding 7: a node holds only the accounts that log in there (no county hash to crack).

The hub sends each town the account changes of its own subtree (whole, so its signature
still verifies when the town relays them), the town sends each village only its agents';
a town keeps login rows for its own staff only, a village for its agents only. A node
upgraded from a release that held every account drops the rest at its next sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import select

from shared.accounts.models import Account, Role
from shared.db import unit_of_work
from shared.sync import state
from shared.sync.client import SyncClient
from shared.sync.models import MasterChange
from tests.security.conftest import TOWN, VILLAGE, WSGIAdapter
from tests.security.test_join_trust import hub_pin, join_node


def client_of(app: Flask) -> SyncClient:
    tier = app.extensions["sanji"]
    return SyncClient(
        tier.sessions, me=tier.node_code, key=tier.key, clock=tier.clock, county=tier.county
    )


def accounts(app: Flask) -> dict[str, str | None]:
    with app.extensions["sanji"].sessions() as session:
        return {a.username: a.region_code for a in session.scalars(select(Account))}


def account_changes(app: Flask) -> dict[str, str]:
    with app.extensions["sanji"].sessions() as session:
        rows = session.scalars(select(MasterChange).where(MasterChange.entity == "account"))
        return {row.key: row.data.get("region_code") for row in rows}


@pytest.fixture
def synced(
    hub_app: Flask, town_app: Flask, village_app: Flask, network: dict[str, WSGIAdapter]
) -> Iterator[None]:
    """Town joined to the hub, village to the town, each has pulled the master feed."""
    network["hub.test"] = WSGIAdapter(hub_app)
    network["town.test"] = WSGIAdapter(town_app)
    join_node(town_app, hub_app, "http://hub.test", hub_pin(hub_app))
    client_of(town_app).pull_master()
    join_node(village_app, town_app, "http://town.test", hub_pin(hub_app))
    client_of(village_app).pull_master()
    yield
    network.clear()


def test_a_village_holds_only_its_agents_and_they_log_in_offline(
    synced: None, hub_app: Flask, village_app: Flask, network: dict[str, WSGIAdapter]
) -> None:
    with hub_app.extensions["sanji"].sessions() as session:
        county = set(session.scalars(select(Account.username)))
    assert {"admin", "supervisor", f"agent-{VILLAGE}", f"town-{TOWN}"} <= county
    assert any(name.startswith("dept-") for name in county)
    assert accounts(village_app) == {f"agent-{VILLAGE}": VILLAGE}
    # No hash of another account in the kept feed either (the replica relays nothing).
    assert account_changes(village_app) == {f"agent-{VILLAGE}": VILLAGE}
    network.clear()  # offline
    login = village_app.test_client().post(
        "/api/v1/auth/token", json={"username": f"agent-{VILLAGE}", "password": "demo"}
    )
    assert login.status_code == 200, login.get_json()


def test_a_town_holds_only_its_staff_accounts(synced: None, town_app: Flask) -> None:
    assert accounts(town_app) == {f"town-{TOWN}": TOWN}
    # It keeps its villages' agents' signed changes only to relay them, whole.
    changes = account_changes(town_app)
    assert f"town-{TOWN}" in changes and f"agent-{VILLAGE}" in changes
    assert all(region.startswith(TOWN) for region in changes.values()), changes


def test_an_upgraded_node_drops_the_accounts_it_may_not_hold(
    synced: None, hub_app: Flask, village_app: Flask
) -> None:
    tier = village_app.extensions["sanji"]
    with hub_app.extensions["sanji"].sessions() as session:
        admin = session.scalars(
            select(MasterChange)
            .where(MasterChange.entity == "account", MasterChange.key == "admin")
            .limit(1)
        ).one()
        admin_change = {c: getattr(admin, c) for c in ("seq", "entity", "key", "op", "data", "sig")}
    with unit_of_work(tier.sessions) as session:
        # What a village synced by the previous release holds.
        session.add(
            MasterChange(**admin_change, at=datetime.fromisoformat("2026-01-01T08:00:00+08:00"))
        )
        session.add(
            Account(
                username="admin",
                display_name="县级管理员",
                role=Role.ADMIN,
                region_code="610727",
                password_hash=admin.data["password_hash"],
                active=True,
            )
        )
        state.put(session, "account_scope", 0)
    client_of(village_app).pull_master()  # nothing new upstream: a 304
    assert accounts(village_app) == {f"agent-{VILLAGE}": VILLAGE}
    assert account_changes(village_app) == {f"agent-{VILLAGE}": VILLAGE}


def test_the_relayed_feed_still_verifies_and_regions_are_complete(
    synced: None, town_app: Flask, village_app: Flask
) -> None:
    with (
        town_app.extensions["sanji"].sessions() as town,
        village_app.extensions["sanji"].sessions() as village,
    ):
        town_regions = set(
            town.scalars(select(MasterChange.seq).where(MasterChange.entity != "account"))
        )
        village_regions = set(
            village.scalars(select(MasterChange.seq).where(MasterChange.entity != "account"))
        )
    assert town_regions == village_regions
