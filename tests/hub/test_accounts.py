"""Staff accounts at the hub: list, create, change password, disable."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from shared import refdata
from tests.conftest import login


def test_demo_accounts_exist_without_hashes(hub: FlaskClient, admin: dict[str, str]) -> None:
    accounts = hub.get("/api/v1/accounts", headers=admin).get_json()
    names = {a["username"] for a in accounts}
    assert {"admin", "supervisor", "dept-scjgj", "town-610727001", "town-610727105"} <= names
    assert sum(a["role"] == "village_agent" for a in accounts) == 149
    assert sum(a["role"] == "dept_reviewer" for a in accounts) == 28
    assert all("password_hash" not in a and "password" not in a for a in accounts)


def test_admin_creates_an_agent_who_can_log_in(hub: FlaskClient, admin: dict[str, str]) -> None:
    body = {
        "username": "agent-li",
        "display_name": "李代办",
        "role": "village_agent",
        "region_code": refdata.demo_village().code,
        "password": "secret-123",
    }
    created = hub.post("/api/v1/accounts", json=body, headers=admin)
    assert created.status_code == 201, created.get_json()
    assert hub.post("/api/v1/accounts", json=body, headers=admin).status_code == 409
    headers = login(hub, "agent-li", "secret-123")
    assert hub.get("/api/v1/accounts", headers=headers).status_code == 403
    hub.patch("/api/v1/accounts/agent-li", json={"active": False}, headers=admin)
    assert (
        hub.post(
            "/api/v1/auth/token", json={"username": "agent-li", "password": "secret-123"}
        ).status_code
        == 401
    )
    # a disabled account's earlier token stops working at once
    assert hub.get("/api/v1/catalog/export", headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"role": "village_agent", "region_code": "610727105"}, "region_code"),
        ({"role": "town_staff", "region_code": "610727105200"}, "region_code"),
        ({"role": "dept_reviewer", "department_code": "nosuch"}, "department_code"),
        ({"password": "short"}, "password"),
        ({"username": "有中文"}, "username"),
        ({"role": "king"}, "role"),
    ],
)
def test_bad_accounts_are_422(
    hub: FlaskClient, admin: dict[str, str], change: dict[str, str], field: str
) -> None:
    body = {
        "username": "new-user",
        "display_name": "新用户",
        "role": "town_staff",
        "region_code": "610727001",
        "password": "long-enough",
    } | change
    response = hub.post("/api/v1/accounts", json=body, headers=admin)
    assert response.status_code == 422
    assert field in [p["name"] for p in response.get_json()["invalid_params"]]


def test_admin_cannot_disable_themself(hub: FlaskClient, admin: dict[str, str]) -> None:
    assert (
        hub.patch("/api/v1/accounts/admin", json={"active": False}, headers=admin).status_code
        == 409
    )
