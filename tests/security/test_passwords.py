"""Finding 3, password rules where a password is set through the product (accounts API)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from shared import refdata
from tests.conftest import login


def _create(hub: FlaskClient, admin: dict[str, str], password: str, username: str = "agent-li"):  # type: ignore[no-untyped-def]
    return hub.post(
        "/api/v1/accounts",
        json={
            "username": username,
            "display_name": "李代办",
            "role": "village_agent",
            "region_code": refdata.demo_village().code,
            "password": password,
        },
        headers=admin,
    )


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Ab1!", "至少 10 位"),
        ("abcdefghijk", "至少三类"),
        ("abcdefgh123", "至少三类"),
        ("Agent-Li-Pw", ""),  # three kinds: accepted below, not here
    ],
)
def test_weak_passwords_are_422_in_chinese(
    hub: FlaskClient, admin: dict[str, str], password: str, reason: str
) -> None:
    response = _create(hub, admin, password)
    if not reason:
        assert response.status_code == 201
        return
    assert response.status_code == 422
    params = response.get_json()["invalid_params"]
    assert any(p["name"] == "password" and reason in p["reason"] for p in params), params


def test_password_may_not_be_the_username(hub: FlaskClient, admin: dict[str, str]) -> None:
    response = _create(hub, admin, "Agent.Li-2026", username="agent.li-2026")
    assert response.status_code == 422
    assert "用户名" in response.get_json()["invalid_params"][0]["reason"]


def test_none_of_the_last_five_passwords(hub: FlaskClient, admin: dict[str, str]) -> None:
    first = "Lueyang-0001"
    assert _create(hub, admin, first).status_code == 201
    used = [first]
    for n in range(2, 6):
        new = f"Lueyang-000{n}"
        response = hub.patch("/api/v1/accounts/agent-li", json={"password": new}, headers=admin)
        assert response.status_code == 200, response.get_json()
        used.append(new)
    for old in used:  # the current one and the four before it
        again = hub.patch("/api/v1/accounts/agent-li", json={"password": old}, headers=admin)
        assert again.status_code == 422, old
        assert "最近 5 次" in again.get_json()["invalid_params"][0]["reason"]
    # a sixth, then the first is six back: allowed again
    assert (
        hub.patch(
            "/api/v1/accounts/agent-li", json={"password": "Lueyang-0006"}, headers=admin
        ).status_code
        == 200
    )
    assert (
        hub.patch("/api/v1/accounts/agent-li", json={"password": first}, headers=admin).status_code
        == 200
    )
    assert login(hub, "agent-li", first)


def test_demo_accounts_keep_demo(hub: FlaskClient) -> None:
    assert login(hub, "admin", "demo")  # seeded directly, demo only (docs/security.md)
