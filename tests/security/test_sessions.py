"""Finding 4: tokens and page sessions end on a password change, a disable or "log out
everywhere", page sessions end when idle or too old, and nodes follow the hub's version.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from county_hub.accounts.services import feed_data
from shared.accounts.models import Account
from shared.clock import FixedClock
from shared.node.replica.services import _account as apply_account  # the feed's account step
from tests.conftest import login
from tests.security.helpers import page_login

NEW_PASSWORD = "Lueyang-2026!"


def _works(client: FlaskClient, headers: dict[str, str]) -> bool:
    return client.get("/api/v1/cases", headers=headers).status_code == 200


def _page_ok(client: FlaskClient) -> bool:
    return client.get("/cases").status_code == 200


def test_password_change_ends_tokens_and_page_sessions(
    hub_app: Flask, admin: dict[str, str]
) -> None:
    hub = hub_app.test_client()
    browser = hub_app.test_client()
    headers = login(hub, "dept-scjgj")
    assert page_login(browser, "dept-scjgj").status_code == 302 and _page_ok(browser)
    changed = hub.patch(
        "/api/v1/accounts/dept-scjgj", json={"password": NEW_PASSWORD}, headers=admin
    )
    assert changed.status_code == 200, changed.get_json()
    refused = hub.get("/api/v1/cases", headers=headers)
    assert refused.status_code == 401 and "失效" in refused.get_json()["detail"]
    assert browser.get("/cases").status_code == 302  # back to the login page
    assert _works(hub, login(hub, "dept-scjgj", NEW_PASSWORD))


def test_disable_then_enable_does_not_revive_old_tokens(
    hub: FlaskClient, admin: dict[str, str]
) -> None:
    headers = login(hub, "dept-scjgj")
    hub.patch("/api/v1/accounts/dept-scjgj", json={"active": False}, headers=admin)
    hub.patch("/api/v1/accounts/dept-scjgj", json={"active": True}, headers=admin)
    assert not _works(hub, headers)


def test_logout_all_for_oneself(hub_app: Flask) -> None:
    hub, browser = hub_app.test_client(), hub_app.test_client()
    first, second = login(hub, "dept-scjgj"), login(hub, "dept-scjgj")
    page_login(browser, "dept-scjgj")
    assert hub.post("/api/v1/auth/logout-all", headers=first).status_code == 204
    assert not _works(hub, first) and not _works(hub, second) and not _page_ok(browser)
    assert _works(hub, login(hub, "dept-scjgj"))  # a new login works


def test_admin_logs_an_account_out_everywhere(hub: FlaskClient, admin: dict[str, str]) -> None:
    headers = login(hub, "dept-scjgj")
    other = login(hub, "dept-swj")
    assert hub.post("/api/v1/accounts/dept-scjgj/logout-all", headers=other).status_code == 403
    done = hub.post("/api/v1/accounts/dept-scjgj/logout-all", headers=admin)
    assert done.status_code == 200
    assert not _works(hub, headers) and _works(hub, other) and _works(hub, admin)


def test_idle_page_session_ends_after_thirty_minutes(hub: FlaskClient, clock: FixedClock) -> None:
    page_login(hub, "dept-scjgj")
    clock.advance(minutes=29)
    assert _page_ok(hub)  # activity keeps it alive
    clock.advance(minutes=29)
    assert _page_ok(hub)
    clock.advance(minutes=31)
    assert hub.get("/cases").status_code == 302


def test_page_session_has_an_absolute_lifetime(hub: FlaskClient, clock: FixedClock) -> None:
    page_login(hub, "dept-scjgj")
    for _ in range(12 * 3 + 2):  # busy all day, never idle
        clock.advance(minutes=20)
        if not _page_ok(hub):
            break
    else:
        raise AssertionError("the session outlived SESSION_MAX_HOURS")
    assert hub.get("/cases").status_code == 302


def test_session_cookie_lifetime_is_not_flasks_31_days(hub_app: Flask) -> None:
    assert hub_app.permanent_session_lifetime.total_seconds() == 12 * 3600


def test_node_ends_sessions_when_the_hub_version_arrives(demo_town_app: Flask) -> None:
    client = demo_town_app.test_client()
    headers = login(client, "town-610727105")
    assert _works(client, headers)
    with demo_town_app.app_context(), demo_town_app.extensions["sanji"].sessions() as session:
        account = session.get(Account, "town-610727105")
        apply_account(session, feed_data(account) | {"session_version": 2}, "610727105")
        session.commit()
    assert not _works(client, headers)
    assert _works(client, login(client, "town-610727105"))


def test_node_logout_all_survives_the_next_feed(demo_town_app: Flask) -> None:
    client = demo_town_app.test_client()
    headers = login(client, "town-610727105")
    assert client.post("/api/v1/auth/logout-all", headers=headers).status_code == 204
    with demo_town_app.app_context(), demo_town_app.extensions["sanji"].sessions() as session:
        account = session.get(Account, "town-610727105")
        apply_account(session, feed_data(account), "610727105")  # same version again
        session.commit()
    assert not _works(client, headers)
