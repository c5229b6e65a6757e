"""Tiers in one process for cross-tier tests: a hub, towns and villages with the real sync.

Each tier is its real Flask app on its own SQLite file, migrated like ``sanji <tier>
init``. The nodes join with one-time tokens and sync with the real client
(``shared.node.jobs.sync_cycle``); only the network is left out: requests to
``http://<name>.test`` are answered by that tier's app through a requests transport
adapter, so signatures, gzip bodies, ETags and problem replies all take their real path.
The scheduler's jobs are run by hand (:meth:`Tiers.settle`), so nothing happens behind the
test's back. Slower multi-process runs with real sockets are in ``tests/integration``.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from county_hub import create_app as hub_app
from county_hub.jobs import issue_certificates
from shared.casework.jobs import refresh_cases
from shared.clock import FixedClock
from shared.db import unit_of_work
from shared.migrate import upgrade
from shared.node import MIGRATIONS as NODE_MIGRATIONS
from shared.node.jobs import sync_cycle
from shared.sync import state
from shared.sync.client import join
from shared.sync.crypto import fingerprint
from shared.sync.server import create_enroll_token
from shared.tier import Tier
from shared.web.pages import limiter
from town_node import create_app as town_app
from village_portal import create_app as village_app

HUB_MIGRATIONS = Path(__file__).resolve().parents[2] / "county_hub" / "migrations"


@dataclass
class Running:
    """One tier of the run: its app, a test client and the URL the others reach it at."""

    name: str
    app: Flask
    url: str

    @property
    def tier(self) -> Tier:
        tier: Tier = self.app.extensions["sanji"]
        return tier

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    def login(self, username: str, password: str = "demo") -> dict[str, str]:
        response = self.client.post(
            "/api/v1/auth/token", json={"username": username, "password": password}
        )
        assert response.status_code == 200, (self.name, username, response.get_json())
        return {"Authorization": f"Bearer {response.get_json()['token']}"}


class WSGITransport(BaseAdapter):
    """A requests adapter that hands each request to the named tier's app."""

    def __init__(self) -> None:
        super().__init__()
        self.apps: dict[str, Flask] = {}

    def send(self, request: requests.PreparedRequest, **_kw: Any) -> requests.Response:
        url = urlsplit(str(request.url))
        app = self.apps[str(url.hostname)]
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")
        }
        body = request.body.encode() if isinstance(request.body, str) else request.body
        answer = app.test_client().open(
            url.path, method=str(request.method), query_string=url.query, data=body, headers=headers
        )
        data = answer.get_data()
        if answer.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)  # as urllib3 does for a real response
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(dict(answer.headers))
        response._content = data
        response.encoding = answer.mimetype_params.get("charset", "utf-8")
        response.url = str(request.url)
        response.request = request
        return response

    def close(self) -> None:
        pass


@dataclass
class Tiers:
    """The tiers of one test, built in ``root`` with one clock."""

    root: Path
    clock: FixedClock
    transport: WSGITransport = field(default_factory=WSGITransport)
    running: dict[str, Running] = field(default_factory=dict)

    def _start(
        self, name: str, factory: Any, migrations: Path, config: Mapping[str, Any]
    ) -> Running:
        data_dir = self.root / name
        app: Flask = factory(
            {
                "TESTING": True,
                "DATA_DIR": str(data_dir),
                "SECRET_KEY": f"test-{name}",
                "CLOCK": self.clock,
                "COOKIE_SECURE": False,
                **config,
            }
        )
        limiter.reset()  # login attempts are counted per process, not per app
        upgrade(migrations, app.extensions["sanji"].engine)
        tier = Running(name, app, f"http://{name}.test")
        self.transport.apps[f"{name}.test"] = app
        self.running[name] = tier
        return tier

    def hub(self, **config: Any) -> Running:
        """The county hub (``COUNTY_CODE`` and other settings as keywords), schema only."""
        return self._start("hub", hub_app, HUB_MIGRATIONS, config)

    def town(self, code: str) -> Running:
        return self._start(f"town-{code}", town_app, NODE_MIGRATIONS, {"NODE_CODE": code})

    def village(self, code: str) -> Running:
        return self._start(f"village-{code}", village_app, NODE_MIGRATIONS, {"NODE_CODE": code})

    def join(self, node: Running, upstream: Running) -> None:
        """Enroll ``node`` at ``upstream`` and join with the token (``sanji … join``)."""
        up = upstream.tier
        with unit_of_work(up.sessions) as session:
            token = create_enroll_token(
                session, up.node_code, node.tier.node_code, by="test", clock=self.clock
            )
        me = node.tier
        hub = self.running["hub"].tier
        join(
            me.sessions,
            me=me.node_code,
            key=me.key,
            url=upstream.url,
            token=token,
            hub_fingerprint=fingerprint(hub.key.public_b64),
        )

    def sync(self, node: Running) -> dict[str, Any]:
        """One sync cycle of ``node`` (master down, events up, events down)."""
        summary = sync_cycle(node.app, forced=True)
        if summary is None:
            with node.tier.sessions() as session:
                raise AssertionError(
                    f"{node.name} did not sync: {state.get(session, 'last_error')}"
                )
        return summary

    def settle(self) -> None:
        """What the schedulers do within a second: fold what pushes brought in, and at the
        hub issue the result certificates of cases decided at towns."""
        for tier in self.running.values():
            refresh_cases(tier.app)
        if "hub" in self.running:
            issue_certificates(self.running["hub"].app)


@contextmanager
def in_process(root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Tiers]:
    """Tiers whose HTTP between them stays in this process."""
    tiers = Tiers(root, FixedClock())
    plain = requests.Session.get_adapter

    def get_adapter(self: requests.Session, url: str) -> BaseAdapter:
        if urlsplit(url).hostname in tiers.transport.apps:
            return tiers.transport
        return plain(self, url)

    monkeypatch.setattr(requests.Session, "get_adapter", get_adapter)
    try:
        yield tiers
    finally:
        for tier in tiers.running.values():
            tier.tier.engine.dispose()
