"""`sanji hub init --admin`: a real county's first start — schema and one admin, no demo data."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from county_hub import create_app
from county_hub.catalog.models import ServiceItem
from county_hub.cli import hub
from county_hub.org.models import Department, Region
from shared.accounts.models import Account, Role
from shared.accounts.passwords import password_problems

GOOD = "Lueyang-2026"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("SANJI_HUB_DATABASE_URL", "SANJI_HUB_SETTINGS", "SANJI_HUB_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SANJI_HUB_DATA_DIR", str(tmp_path / "hub"))
    return tmp_path / "hub"


def _init(*args: str, password: str) -> tuple[int, str]:
    result = CliRunner().invoke(hub, ["init", *args], input=password + "\n")
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("username", "password", "reason"),
    [
        ("chief", "Short-1", "至少 10 位"),
        ("chief", "alllowercaseletters", "至少三类"),
        ("chief", "abcdefghij1", "至少三类"),
        ("Chief.Admin1", "chief.admin1", "不能与用户名相同"),
    ],
)
def test_password_rule_names_each_problem(username: str, password: str, reason: str) -> None:
    assert any(reason in problem for problem in password_problems(password, username=username))


def test_password_rule_accepts_a_strong_password() -> None:
    assert password_problems(GOOD, username="chief") == []
    # Chinese characters count as letters of no case, not as symbols.
    assert password_problems("县级管理员密码abc12", username="chief") != []
    assert password_problems("县级管理员密码abc12!", username="chief") == []


def test_weak_password_is_refused_before_anything_is_written(data_dir: Path) -> None:
    code, output = _init("--admin", "chief", "--password-stdin", password="password")
    assert code != 0
    assert "密码不符合要求" in output and "至少 10 位" in output
    assert not (data_dir / "hub.sqlite3").exists()


def test_init_creates_schema_and_one_admin_and_no_demo_data(data_dir: Path) -> None:
    code, output = _init("--admin", "chief", "--password-stdin", password=GOOD)
    assert code == 0, output
    assert "已创建县级管理员 chief" in output

    app = create_app({"TESTING": True})
    with app.extensions["sanji"].sessions() as session:
        accounts = session.scalars(select(Account)).all()
        assert [(a.username, a.role, a.region_code) for a in accounts] == [
            ("chief", Role.ADMIN, "610727")
        ]
        for model in (Region, Department, ServiceItem):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model

    client = app.test_client()
    response = client.post("/api/v1/auth/token", json={"username": "chief", "password": GOOD})
    assert response.status_code == 200, response.get_json()
    token = response.get_json()["token"]
    me = client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200


def test_init_again_is_idempotent_and_never_changes_a_password(data_dir: Path) -> None:
    assert _init("--admin", "chief", "--password-stdin", password=GOOD)[0] == 0
    code, output = _init("--admin", "chief", "--password-stdin", password=GOOD)
    assert code == 0 and "已存在" in output and "未作改动" in output
    code, output = _init("--admin", "chief", "--password-stdin", password="Other-pass-99")
    assert code != 0 and "已存在" in output
    app = create_app({"TESTING": True})
    client = app.test_client()
    assert (
        client.post("/api/v1/auth/token", json={"username": "chief", "password": GOOD}).status_code
        == 200
    )


def test_password_prompt_asks_twice(data_dir: Path) -> None:
    result = CliRunner().invoke(hub, ["init", "--admin", "chief"], input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert "已创建县级管理员 chief" in result.output


def test_admin_and_demo_do_not_mix(data_dir: Path) -> None:
    code, output = _init("--admin", "chief", "--demo", "--password-stdin", password=GOOD)
    assert code != 0 and "--demo" in output
