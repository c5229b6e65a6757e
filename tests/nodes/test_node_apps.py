"""Town node and village portal: start, migrate their own SQLite, serve health/auth/calendar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from shared import refdata
from shared.clock import FixedClock


def _town(tmp_path: Path) -> tuple[Callable[..., Flask], str, str]:
    from town_node.cli import town

    return town, "SANJI_TOWN", "610727105"


def _village(tmp_path: Path) -> tuple[Callable[..., Flask], str, str]:
    from village_portal.cli import village

    return village, "SANJI_VILLAGE", refdata.demo_village().code


@pytest.fixture(params=["town", "village"])
def node(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Flask, str]:
    group, prefix, code = (_town if request.param == "town" else _village)(tmp_path)
    monkeypatch.setenv(f"{prefix}_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(f"{prefix}_NODE_CODE", code)
    result = CliRunner().invoke(group, ["init", "--demo"])
    assert result.exit_code == 0, result.output
    assert "已写入演示账号" in result.output
    if request.param == "town":
        from town_node import create_app
    else:
        from village_portal import create_app
    return create_app({"TESTING": True, "CLOCK": FixedClock()}), code


def test_health_names_tier_and_node(node: tuple[Flask, str]) -> None:
    app, code = node
    body = app.test_client().get("/api/v1/health").get_json()
    assert body["status"] == "ok" and body["node"] == code
    assert body["tier"] == ("town" if len(code) == 9 else "village")


def test_demo_accounts_log_in_at_their_node(node: tuple[Flask, str]) -> None:
    app, code = node
    client = app.test_client()
    username = f"town-{code}" if len(code) == 9 else f"agent-{code}"
    ok = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    assert ok.status_code == 200 and ok.get_json()["token"]
    stranger = client.post(
        "/api/v1/auth/token", json={"username": "town-610727001", "password": "demo"}
    )
    assert stranger.status_code == 401


def test_openapi_and_due_date(node: tuple[Flask, str]) -> None:
    app, _ = node
    client = app.test_client()
    assert client.get("/api/v1/openapi.json").get_json()["openapi"].startswith("3.1")
    due = client.get("/api/v1/calendar/due-date", query_string={"start": "2026-02-13", "days": 1})
    assert due.get_json()["due_date"] == "2026-02-14"


def test_init_refuses_a_bad_node_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from town_node.cli import town

    monkeypatch.setenv("SANJI_TOWN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SANJI_TOWN_NODE_CODE", "61072710")
    result = CliRunner().invoke(town, ["init"])
    assert result.exit_code != 0
