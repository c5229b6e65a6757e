"""Finding 3: five wrong passwords in a row lock an account on both login paths, counted in
the tier's database; per-address limits from the real client address; lockout is per tier.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from county_hub.accounts.services import feed_data
from shared.accounts.models import Account, LoginAttempt
from shared.clock import FixedClock
from shared.node.replica.services import _account as apply_account  # the feed's account step
from tests.conftest import login
from tests.security.helpers import csrf, page_login


def _token(client: FlaskClient, username: str, password: str, **environ: str) -> Any:
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base=environ,
    )


def _fail(client: FlaskClient, username: str, times: int) -> list[int]:
    # A different address each time: the per-address limit stays out of the way.
    return [
        _token(client, username, "wrong", REMOTE_ADDR=f"10.0.0.{i}").status_code
        for i in range(times)
    ]


def test_five_wrong_passwords_lock_even_the_right_one(hub: FlaskClient) -> None:
    statuses = _fail(hub, "dept-scjgj", 5)
    assert statuses[:4] == [401] * 4 and statuses[4] == 423
    locked = _token(hub, "dept-scjgj", "demo")
    assert locked.status_code == 423
    assert locked.mimetype == "application/problem+json"
    body = locked.get_json()
    assert body["locked_until"].startswith("2026-11-27T09:15")  # Beijing time, 15 minutes on
    assert "锁定" in body["detail"] and "2026-11-27 09:15" in body["detail"]


def test_lock_ends_after_fifteen_minutes_and_success_resets(
    hub: FlaskClient, clock: FixedClock
) -> None:
    _fail(hub, "dept-scjgj", 5)
    clock.advance(minutes=15, seconds=1)
    assert _token(hub, "dept-scjgj", "demo").status_code == 200
    # four more failures, a success, four more: never locked (success reset the count)
    assert _fail(hub, "dept-scjgj", 4) == [401] * 4
    assert _token(hub, "dept-scjgj", "demo").status_code == 200
    assert _fail(hub, "dept-scjgj", 4) == [401] * 4
    assert _token(hub, "dept-scjgj", "demo").status_code == 200


def test_page_and_api_share_the_count_and_the_page_says_when(hub: FlaskClient) -> None:
    assert _fail(hub, "dept-scjgj", 3) == [401] * 3
    for i in range(2):
        page_login(hub, "dept-scjgj", "wrong", REMOTE_ADDR=f"10.1.0.{i}")
    page = page_login(hub, "dept-scjgj", "demo", REMOTE_ADDR="10.2.0.1")
    assert page.status_code == 423
    text = page.get_data(as_text=True)
    assert "账号已锁定" in text and "2026-11-27 09:15" in text
    assert _token(hub, "dept-scjgj", "demo").status_code == 423


def test_the_count_lives_in_the_database(hub_app: Flask, hub_session: Any) -> None:
    """Another worker (another app on the same database) sees the lock."""
    _fail(hub_app.test_client(), "dept-scjgj", 5)
    account = hub_session.get(Account, "dept-scjgj")
    hub_session.refresh(account)
    assert account.locked_until is not None


def test_admin_unlocks_at_the_hub(hub: FlaskClient, admin: dict[str, str]) -> None:
    _fail(hub, "dept-scjgj", 5)
    listed = hub.get("/api/v1/accounts", headers=admin).get_json()
    assert next(a for a in listed if a["username"] == "dept-scjgj")["locked_until"]
    refused = hub.post("/api/v1/accounts/dept-scjgj/unlock", headers=login(hub, "dept-swj"))
    assert refused.status_code == 403
    unlocked = hub.post("/api/v1/accounts/dept-scjgj/unlock", headers=admin)
    assert unlocked.status_code == 200 and unlocked.get_json()["locked_until"] is None
    assert _token(hub, "dept-scjgj", "demo").status_code == 200
    assert hub.post("/api/v1/accounts/nosuch/unlock", headers=admin).status_code == 404


def test_per_address_limit_on_the_token_endpoint(hub: FlaskClient) -> None:
    statuses = [
        _token(hub, f"nobody{i}", "wrong", REMOTE_ADDR="10.9.9.9").status_code for i in range(12)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    refused = _token(hub, "admin", "demo", REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert refused.get_json()["retry_after"] >= 1
    assert _token(hub, "admin", "demo", REMOTE_ADDR="10.9.9.10").status_code == 200


def test_attempts_are_counted_in_the_database(hub: FlaskClient, hub_session: Any) -> None:
    _token(hub, "nobody", "wrong", REMOTE_ADDR="10.8.8.8")
    row = hub_session.query(LoginAttempt).filter_by(address="10.8.8.8").one()
    assert row.attempts == 1


def test_forwarded_address_is_ignored_without_trusted_proxies(hub: FlaskClient) -> None:
    """A client cannot dodge the limit by inventing X-Forwarded-For."""
    statuses = [
        hub.post(
            "/api/v1/auth/token",
            json={"username": f"nobody{i}", "password": "wrong"},
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        ).status_code
        for i in range(11)
    ]
    assert statuses[-1] == 429


def test_behind_nginx_each_client_has_its_own_limit(demo_town_app: Flask) -> None:
    """With TRUSTED_PROXIES=1, nginx's X-Forwarded-For is the client address."""
    from town_node import create_app

    app = create_app({**demo_town_app.config, "TRUSTED_PROXIES": 1})
    client = app.test_client()

    def attempt(address: str, i: int) -> int:
        return client.post(
            "/api/v1/auth/token",
            json={"username": f"nobody{i}", "password": "wrong"},
            headers={"X-Forwarded-For": address},
        ).status_code

    assert [attempt("192.0.2.1", i) for i in range(11)][-1] == 429
    assert attempt("192.0.2.2", 0) == 401  # another villager behind the same nginx


def test_node_locks_by_itself_and_the_feed_keeps_its_lock(demo_town_app: Flask) -> None:
    client = demo_town_app.test_client()
    assert _fail(client, "town-610727105", 5)[-1] == 423
    with demo_town_app.app_context():
        tier = demo_town_app.extensions["sanji"]
        with tier.sessions() as session:
            account = session.get(Account, "town-610727105")
            # The hub sends the account again (e.g. a new display name): lock stays.
            data = feed_data(account) | {"display_name": "新名字", "session_version": 1}
            apply_account(session, data, "610727105")
            session.commit()
            assert account.locked_until is not None
    assert _token(client, "town-610727105", "demo").status_code == 423


def test_accounts_page_shows_the_lock_and_unlocks(hub: FlaskClient) -> None:
    _fail(hub, "dept-scjgj", 5)
    page_login(hub, "admin", REMOTE_ADDR="10.3.0.1")
    listing = hub.get("/accounts").get_data(as_text=True)
    assert "已锁定至" in listing and "解锁" in listing
    token = csrf(listing)
    done = hub.post("/accounts/dept-scjgj/unlock", data={"csrf_token": token})
    assert done.status_code == 302
    assert "已锁定至" not in hub.get("/accounts").get_data(as_text=True)
    assert _token(hub, "dept-scjgj", "demo").status_code == 200
