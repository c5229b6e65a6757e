"""Schema-based fuzzing (schemathesis) of each tier's OpenAPI document: never a 5xx.

Each tier runs in process (WSGI) on its own database: the hub seeded with the demo
county, a town and a village initialised standalone. Requests carry a county admin's
(or the node clerk's) token, so the write endpoints are reached, not just refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from click.testing import CliRunner
from flask import Flask
from hypothesis import HealthCheck, given, settings

from shared import refdata

pytestmark = pytest.mark.slow


def _app(tier: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    if tier == "hub":
        from county_hub import create_app
        from county_hub.cli import hub as group

        prefix, code = "SANJI_HUB", "610727"
    elif tier == "town":
        from town_node import create_app
        from town_node.cli import town as group

        prefix, code = "SANJI_TOWN", "610727105"
    else:
        from village_portal import create_app
        from village_portal.cli import village as group

        prefix, code = "SANJI_VILLAGE", refdata.demo_village().code
    monkeypatch.setenv(f"{prefix}_DATA_DIR", str(data_dir))
    monkeypatch.setenv(f"{prefix}_NODE_CODE", code)
    result = CliRunner().invoke(group, ["init", "--demo"])
    assert result.exit_code == 0, result.output
    return create_app()


@pytest.fixture(scope="module", params=["hub", "town", "village"])
def tier_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    monkeypatch = pytest.MonkeyPatch()
    try:
        yield _app(request.param, tmp_path_factory.mktemp(request.param), monkeypatch)
    finally:
        monkeypatch.undo()


@pytest.fixture(scope="module")
def token(tier_app: Flask) -> str:
    tier = tier_app.extensions["sanji"]
    username = {
        "hub": "admin",
        "town": f"town-{tier.node_code}",
        "village": f"agent-{tier.node_code}",
    }[tier.name]
    response = tier_app.test_client().post(
        "/api/v1/auth/token", json={"username": username, "password": "demo"}
    )
    return str(response.get_json()["token"])


def test_no_server_errors(tier_app: Flask, token: str) -> None:
    """Every operation of the tier, a dozen generated requests each."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", tier_app)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                detail = response.text[:300]
                failures.append(
                    f"{case.method} {case.formatted_path} → {response.status_code}: {detail}"
                )

        run()
    assert failures == []
