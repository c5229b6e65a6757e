"""What a process knows about the tier it serves: name, node and county, database, key, clock.

No Flask here: services, jobs and the sync client take a ``Tier`` as a plain value; the web
layer keeps the one of its app in ``app.extensions['sanji']`` (``shared.web.context``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.clock import Clock, SystemClock
from shared.sync.crypto import NodeKey

#: How a tier names itself once its settings are read: (node code, county code), from the
#: settings and, at a node, what its database holds (``build_app`` calls it).
Identity = Callable[[Mapping[str, Any], sessionmaker[Session]], tuple[str, str]]

TIER_LABELS = {"hub": "县级枢纽", "town": "镇(街道)便民服务中心", "village": "村(社区)便民服务室"}


def sanji_version() -> str:
    """The installed distribution's version (or 'dev' when run from a bare checkout)."""
    try:
        return version("sanji")
    except PackageNotFoundError:  # pragma: no cover - only outside an install
        return "dev"


@dataclass
class Tier:
    """What a request or a job needs to know about the tier serving it."""

    name: str
    node_code: str
    #: The county's 6-digit region code: its hub decides for the county departments and
    #: signs for them. The hub's COUNTY_CODE setting; a node learns it when it joins.
    county: str
    engine: Engine
    sessions: sessionmaker[Session]
    key: NodeKey
    clock: Clock = field(default_factory=SystemClock)
    #: CA bundle (PEM path) that the upstream's TLS certificate must chain to; '' = system.
    upstream_ca_bundle: str = ""
    version: str = field(default_factory=sanji_version)

    @property
    def label(self) -> str:
        return TIER_LABELS[self.name]
