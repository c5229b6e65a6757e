"""Schema-based fuzzing (schemathesis) of each tier's OpenAPI document: never a 5xx.

Each tier runs in process (WSGI) on its own database: the hub seeded with the demo
county, a town and a village initialised standalone, each test on a fresh copy of that
database and with a fixed clock. Requests carry a county admin's (or the node clerk's)
token, so the write endpoints are reached, not just refused.

Two runs, so that a green CI means something:

- :func:`test_no_server_errors` is deterministic: Hypothesis derandomised, the same
  requests in the same order on every machine and every run (checked: the same 826
  requests and answers at the hub under two hash seeds). A failure there is a
  regression, and it reproduces. It takes well under a minute, so it is not ``slow``.
- :func:`test_no_server_errors_wide` (``slow``) explores: more examples, also requests
  that break the schema (negative mode), a fresh seed each run. Its number of examples
  is bounded, and its seed is fixed where ``CI`` is set so CI stays reproducible; a
  failure names the seed, and ``SANJI_FUZZ_SEED=<seed>`` replays it.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import schemathesis
from click.testing import CliRunner
from flask import Flask
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from county_hub import create_app as hub_app
from county_hub.cli import hub as hub_cli
from shared import refdata
from shared.clock import FixedClock
from town_node import create_app as town_app
from town_node.cli import town as town_cli
from village_portal import create_app as village_app
from village_portal.cli import village as village_cli

#: The wide run's seed under CI (any fixed number; this one is the demo's seed).
CI_SEED = 20261127
TIERS = ("hub", "town", "village")


def _factory(tier: str) -> tuple[Callable[..., Flask], click.Group, str, str]:
    """The tier's app factory, its command group, environment prefix and node code."""
    return {
        "hub": (hub_app, hub_cli, "SANJI_HUB", refdata.COUNTY_CODE),
        "town": (town_app, town_cli, "SANJI_TOWN", "610727105"),
        "village": (village_app, village_cli, "SANJI_VILLAGE", refdata.demo_village().code),
    }[tier]


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each tier's data directory after ``sanji <tier> init --demo`` (made once)."""
    made = {}
    monkeypatch = pytest.MonkeyPatch()
    try:
        for tier in TIERS:
            _create, group, prefix, code = _factory(tier)
            data_dir = tmp_path_factory.mktemp(f"{tier}-template")
            monkeypatch.setenv(f"{prefix}_DATA_DIR", str(data_dir))
            monkeypatch.setenv(f"{prefix}_{'COUNTY_CODE' if tier == 'hub' else 'NODE_CODE'}", code)
            result = CliRunner().invoke(group, ["init", "--demo"])
            assert result.exit_code == 0, result.output
            made[tier] = data_dir
    finally:
        monkeypatch.undo()
    return made


@pytest.fixture(params=TIERS)
def tier_app(
    request: pytest.FixtureRequest, initialised: dict[str, Path], tmp_path: Path
) -> Iterator[Flask]:
    """A fresh copy of the tier's demo database, so every run starts from the same state."""
    tier: str = request.param
    create, _group, _prefix, code = _factory(tier)
    data_dir = tmp_path / tier
    shutil.copytree(initialised[tier], data_dir)
    setting = "COUNTY_CODE" if tier == "hub" else "NODE_CODE"
    app = create(
        {
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": "",  # the copy's SQLite file, not the template's
            setting: code,
            "CLOCK": FixedClock(),  # same day, same working-day answers, every run
        }
    )
    yield app
    app.extensions["sanji"].engine.dispose()


def _token(app: Flask) -> str:
    tier = app.extensions["sanji"]
    username = {
        "hub": "admin",
        "town": f"town-{tier.node_code}",
        "village": f"agent-{tier.node_code}",
    }[tier.name]
    response = app.test_client().post(
        "/api/v1/auth/token", json={"username": username, "password": "demo"}
    )
    return str(response.get_json()["token"])


def _server_errors(
    app: Flask, fuzz: settings, modes: tuple[GenerationMode, ...], seeded: int | None = None
) -> list[str]:
    """Every operation of the tier with ``fuzz``'s examples each; the 5xx answers."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {_token(app)}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:
        for mode in modes:
            _fuzz_one(operation, mode, fuzz, seeded, headers, failures)
    return failures


def _fuzz_one(
    operation: Any,
    mode: GenerationMode,
    fuzz: settings,
    seeded: int | None,
    headers: dict[str, str],
    failures: list[str],
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @fuzz
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(
                f"{mode} {case.method} {case.formatted_path} → {response.status_code}: "
                f"{response.text[:300]}"
            )

    try:
        (seed(seeded)(run) if seeded is not None else run)()
    except Unsatisfiable:
        # An operation without parameters or body has no request that breaks its schema.
        if mode is not GenerationMode.NEGATIVE:
            raise


#: Collected, not raised: no shrinking, and nothing remembered between runs.
_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": list(HealthCheck),
    "phases": (Phase.explicit, Phase.generate),
}


def test_no_server_errors(tier_app: Flask) -> None:
    """Every operation of the tier, a dozen generated requests each, the same every run."""
    fuzz = settings(max_examples=12, derandomize=True, **_COMMON)
    assert _server_errors(tier_app, fuzz, (GenerationMode.POSITIVE,)) == []


@pytest.mark.slow
def test_no_server_errors_wide(tier_app: Flask) -> None:
    """More requests, and invalid ones too, from a new seed each run (fixed under CI)."""
    given_seed = os.environ.get("SANJI_FUZZ_SEED")
    if given_seed:
        chosen = int(given_seed)
    elif os.environ.get("CI"):
        chosen = CI_SEED
    else:
        chosen = random.SystemRandom().randrange(2**32)
    fuzz = settings(max_examples=40, derandomize=False, **_COMMON)
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    failures = _server_errors(tier_app, fuzz, modes, seeded=chosen)
    assert failures == [], f"replay with SANJI_FUZZ_SEED={chosen}: {failures}"
