"""Fixtures for the security tests: a demo town (``demo_town_app``), and node apps in process
reached through ``requests`` for trust between tiers.

``requests`` calls to ``http://<name>.test`` are answered by the Flask app registered
under that name (a transport adapter), so the real ``SyncClient`` and ``join`` run
against the real hub and town code in one process and one rolled-back hub transaction.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from click.testing import CliRunner
from flask import Flask
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import refdata
from shared.clock import FixedClock
from shared.migrate import upgrade
from shared.node import MIGRATIONS
from shared.sync.models import MasterChange

TOWN = "610727105"
VILLAGE = refdata.demo_village(TOWN).code


class WSGIAdapter(BaseAdapter):
    """Send a prepared request to a Flask app's test client, as if over the network."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app
        #: Applied to every response before requests sees it (to play a tampering proxy).
        self.tamper: Any = None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        body = request.body.encode() if isinstance(request.body, str) else request.body
        answer = self.app.test_client().open(
            url.path,
            method=request.method or "GET",
            query_string=url.query,
            data=body or None,
            headers=dict(request.headers),
        )
        content = answer.get_data()
        headers = CaseInsensitiveDict(dict(answer.headers))
        if headers.get("Content-Encoding") == "gzip":
            content = gzip.decompress(content)  # urllib3 would inflate it on the wire
            del headers["Content-Encoding"]
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = headers
        response._content = content
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        if self.tamper is not None:
            self.tamper(response)
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> dict[str, WSGIAdapter]:
    """Host name → the adapter answering ``http://<host>``; fill it with the apps."""
    hosts: dict[str, WSGIAdapter] = {}
    real = requests.Session.get_adapter

    def get_adapter(self: requests.Session, url: str) -> BaseAdapter:
        host = urlsplit(url).hostname or ""
        return hosts[host] if host in hosts else real(self, url)

    monkeypatch.setattr(requests.Session, "get_adapter", get_adapter)
    return hosts


def make_node(factory: Any, tmp_path: Path, code: str, clock: FixedClock, **config: Any) -> Flask:
    """A migrated, empty node app with its own SQLite file in ``tmp_path``."""
    app: Flask = factory(
        {
            **config,
            "TESTING": True,
            "DATA_DIR": str(tmp_path / code),
            "NODE_CODE": code,
            "SECRET_KEY": "test-secret",
            "CLOCK": clock,
            "COOKIE_SECURE": False,
        }
    )
    upgrade(MIGRATIONS, app.extensions["sanji"].engine)
    return app


@pytest.fixture
def town_app(tmp_path: Path, clock: FixedClock) -> Iterator[Flask]:
    from town_node import create_app

    app = make_node(create_app, tmp_path, TOWN, clock)
    yield app
    app.extensions["sanji"].engine.dispose()


@pytest.fixture
def village_app(tmp_path: Path, clock: FixedClock) -> Iterator[Flask]:
    from village_portal import create_app

    app = make_node(create_app, tmp_path, VILLAGE, clock)
    yield app
    app.extensions["sanji"].engine.dispose()


def copy_regions(hub_app: Flask, session: Session) -> None:
    """Give a node the hub's region changes, so it may enroll its villages (no full sync)."""
    with hub_app.extensions["sanji"].sessions() as hub_session:
        rows = hub_session.scalars(select(MasterChange).where(MasterChange.entity == "region"))
        for row in rows:
            session.merge(
                MasterChange(
                    seq=row.seq,
                    entity=row.entity,
                    key=row.key,
                    op=row.op,
                    data=row.data,
                    at=row.at,
                    sig=row.sig,
                )
            )


@pytest.fixture
def demo_town_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock) -> Flask:
    """A town node initialised with its demo accounts (its own SQLite file)."""
    from town_node import create_app
    from town_node.cli import town

    monkeypatch.setenv("SANJI_TOWN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SANJI_TOWN_NODE_CODE", "610727105")
    result = CliRunner().invoke(town, ["init", "--demo"])
    assert result.exit_code == 0, result.output
    return create_app({"TESTING": True, "CLOCK": clock, "COOKIE_SECURE": False})
