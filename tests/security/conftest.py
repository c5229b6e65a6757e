"""Fixtures for the security tests: a demo town node beside the hub of tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from shared.clock import FixedClock


@pytest.fixture
def town_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock) -> Flask:
    """A town node initialised with its demo accounts (its own SQLite file)."""
    from town_node import create_app
    from town_node.cli import town

    monkeypatch.setenv("SANJI_TOWN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SANJI_TOWN_NODE_CODE", "610727105")
    result = CliRunner().invoke(town, ["init", "--demo"])
    assert result.exit_code == 0, result.output
    return create_app({"TESTING": True, "CLOCK": clock, "COOKIE_SECURE": False})
