"""镇(街道)便民服务中心 (town tier): accepts cases, decides delegated items, relays for villages.

A town runs the node application (``shared.node``: intake, handling, certificates, the
replica, sync with the hub) plus ``town_node.relay``: the sync endpoints its villages
push to and pull from, and the relay of their look-ups and complaints to the county.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from shared.node.config import identity
from shared.web.app import build_app
from town_node.config import PREFIX, SETTINGS
from town_node.relay import register_town


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The town tier's Flask app; ``config`` overrides settings (tests)."""
    return build_app(
        __name__,
        tier="town",
        prefix=PREFIX,
        settings=SETTINGS,
        config=config,
        identity=identity,
        register=register_town,
    )
