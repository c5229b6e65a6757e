"""Fixtures: a seeded hub database per backend, each test in a rolled-back transaction.

The hub's database is migrated and seeded with the demo county once per backend and
session. Every test then runs inside a transaction on one connection; the app's sessions
join it with savepoints, so ``session.commit()`` in a view commits a savepoint and the
test's changes vanish afterwards (Warehouse's pattern).

PostgreSQL runs too when ``SANJI_TEST_POSTGRES_URL`` names an empty test database,
e.g. ``postgresql+psycopg://postgres@/sanji_test?host=/var/run/postgresql``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import Engine, text

from shared.clock import FixedClock
from shared.db import make_engine, make_sessionmaker, unit_of_work
from shared.migrate import upgrade
from shared.sync.crypto import NodeKey

# Timing belongs in bench/, not in tests: no per-example deadline (a loaded CI machine
# would otherwise fail property tests at random).
settings.register_profile("sanji", deadline=None, database=None)
settings.load_profile("sanji")

ROOT = Path(__file__).resolve().parents[1]
HUB_KEY = NodeKey.generate()
PG_URL = os.environ.get("SANJI_TEST_POSTGRES_URL", "")

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not PG_URL, reason="SANJI_TEST_POSTGRES_URL not set"),
    ),
]


def _fresh_postgres(url: str) -> Engine:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def hub_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated hub database with the demo county in it."""
    from county_hub.seed.demo import seed_demo

    if request.param == "postgresql":
        engine = _fresh_postgres(PG_URL)
    else:
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('hub') / 'hub.sqlite3'}")
    upgrade(ROOT / "county_hub" / "migrations", engine)
    keys = str(tmp_path_factory.mktemp("hub-data"))
    engine.info_data_dir = keys  # type: ignore[attr-defined]  # the departments' signing keys
    with unit_of_work(
        make_sessionmaker(engine, info={"signer": HUB_KEY, "data_dir": keys})
    ) as session:
        seed_demo(session, FixedClock())
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def _bound_app(
    factory: Any, engine: Engine, tmp_path: Path, clock: FixedClock, key: NodeKey | None = None
) -> Iterator[Flask]:
    connection = engine.connect()
    outer = connection.begin()
    app: Flask = factory(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "SECRET_KEY": "test-secret",
            "CLOCK": clock,
            "COOKIE_SECURE": False,  # the test client speaks plain HTTP
        }
    )
    from shared.web.pages import limiter

    limiter.reset()  # certificate look-ups are counted per process; each test starts afresh
    tier = app.extensions["sanji"]
    if key is not None:
        tier.key = key
    tier.engine.dispose()
    tier.sessions = make_sessionmaker(
        connection,
        join_transaction_mode="create_savepoint",
        info={
            "signer": tier.key,
            "data_dir": getattr(engine, "info_data_dir", None) or app.config["DATA_DIR"],
        },
    )
    try:
        yield app
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def hub_app(hub_engine: Engine, tmp_path: Path, clock: FixedClock) -> Iterator[Flask]:
    from county_hub import create_app

    yield from _bound_app(create_app, hub_engine, tmp_path, clock, HUB_KEY)


@pytest.fixture
def hub(hub_app: Flask) -> FlaskClient:
    return hub_app.test_client()


@pytest.fixture
def hub_session(hub_app: Flask) -> Iterator[Any]:
    """A session in the same rolled-back transaction as the app's requests."""
    with hub_app.extensions["sanji"].sessions() as session:
        yield session


@pytest.fixture(scope="module")
def synced_town(hub_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Town 610727105 with its demo accounts and a replica of the hub's whole master feed,
    as if it had synced; shared by a module's tests (applying the feed takes ~20 s)."""
    from click.testing import CliRunner

    from shared.node.replica.services import apply_changes
    from shared.sync.feed import read_page
    from town_node import create_app
    from town_node.cli import town

    with pytest.MonkeyPatch.context() as env:
        env.setenv("SANJI_TOWN_DATA_DIR", str(tmp_path_factory.mktemp("town")))
        env.setenv("SANJI_TOWN_NODE_CODE", "610727105")
        result = CliRunner().invoke(town, ["init", "--demo"])
        assert result.exit_code == 0, result.output
        app: Flask = create_app({"TESTING": True, "CLOCK": FixedClock(), "COOKIE_SECURE": False})
    changes: list[dict[str, Any]] = []
    after, more = 0, True
    with make_sessionmaker(hub_engine)() as hub_session:
        while more:
            page = read_page(hub_session, after, 5000)
            changes += page.changes
            after, more = page.next, page.more
    with unit_of_work(app.extensions["sanji"].sessions) as session:
        apply_changes(session, changes, hub_key=HUB_KEY.public_b64, me="610727105")
    yield app
    app.extensions["sanji"].engine.dispose()


def login(client: FlaskClient, username: str, password: str = "demo") -> dict[str, str]:
    """Authorization header for ``username``."""
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


@pytest.fixture
def admin(hub: FlaskClient) -> dict[str, str]:
    return login(hub, "admin")


def case_body(
    client: FlaskClient, code: str, *, provided: Any = None, **extra: Any
) -> dict[str, Any]:
    """A POST /cases body for item ``code`` with a valid applicant.

    ``provided(material) -> bool`` decides which materials are ticked (default: all).
    """
    item = client.get(f"/api/v1/catalog/items/{code}").get_json()
    tick = provided or (lambda _m: True)
    return {
        "item_code": code,
        "applicant": {
            "name": "王五",
            "id_type": "111",
            "id_number": "13043419840726291X",
            "phone": "13812345678",
        },
        "materials": [{"name": m["name"], "provided": bool(tick(m))} for m in item["materials"]],
        **extra,
    }
