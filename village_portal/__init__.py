"""村(社区)便民服务室 (village tier): village agents file cases for villagers, offline too.

A village runs the node application (``shared.node``) and nothing more: it serves no node
below it, so it has none of the town's relay endpoints. Its upstream is its town.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from shared.node.app import register_node
from shared.node.config import identity
from shared.web.app import build_app
from village_portal.config import PREFIX, SETTINGS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The village tier's Flask app; ``config`` overrides settings (tests)."""
    return build_app(
        __name__,
        tier="village",
        prefix=PREFIX,
        settings=SETTINGS,
        config=config,
        identity=identity,
        register=register_node,
    )
